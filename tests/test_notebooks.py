"""The notebooks run top to bottom (their code cells, in order, in one namespace)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

# the learn_* notebooks run in a real kernel (tests/test_learn_notebooks.py)
NOTEBOOKS = sorted(p for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb") if not p.name.startswith("learn_"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path: Path, nlp, monkeypatch):
    monkeypatch.chdir(path.parent)
    monkeypatch.setenv("NOTEBOOK_SAMPLE", "250")  # an even sample of held-out: the same cells, flat time as the gold grows
    import auditor.pipeline

    monkeypatch.setattr(auditor.pipeline, "build", lambda: nlp)  # reuse the session's pipeline
    ns: dict = {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            exec(compile(src, f"{path.name}", "exec"), ns)  # noqa: S102
    assert ns["result"]["notes"] == len(ns["heldout"]) > 0
    assert ns["pb"]["accuracy"] > 0
