"""Audit outputs pass the shared contract checker (../shared/tools/check_contract.py)."""
from __future__ import annotations

from tests.sampling import spread
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECKER = REPO / ".." / "shared" / "tools" / "check_contract.py"
pytestmark = pytest.mark.skipif(not CHECKER.is_file(), reason=f"contract checker not found at {CHECKER.resolve()}")


def _check(notes: Path, output: Path) -> str:
    proc = subprocess.run([sys.executable, str(CHECKER), str(notes), str(output)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip()


def test_sample_csv_audit_meets_the_contract(cli, tmp_path):
    out = tmp_path / "sample.jsonl"
    code, _, err = cli("audit", REPO / "samples" / "notes.csv", "--out", out, "-q")
    assert code == 0, err
    assert _check(REPO / "samples" / "notes.jsonl", out) == "contract ok: 20 records"


def test_dev_gold_audit_meets_the_contract(cli, tmp_path, dev_notes):
    rows = spread(dev_notes, 300)  # every writer and style; flat time as the gold grows
    notes = tmp_path / "dev.jsonl"
    notes.write_text("".join(json.dumps(n, ensure_ascii=False) + "\n" for n in rows), encoding="utf-8")
    out = tmp_path / "dev_audit.jsonl"
    code, _, err = cli("audit", notes, "--out", out, "-q")
    assert code == 0, err
    assert _check(notes, out) == f"contract ok: {len(rows)} records"


def test_error_records_meet_the_contract(cli, tmp_path):
    notes = tmp_path / "odd.jsonl"
    notes.write_text("".join(json.dumps(n) + "\n" for n in [
        {"note_id": "empty", "text": ""}, {"note_id": "none", "text": None}, {"note_id": "number", "text": 12},
    ]), encoding="utf-8")
    out = tmp_path / "odd_audit.jsonl"
    assert cli("audit", notes, "--out", out, "-q")[0] == 0
    assert _check(notes, out) == "contract ok: 3 records"
