from __future__ import annotations

from auditor.elements import ELEMENTS
from auditor.ui.marker import quote_lines, targets


def test_every_element_and_every_part_gets_a_button() -> None:
    t = targets()
    assert {x["element"] for x in t} == set(ELEMENTS)
    assert [x["part"] for x in t if x["element"] == "pump_status"] == ["before", "after"]
    assert [x["label"] for x in t if x["element"] == "reassessment"] == ["Reassessment · condition", "Reassessment · goals"]


def test_a_selection_becomes_quote_lines_with_the_part() -> None:
    assert quote_lines({"element": "pump_status", "part": "before", "text": "res 5.0 mL\n no alarms "}) == \
        ["before: res 5.0 mL", "before: no alarms"]
    assert quote_lines({"element": "drug_cost", "part": None, "text": "inv #12"}) == ["inv #12"]
