"""The HTML report and the evidence highlighter: escaped note text, colours per element, no external resources."""
from __future__ import annotations

import html
import json
import re

from auditor.report.highlight import COLOURS, highlight_html
from auditor.report.html import render_report

HOSTILE = 'Pt doing well <script>alert(1)</script> on current rate.\nNote: <img src=x onerror=alert(1)> & "quotes"'


def _rec(text, evidence=(), discounted=(), element="dose_response"):
    els = {e: {"status": "not_applicable", "evidence": [], "discounted": []} for e in COLOURS}
    els[element] = {"status": "met" if evidence else "missing", "evidence": list(evidence), "discounted": list(discounted)}
    return {"note_id": "n<1>", "score": 1.0, "elements": els, "findings": [], "facts": {}, "error": None}


def _span(text, quote, **extra):
    start = text.index(quote)
    return {"start": start, "end": start + len(quote), "text": quote, **extra}


def _visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_highlight_escapes_script_and_img_tags_inside_and_outside_evidence():
    rec = _rec(HOSTILE, [_span(HOSTILE, "well <script>alert(1)</script>")])
    out = highlight_html(HOSTILE, rec)
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert _visible_text(out) == HOSTILE


def test_each_element_gets_its_colour_and_discounted_spans_carry_the_reason():
    text = "No relief on current dose. Denies sedation."
    rec = _rec(text, [_span(text, "Denies sedation")], [_span(text, "relief on current dose", discounted_by=["NEGATED_EXISTENCE"])])
    rec["elements"]["reassessment"] = {"status": "partial", "evidence": [_span(text, "No relief", part="condition")], "discounted": []}
    out = highlight_html(text, rec)
    assert f'style="background:{COLOURS["dose_response"]}"' in out
    assert f'style="background:{COLOURS["reassessment"]}"' in out
    assert re.search(r'<span class="discounted[^"]*"[^>]*title="[^"]*not counted: negated"', out)
    assert _visible_text(out) == text


def test_overlapping_spans_do_not_nest_marks():
    text = "pump infusing at 0.5 mL/day after refill"
    rec = _rec(text, [_span(text, "pump infusing at 0.5 mL/day"), _span(text, "0.5 mL/day after refill")], element="pump_status")
    rec["elements"]["dose_response"] = {"status": "met", "evidence": [_span(text, "infusing")], "discounted": []}
    out = highlight_html(text, rec)
    assert not re.search(r"<mark[^>]*>[^<]*<mark", out)
    assert _visible_text(out) == text


def test_spans_whose_offsets_do_not_match_the_text_are_ignored():
    text = "short note"
    rec = _rec(text, [{"start": 0, "end": 5, "text": "WRONG"}, {"start": 3, "end": 999, "text": "x"}, {"start": "a", "end": 2}])
    assert "<mark" not in highlight_html(text, rec)


def test_report_escapes_hostile_text_ids_and_metadata_and_loads_nothing_external(cli, tmp_path):
    notes = tmp_path / "hostile.jsonl"
    rows = [
        {"note_id": "<b>id</b>", "text": HOSTILE, "author": "<img src=x onerror=alert(2)>", "payer": "medicare"},
        {"note_id": "empty", "text": ""},
    ]
    notes.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "report.html"
    code, _, err = cli("audit", notes, "--out", out, "-q")
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>id</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;id&lt;/b&gt;" in page
    tags = re.findall(r"<[^>]*>", page)
    # only same-page anchors (evidence list -> span in the note); nothing that loads or leaves the page
    assert not [t for t in tags if re.search(r'\b(?:src|action)\s*=|\bhref\s*=\s*"(?!#)|^<(?:link|script|iframe|object)', t)]
    assert not re.search(r"@import|url\(", page)
    assert "Not audited: empty text" in page


def test_report_summary_counts_every_note_but_shows_only_the_first(sample_rows, sample_records):
    page = render_report(sample_records, sample_rows, max_notes=3)
    assert page.count('<section class="note"') == 3
    assert "The first 3 of 20 notes are shown in full" in page
    assert re.search(r"<b>20</b>notes", page)
    mean = sum(r["score"] for r in sample_records) / 20
    assert f"<b>{mean:.3f}</b>mean score" in page


def test_report_renders_records_without_text_for_the_ui(sample_records):
    page = render_report(sample_records[:2])
    assert sample_records[0]["note_id"] in page and 'class="note-text"' not in page
