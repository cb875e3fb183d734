from __future__ import annotations

from auditor.ui.worklist import PRIOR, priority, shrunk_rate, worklist
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
    assert "statements not counted in Reassessment" in out.loc[0, "why"]


def test_statuses_reviewers_often_correct_raise_a_note_once_enough_reviews_back_it() -> None:
    recs = [record({"drug_cost": "met"}, score=0.6, note_id="a"), record({"drug_cost": "missing"}, score=0.6, note_id="b")]
    counts = {("drug_cost", "missing"): (8, 10)}
    out = worklist(recs, reviewed=set(), counts=counts)
    assert list(out["note_id"]) == ["b", "a"]
    p, why = priority(recs[1], counts)
    assert p > priority(recs[0], {})[0] and any("corrected Drug purchase 'Missing' in 8 of 10" in w for w in why)


def test_no_reviews_means_the_prior_and_no_correction_term() -> None:
    assert shrunk_rate(0, 0) == PRIOR
    assert priority(record(score=0.5), {})[0] == priority(record(score=0.5), {("drug_cost", "met"): (0, 0)})[0]


def test_two_corrections_do_not_outrank_the_most_deficient_notes() -> None:
    """Issue 14: after two saved reviews the notes scoring 0.17-0.3 fell from ranks 1-4 to 200+."""
    good = [record({"pump_status": "met", "dose_response": "met"}, score=0.75, note_id=f"g{i}") for i in range(295)]
    bad = [record({"pump_status": "missing", "dose_response": "missing"}, score=s, note_id=f"b{i}")
           for i, s in enumerate((0.17, 0.2, 0.3, 0.3))]
    counts = {("pump_status", "met"): (2, 2), ("dose_response", "met"): (2, 2)}  # two reviews, both corrected
    out = worklist(good + bad, reviewed=set(), counts=counts)
    assert set(out["note_id"][:4]) == {"b0", "b1", "b2", "b3"}
    assert not any("corrected" in w for w in out["why"])  # two reviews are not yet a stated reason


def test_partial_statuses_add_to_priority() -> None:
    assert priority(record({"reassessment": "partial"}, score=0.5), {})[0] > priority(record(score=0.5), {})[0]


def test_empty_input_gives_an_empty_worklist_with_columns() -> None:
    assert list(worklist([], set()).columns) == ["note_id", "score", "priority", "why"]


def test_a_disagreement_between_rules_and_model_raises_a_note_and_says_why():
    from auditor.ui.worklist import priority

    base = {"score": 1.0, "elements": {e: {"status": "met", "evidence": []} for e in
            ("pump_status", "dose_response", "change_reason", "reassessment", "incident_to", "drug_cost")}}
    split = {**base, "elements": {**base["elements"], "reassessment": {"status": "met", "evidence": [], "disagreement": True}}}
    p0, why0 = priority(base, {})
    p1, why1 = priority(split, {})
    assert p1 > p0
    assert any("disagree" in w and "eassessment" in w for w in why1)
