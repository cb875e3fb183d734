"""The `auditor` command: usable errors exit 2 with one line, runs end to end, spark and evaluate wiring."""
from __future__ import annotations

from tests.sampling import spread
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from auditor.elements import ELEMENTS
from auditor.io import read_records

REPO = Path(__file__).resolve().parents[1]
SAMPLE_CSV = REPO / "samples" / "notes.csv"
GOLD = REPO / "annotations" / "gold.jsonl"
PYTHON = sys.executable


def _one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    p = tmp_path / "already.jsonl"
    p.write_text("{}\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["audit", "{tmp}/nope.csv", "--out", "{tmp}/o.jsonl"], "no such file"),
        (["audit", "{tmp}/notes.txt", "--out", "{tmp}/o.jsonl"], "unknown input type '.txt'"),
        (["audit", "{sample}", "--out", "{tmp}/o.xml"], "unknown output type '.xml'"),
        (["audit", "{sample}", "--out", "{tmp}/o.jsonl", "--text-col", "NOTE_TEXT"], "columns found: note_id, text"),
        (["audit", "{sample}", "--out", "{existing}"], "use --force"),
        (["audit", "{sample}", "--out", "{tmp}/no/such/dir/o.jsonl"], "does not exist"),
        (["audit", "{sample}"], "required: --out"),
        (["audit", "{sample}", "--out", "{tmp}/o.jsonl", "--batch-size", "0"], "--batch-size"),
        (["audit", "{sample}", "--out", "{tmp}/o.jsonl", "--engine", "dask"], "invalid choice"),
        (["audit", "{sample}", "--out", "{tmp}/o.csv", "--resume"], "--resume"),
        (["frobnicate"], "invalid choice"),
        (["evaluate", "{tmp}/gold.jsonl"], "no such file"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(argv, says, cli, tmp_path, existing):
    (tmp_path / "notes.txt").write_text("a note", encoding="utf-8")
    fill = {"tmp": tmp_path, "sample": SAMPLE_CSV, "existing": existing}
    code, out, err = cli(*[a.format(**fill) for a in argv])
    assert code == 2
    assert says in _one_clean_line(err)
    assert out == ""
    assert not list(tmp_path.glob("o.*"))


def test_existing_output_is_kept_without_force_and_replaced_with_it(cli, tmp_path, existing, sample_records):
    assert cli("audit", SAMPLE_CSV, "--out", existing, "-q")[0] == 2
    assert existing.read_text(encoding="utf-8") == "{}\n"
    code, _, err = cli("audit", SAMPLE_CSV, "--out", existing, "--force", "-q")
    assert code == 0, err
    assert read_records(existing) == sample_records


def test_help_exits_0(cli):
    code, out, _ = cli("audit", "--help")
    assert code == 0 and "--n-process" in out


def test_quiet_run_prints_nothing_and_a_normal_run_prints_a_summary_but_no_note_text(cli, tmp_path, sample_rows):
    code, out, err = cli("audit", SAMPLE_CSV, "--out", tmp_path / "a.jsonl", "--quiet")
    assert (code, out, err) == (0, "", "")
    code, out, err = cli("audit", SAMPLE_CSV, "--out", tmp_path / "b.jsonl")
    assert code == 0 and out == ""
    assert "20 records (0 not audited)" in err
    assert not any(r["text"][:40] in err for r in sample_rows)


def test_spark_engine_missing_exits_2(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "auditor.engines.spark", None)  # import of it raises ImportError
    code, _, err = cli("audit", SAMPLE_CSV, "--out", tmp_path / "o.jsonl", "--engine", "spark")
    assert code == 2
    assert "spark engine not installed" in _one_clean_line(err)


def test_spark_engine_gets_the_arguments(cli, tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType("auditor.engines.spark")
    fake.run_cli = lambda inputs, out, id_col, text_col, force: calls.append((inputs, out, id_col, text_col, force)) or 0
    pkg = types.ModuleType("auditor.engines")
    pkg.__path__ = []  # a package, so `from auditor.engines import spark` resolves the submodule
    pkg.spark = fake
    monkeypatch.setitem(sys.modules, "auditor.engines", pkg)
    monkeypatch.setitem(sys.modules, "auditor.engines.spark", fake)
    code, _, _ = cli("audit", "a.csv", "b.parquet", "--out", "o.parquet", "--engine", "spark", "--id-col", "ID", "--force")
    assert code == 0
    assert calls == [(["a.csv", "b.parquet"], "o.parquet", "ID", "text", True)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"}


def test_subprocess_missing_input_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([PYTHON, "-m", "auditor.cli", "audit", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_env())
    assert proc.returncode == 2
    assert _one_clean_line(proc.stderr) == f"auditor audit: {tmp_path / 'missing.csv'}: no such file or folder"


def test_subprocess_stdin_to_stdout_end_to_end(sample_rows, sample_records, tmp_path):
    data = "".join(json.dumps(r) + "\n" for r in sample_rows[:4])
    proc = subprocess.run([PYTHON, "-m", "auditor.cli", "audit", "-", "--out", "-"], input=data,
                          capture_output=True, text=True, timeout=180, cwd=tmp_path, env=_env())
    assert proc.returncode == 0, proc.stderr[-500:]
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    # statuses are pinned by the in-process tests; here: a fresh process, ids in order, whole records
    assert [r["note_id"] for r in got] == [r["note_id"] for r in sample_records[:4]]
    assert all(r["error"] is None and set(r["elements"]) == set(ELEMENTS) for r in got)
    assert "Traceback" not in proc.stderr
    assert "4 records (0 not audited) -> stdout" in proc.stderr.strip().splitlines()[-1]


def test_evaluate_prints_the_same_numbers_as_json_and_as_text(cli, dev_notes, tmp_path):
    sample = spread(dev_notes, 300)  # every writer; flat time as the gold grows
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in sample), encoding="utf-8")
    code, out, err = cli("evaluate", gold, "--split", "dev", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["notes"] == len(sample) and res["split"] == "dev"
    assert set(res["elements"]) == set(ELEMENTS)
    n = sum(d["n"] for d in res["elements"].values())
    weighted = sum(d["accuracy"] * d["n"] for d in res["elements"].values()) / n
    assert res["overall_accuracy"] == pytest.approx(weighted)
    for d in res["elements"].values():
        assert sum(sum(row.values()) for row in d["confusion"].values()) == d["n"]
    from auditor.evaluation.text_report import format_text

    text = format_text(res)
    assert f"{res['overall_accuracy']:.3f}" in text and "deficiency (exact status)" in text
