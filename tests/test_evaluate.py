"""The evaluation arithmetic, on tiny inputs computed by hand."""
from __future__ import annotations

import json

import pytest

from auditor.elements import ELEMENTS
from auditor.evaluation.gold import load_gold
from auditor.evaluation.metrics import accuracy, confusion, deficiency_counts, findings_counts, prf
from auditor.evaluation.scoring import score_records

# (gold, predicted)
PAIRS = [
    ("met", "met"),                 # correct, not a deficiency
    ("missing", "missing"),         # deficiency found, exact
    ("missing", "partial"),         # deficiency found, wrong kind: lenient TP, strict FP + FN
    ("partial", "met"),             # deficiency missed: FN
    ("not_applicable", "missing"),  # false alarm: FP
    ("met", "partial"),             # false alarm: FP
]


def test_prf_from_counts():
    assert prf(2, 2, 1) == {"tp": 2, "fp": 2, "fn": 1, "precision": 0.5, "recall": pytest.approx(2 / 3), "f1": pytest.approx(4 / 7)}


def test_prf_is_undefined_only_where_its_denominator_is_zero():
    assert prf(0, 0, 0) == {"tp": 0, "fp": 0, "fn": 0, "precision": None, "recall": None, "f1": None}
    assert prf(0, 0, 3) == {"tp": 0, "fp": 0, "fn": 3, "precision": None, "recall": 0.0, "f1": 0.0}
    assert prf(0, 2, 0) == {"tp": 0, "fp": 2, "fn": 0, "precision": 0.0, "recall": None, "f1": 0.0}
    assert prf(3, 0, 0)["f1"] == 1.0


def test_accuracy_counts_exact_status_matches():
    assert accuracy(PAIRS) == pytest.approx(2 / 6)
    assert accuracy([]) is None


def test_lenient_deficiency_counts_any_missing_or_partial_as_a_hit():
    tp, fp, fn = deficiency_counts(PAIRS)
    assert (tp, fp, fn) == (2, 2, 1)
    d = prf(tp, fp, fn)
    assert (d["precision"], d["recall"], d["f1"]) == (0.5, pytest.approx(2 / 3), pytest.approx(4 / 7))


def test_strict_deficiency_needs_the_same_status():
    tp, fp, fn = deficiency_counts(PAIRS, strict=True)
    assert (tp, fp, fn) == (1, 3, 2)
    d = prf(tp, fp, fn)
    assert (d["precision"], d["recall"], d["f1"]) == (0.25, pytest.approx(1 / 3), pytest.approx(2 / 7))


def test_confusion_has_gold_rows_and_predicted_columns_for_every_status():
    c = confusion(PAIRS + [("met", "error")])
    assert list(c) == ["met", "partial", "missing", "not_applicable", "error"]
    assert all(list(row) == list(c) for row in c.values())
    assert c["missing"]["partial"] == 1 and c["partial"]["missing"] == 0
    assert c["met"] == {"met": 1, "partial": 1, "missing": 0, "not_applicable": 0, "error": 1}
    assert sum(sum(r.values()) for r in c.values()) == 7


def test_findings_are_compared_as_sets_and_summed_over_notes():
    gold = [["a", "b"], [], ["c"]]
    pred = [["a"], ["x"], ["c", "d", "c"]]
    assert findings_counts(gold, pred) == (2, 2, 1)


def _gold(nid, statuses, findings=(), billed="95990"):
    return {"note_id": nid, "text": "t", "billed_codes": billed, "expected_findings": list(findings),
            "labels": {e: {"status": s, "evidence": []} for e, s in zip(ELEMENTS, statuses)}}


def _rec(nid, statuses, findings=()):
    return {"note_id": nid, "score": 0.5, "error": None, "findings": [{"rule": f} for f in findings],
            "elements": {e: {"status": s, "evidence": []} for e, s in zip(ELEMENTS, statuses)}}


def test_score_records_end_to_end_on_three_notes():
    na, me, mi, pa = "not_applicable", "met", "missing", "partial"
    gold = [
        _gold("n1", [me, me, na, pa, na, mi], ["drug-line-missing"]),
        _gold("n2", [mi, me, na, me, mi, na], ["code-staff-physician-level"], billed=None),  # not a billed note
        _gold("n3", [na, mi, na, mi, na, na]),
    ]
    recs = [
        _rec("n1", [me, me, na, mi, na, mi], ["drug-line-missing", "em25-not-separate"]),
        _rec("n2", [mi, me, na, me, mi, na], ["code-staff-physician-level"]),
        {"note_id": "n3", "score": None, "elements": None, "findings": [], "facts": {}, "error": "empty text"},
    ]
    res = score_records(gold, recs)
    assert res["notes"] == 3 and res["errors"] == 1
    # n1: 5 of 6 right, n2: 6 of 6, n3: every element counts as "error" -> 0 of 6
    assert res["overall_accuracy"] == pytest.approx(11 / 18)
    assert res["elements"]["reassessment"]["accuracy"] == pytest.approx(1 / 3)
    assert res["elements"]["reassessment"]["confusion"]["partial"]["missing"] == 1
    assert res["elements"]["reassessment"]["confusion"]["missing"]["error"] == 1
    # gold deficiencies: n1 reassessment(pa), drug_cost(mi); n2 pump(mi), incident(mi); n3 dose(mi), reassessment(mi) = 6
    # predicted: n1 reassessment(mi), drug_cost(mi); n2 pump(mi), incident(mi) = 4, all on gold deficiencies
    assert res["deficiency"] == prf(4, 0, 2)
    assert res["deficiency_strict"] == prf(3, 1, 3)  # n1 reassessment partial vs missing
    # findings only over billed notes n1 and n3: tp drug-line-missing, fp em25-not-separate
    assert res["findings"] == {"notes": 2, **prf(1, 1, 0)}


def test_score_records_refuses_records_out_of_order():
    gold = [_gold("a", ["met"] * 6), _gold("b", ["met"] * 6)]
    with pytest.raises(ValueError, match="out of order"):
        score_records(gold, [_rec("b", ["met"] * 6), _rec("a", ["met"] * 6)])
    with pytest.raises(ValueError, match="1 records for 2"):
        score_records(gold, [_rec("a", ["met"] * 6)])


def test_load_gold_filters_by_split(tmp_path):
    p = tmp_path / "gold.jsonl"
    notes = [dict(_gold(f"n{i}", ["met"] * 6), split=s) for i, s in enumerate(["dev", "heldout", "dev"])]
    p.write_text("".join(json.dumps(n) + "\n" for n in notes) + "\n", encoding="utf-8")
    assert [n["note_id"] for n in load_gold(p, "dev")] == ["n0", "n2"]
    assert [n["note_id"] for n in load_gold(p, "heldout")] == ["n1"]
    assert len(load_gold(p, "all")) == 3
