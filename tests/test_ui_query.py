"""Provider query drafts: the note's own indicators, neutral options, never a suggested answer."""
from __future__ import annotations

import re

from auditor.elements import ELEMENTS
from auditor.report.query import deficient_elements, draft, options
from tests.ui_fixtures import TEXT, record

LEADING = re.compile(r"\b(should|must|recommend|consider|likely|probabl|suggest(?!s? any)|diagnos|reimburs|payment|"
                     r"revenue|denial|compliant)\w*", re.I)


def _rec() -> dict:
    rec = record({"reassessment": "missing", "dose_response": "met"}, discounted=True, note_id="n7")
    rec["input"] = {"service_date": "2025-03-04"}
    return rec


def test_every_element_offers_other_and_unable_to_determine_last() -> None:
    for el in ELEMENTS:
        opts = options(el)
        assert opts[-2].startswith("Other") and opts[-1] == "Unable to determine" and len(opts) >= 4


def test_a_draft_quotes_the_notes_own_statements_with_lines_and_why_not_counted() -> None:
    text = draft("reassessment", _rec(), {"text": TEXT})
    assert 'line 1: "Will check goals next visit"' in text and "not counted: hypothetical" in text
    assert "Date of service: 2025-03-04" in text and "Note: n7" in text
    assert all(f"[ ] {o}" in text for o in options("reassessment"))


def test_drafts_never_lead_or_name_a_diagnosis_or_payment() -> None:
    for el in ELEMENTS:
        body = draft(el, _rec(), {"text": TEXT}).replace(TEXT, "")
        assert not LEADING.search(body), (el, LEADING.search(body))


def test_the_options_do_not_depend_on_what_the_note_says() -> None:
    other = record({"reassessment": "partial"}, note_id="x")
    a = draft("reassessment", _rec(), {"text": TEXT}).split("Clinical indicators")[1].split("\n\n", 1)[1]
    b = draft("reassessment", other, {"text": TEXT}).split("Clinical indicators")[1].split("\n\n", 1)[1]
    assert a == b


def test_queries_are_offered_for_missing_and_partial_elements_only() -> None:
    assert deficient_elements(record({"reassessment": "partial", "drug_cost": "missing", "dose_response": "met"})) == \
        ["reassessment", "drug_cost"]
