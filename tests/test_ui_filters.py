from __future__ import annotations

import pandas as pd

from auditor.ui.filters import ResultFilter, apply_filter, choices
from auditor.ui.tables import results_frame
from tests.ui_fixtures import record


def _df() -> pd.DataFrame:
    recs = [record({"drug_cost": "missing"}, score=0.2, note_id="a"),
            record({"drug_cost": "met"}, score=0.9, note_id="b"),
            {"note_id": "c", "score": None, "elements": None, "findings": [], "facts": {}, "error": "empty text"}]
    recs[0]["facts"]["performer_role"] = "RN"
    recs[1]["facts"]["performer_role"] = "MD"
    return results_frame(recs, [{"author": "Ann", "payer": "medicare"}, {"author": "Bob"}, {}])


def test_no_filter_keeps_every_row() -> None:
    assert list(apply_filter(_df(), ResultFilter())["note_id"]) == ["a", "b", "c"]


def test_status_filter_keeps_rows_with_a_chosen_status() -> None:
    out = apply_filter(_df(), ResultFilter(statuses={"drug_cost": ["missing"]}))
    assert list(out["note_id"]) == ["a"]


def test_score_range_drops_notes_outside_it_and_errors_can_be_dropped() -> None:
    out = apply_filter(_df(), ResultFilter(score_min=0.5, score_max=1.0, include_errors=False))
    assert list(out["note_id"]) == ["b"]


def test_role_author_and_payer_filters_match_none_as_a_value() -> None:
    df = _df()
    assert list(apply_filter(df, ResultFilter(roles=["RN"]))["note_id"]) == ["a"]
    assert list(apply_filter(df, ResultFilter(authors=["Bob"]))["note_id"]) == ["b"]
    assert list(apply_filter(df, ResultFilter(payers=["(none)"]))["note_id"]) == ["b", "c"]


def test_choices_list_distinct_values_with_none() -> None:
    assert choices(_df(), "payer") == ["(none)", "medicare"]
    assert choices(_df(), "nope") == []
