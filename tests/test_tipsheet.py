"""`auditor tipsheet`: deficiency rates per element and group, tips, fictional examples, no note text."""
from __future__ import annotations

import json
from collections import Counter

from auditor.report.tipsheet import deficiency_rate, examples, summarise


def _write(tmp_path, records):
    path = tmp_path / "audit.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_deficiency_rate_counts_missing_and_partial_over_applicable():
    assert deficiency_rate(Counter({"met": 2, "partial": 1, "missing": 1, "not_applicable": 6})) == 0.5
    assert deficiency_rate(Counter({"not_applicable": 3})) is None


def test_summary_groups_by_author_and_skips_error_records(sample_records):
    recs = list(sample_records) + [{"note_id": "bad", "error": "empty text", "elements": None}]
    s = summarise(recs, by="author")
    assert s["notes"] == len(recs) and s["errors"] == 1
    assert sum(s["elements"]["dose_response"].values()) == len(sample_records)


def test_tipsheet_markdown_and_html_carry_no_note_text(tmp_path, cli, sample_records, sample_rows):
    src = _write(tmp_path, sample_records)
    code, out, err = cli("tipsheet", src, "--by", "performer_role", "--min-notes", "1")
    assert code == 0, err
    assert "## Missed most" in out and "What a compliant note records" in out
    for row in sample_rows:  # no line of any audited note appears in the tip sheet
        for line in row["text"].splitlines():
            if len(line.strip()) > 30:
                assert line.strip() not in out
    code, _, err = cli("tipsheet", src, "--out", tmp_path / "tips.html")
    assert code == 0, err
    page = (tmp_path / "tips.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<script" not in page


def test_tipsheet_refuses_existing_output_and_bad_extension(tmp_path, cli, sample_records):
    src = _write(tmp_path, sample_records)
    (tmp_path / "t.md").write_text("x")
    code, _, err = cli("tipsheet", src, "--out", tmp_path / "t.md")
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = cli("tipsheet", src, "--out", tmp_path / "t.pdf")
    assert code == 2 and "Traceback" not in err


def test_examples_come_from_the_phrase_banks():
    ex = examples("drug_cost")
    assert ex and all(isinstance(x, str) and x for x in ex)

