from __future__ import annotations

from auditor.ui.worklist import priority, worklist
from tests.ui_fixtures import record


def test_lowest_score_comes_first_and_reviewed_or_failed_notes_are_left_out() -> None:
    recs = [record(score=0.9, note_id="good"), record(score=0.2, note_id="bad"), record(score=0.5, note_id="done"),
            {"note_id": "err", "score": None, "elements": None, "error": "empty text"}]
    out = worklist(recs, reviewed={"done"})
    assert list(out["note_id"]) == ["bad", "good"]
    assert "score 0.20" in out.loc[0, "why"]


def test_set_aside_evidence_raises_a_note_above_an_equal_score() -> None:
    recs = [record(score=0.5, note_id="plain"), record(score=0.5, note_id="near-miss", discounted=True)]
    out = worklist(recs, reviewed=set())
    assert list(out["note_id"]) == ["near-miss", "plain"]
    assert "set-aside evidence in reassessment" in out.loc[0, "why"]


def test_statuses_reviewers_often_correct_raise_a_note() -> None:
    recs = [record({"drug_cost": "met"}, score=0.6, note_id="a"), record({"drug_cost": "missing"}, score=0.6, note_id="b")]
    out = worklist(recs, reviewed=set(), flips={("drug_cost", "missing"): 0.8})
    assert list(out["note_id"]) == ["b", "a"]
    p, why = priority(recs[1], {("drug_cost", "missing"): 0.8})
    assert p > priority(recs[0], {})[0] and any("often corrected (80%)" in w for w in why)


def test_partial_statuses_add_to_priority() -> None:
    assert priority(record({"reassessment": "partial"}, score=0.5), {})[0] > priority(record(score=0.5), {})[0]


def test_empty_input_gives_an_empty_worklist_with_columns() -> None:
    assert list(worklist([], set()).columns) == ["note_id", "score", "priority", "why"]
