"""Shared fixtures: the pipeline is built once per test session (about 4 s), gold and sample notes read once."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
GOLD = REPO / "annotations" / "gold.jsonl"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def nlp():
    """The process-wide pipeline (auditor.pipeline.shared), so in-process CLI runs reuse it too."""
    from auditor.pipeline import shared

    return shared()


@pytest.fixture(scope="session")
def sample_rows() -> list[dict[str, Any]]:
    """The bundled sample export (samples/notes.jsonl), 20 dev notes with every input column."""
    return read_jsonl(SAMPLES / "notes.jsonl")


@pytest.fixture(scope="session")
def sample_records(nlp, sample_rows) -> list[dict[str, Any]]:
    """The reference audit of the sample rows, straight from audit_rows."""
    from auditor.audit import audit_rows
    from auditor.io import to_row

    return audit_rows(nlp, [to_row(r, "note_id", "text") for r in sample_rows])


@pytest.fixture(scope="session")
def dev_notes() -> list[dict[str, Any]]:
    """Gold notes of the dev split."""
    return [n for n in read_jsonl(GOLD) if n.get("split") == "dev"]


@pytest.fixture
def cli(capsys, nlp):
    """Run `auditor ...` in-process: returns (exit status, stdout, stderr)."""
    from auditor.cli import main

    def run(*argv: Any) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run
