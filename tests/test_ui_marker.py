from __future__ import annotations

from auditor.elements import ELEMENTS
from auditor.ui.marker import quote_lines, quote_marks, targets


def test_every_element_and_every_part_gets_a_button() -> None:
    t = targets()
    assert {x["element"] for x in t} == set(ELEMENTS)
    assert [x["part"] for x in t if x["element"] == "pump_status"] == ["before", "after"]
    assert [x["label"] for x in t if x["element"] == "reassessment"] == ["Reassessment · condition", "Reassessment · goals"]


def test_a_selection_becomes_quote_lines_with_the_part() -> None:
    assert quote_lines({"element": "pump_status", "part": "before", "text": "res 5.0 mL\n no alarms "}) == \
        ["before: res 5.0 mL", "before: no alarms"]
    assert quote_lines({"element": "drug_cost", "part": None, "text": "inv #12"}) == ["inv #12"]


def test_a_selection_keeps_where_each_line_was_selected() -> None:
    text = "no alarms.\nres 5.0 mL; res 5.0 mL\n"
    second = text.rindex("res 5.0 mL")
    assert quote_marks({"part": "before", "text": text[second:], "start": second}) == [("before: res 5.0 mL", second)]
    two = quote_marks({"part": None, "text": "alarms.\n  res 5.0", "start": 3})
    assert two == [("alarms.", 3), ("res 5.0", 3 + len("alarms.\n  "))]


def test_a_marked_quote_is_evidence_where_it_was_selected_not_at_its_first_occurrence() -> None:
    from auditor.ui.reviews import evidence_from_quotes

    text = "res 5.0 mL yesterday; today res 5.0 mL"
    second = text.rindex("res 5.0 mL")
    ev = evidence_from_quotes(text, "pump_status", ["before: res 5.0 mL"], {"before: res 5.0 mL": second})
    assert ev == [{"text": "res 5.0 mL", "start": second, "end": second + 10, "part": "before"}]
    assert evidence_from_quotes(text, "pump_status", ["before: res 5.0 mL"])[0]["start"] == 0  # typed: first one
