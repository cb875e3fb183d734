"""What the workbench relies on from auditor.report.highlight: colours per element, reasons, escaping."""
from __future__ import annotations

import re

from auditor.report.highlight import COLOURS, highlight_html, legend_html
from tests.ui_fixtures import TEXT, record


def _with_evidence() -> dict:
    rec = record({"pump_status": "partial", "dose_response": "met"}, discounted=True)
    rec["elements"]["pump_status"]["evidence"] = [{"start": 0, "end": 25, "text": TEXT[:25], "part": "before"}]
    rec["elements"]["dose_response"]["evidence"] = [{"start": 55, "end": 93, "text": TEXT[55:93]}]
    return rec


def test_each_elements_evidence_gets_its_own_colour() -> None:
    out = highlight_html(TEXT, _with_evidence())
    assert re.search(f'background:{COLOURS["pump_status"]}" title="[^"]*">Residual 3.0 mL aspirated</mark>', out)
    assert f'background:{COLOURS["dose_response"]}' in out
    assert "(before)" in out


def test_discounted_span_is_marked_differently_with_its_reason() -> None:
    out = highlight_html(TEXT, _with_evidence())
    assert 'class="discounted disc-reassessment"' in out
    assert "not counted: hypothetical" in out
    assert "Will check goals next visit" in out


def test_note_text_is_escaped_so_markup_in_a_note_is_inert() -> None:
    evil = "<script>alert(1)</script> <img src=x onerror=alert(2)> & done"
    rec = record({"dose_response": "met"})
    rec["elements"]["dose_response"]["evidence"] = [{"start": 0, "end": 8, "text": evil[:8]}]
    out = highlight_html(evil, rec)
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=alert(2)&gt;" in out and "&amp; done" in out


def test_text_without_evidence_comes_back_whole_and_offsets_out_of_range_are_ignored() -> None:
    rec = record()
    rec["elements"]["drug_cost"]["evidence"] = [{"start": 500, "end": 900, "text": "x"}]
    out = highlight_html(TEXT, rec)
    assert TEXT in out and "<mark" not in out


def test_overlapping_spans_keep_every_character_once() -> None:
    rec = _with_evidence()
    rec["elements"]["reassessment"]["evidence"] = [{"start": 10, "end": 40, "text": TEXT[10:40], "part": "condition"}]
    out = highlight_html(TEXT, rec)
    assert re.sub(r"<[^>]+>", "", out) == TEXT


def test_error_record_renders_plain_text() -> None:
    out = highlight_html("a < b", {"note_id": "x", "elements": None, "error": "empty"})
    assert "a &lt; b" in out


def test_legend_names_every_element() -> None:
    assert legend_html().count("<mark") == len(COLOURS)
