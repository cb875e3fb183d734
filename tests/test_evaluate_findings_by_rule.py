"""`auditor evaluate`: findings P/R per rule, and the same patients' visits from other splits as unscored context."""
from __future__ import annotations

import json

from auditor.evaluation.gold_run import context_visits
from auditor.evaluation.metrics import findings_by_rule
from auditor.evaluation.text_report import format_text


def test_per_rule_counts_each_rule_once_per_note_against_gold():
    gold = [["a", "b"], ["a"], []]
    got = [["a", "a"], ["b"], ["c"]]
    per = findings_by_rule(gold, got)
    assert {r: (d["tp"], d["fp"], d["fn"]) for r, d in per.items()} == {"a": (1, 0, 1), "b": (0, 1, 1), "c": (0, 1, 0)}
    assert per["a"]["precision"] == 1.0 and per["a"]["recall"] == 0.5
    assert per["c"]["recall"] is None  # no gold positives: nothing to recall


def test_context_visits_are_the_other_splits_visits_of_the_same_patients(tmp_path):
    notes = [
        {"note_id": "a", "patient_id": "P1", "split": "heldout"},
        {"note_id": "b", "patient_id": "P1", "split": "dev"},
        {"note_id": "c", "patient_id": "P2", "split": "dev"},
        {"note_id": "d", "split": "dev"},
    ]
    p = tmp_path / "gold.jsonl"
    p.write_text("\n".join(json.dumps({**n, "text": "x", "labels": {}}) for n in notes) + "\n")
    held = [n for n in notes if n["split"] == "heldout"]
    assert [n["note_id"] for n in context_visits(p, held, "heldout")] == ["b"]
    assert context_visits(p, held, "all") == []


def test_the_text_report_prints_a_line_per_rule():
    per = findings_by_rule([["drug-units-mismatch"]], [["drug-units-mismatch"]])
    result = {"notes": 1, "errors": 0, "elements": {}, "overall_accuracy": None, "split": "heldout",
              "deficiency": {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0},
              "deficiency_strict": {"precision": None, "recall": None, "f1": None, "tp": 0, "fp": 0, "fn": 0},
              "findings": {"notes": 1, "precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1, "fp": 0, "fn": 0},
              "findings_by_rule": per, "context_visits": 2}
    text = format_text(result)
    assert "drug-units-mismatch" in text and "2 earlier/later visits" in text
