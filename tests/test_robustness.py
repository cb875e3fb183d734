"""One failing note or an unwritable output never costs the run more than one clear line."""
from __future__ import annotations

import json


def test_a_check_that_raises_gives_that_note_an_error_and_spares_the_chunk(nlp, monkeypatch):
    from auditor.audit import audit_rows
    from auditor.checks import runner

    real = runner.note_findings

    def flaky(record, meta, text):
        if "BOOM" in text:
            raise ValueError("boom")
        return real(record, meta, text)

    monkeypatch.setattr(runner, "note_findings", flaky)
    recs = audit_rows(nlp, [{"note_id": "a", "text": "Pump refilled. BOOM"}, {"note_id": "b", "text": "Pump refilled with 20 mL."}])
    assert [r["note_id"] for r in recs] == ["a", "b"]
    assert recs[0]["error"] == "checks failed: ValueError" and recs[0]["score"] is None
    assert recs[1]["error"] is None


def test_unwritable_output_exits_2_with_one_line(cli, tmp_path, sample_rows):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in sample_rows[:2]), encoding="utf-8")
    code, _, err = cli("audit", src, "--out", "/proc/nope/out.jsonl", "-q")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
