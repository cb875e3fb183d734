"""Every figure `auditor evaluate` reports, from gold notes and their audit records.

Why apart from the audit: scoring reads records, it never makes them, so the
same function scores a fresh run, a saved JSONL or a notebook's records.

- Findings are compared as sets of rule ids per note, micro-averaged over the
  notes that carry `billed_codes` (findings need a claim).
- A note the audit could not process counts as status `error` for every element.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from auditor.elements import ELEMENTS
from auditor.evaluation.metrics import (Pair, accuracy, confusion, confusion_any, deficiency_counts, findings_by_rule,
                                        findings_counts, prf)

ERROR = "error"


def predicted_status(record: Mapping[str, Any], element: str) -> str:
    """The record's status for `element`, or `error` when the note was not audited."""
    if record.get("error") or not record.get("elements"):
        return ERROR
    return (record["elements"].get(element) or {}).get("status") or ERROR


def gold_visit(note: Mapping[str, Any]) -> dict[str, Any]:
    """The gold visit events of a note: its `visit` labels, else what the element labels imply.

    The guideline ties two events to element applicability: pump status applies exactly
    when the pump was refilled, a change reason exactly when the regimen changed. Older
    gold notes carry no `visit` labels, so for them refill is read as done/not done and
    the performer is unknown.
    """
    labels = note["labels"]
    derived = {
        "refill": "done" if labels["pump_status"]["status"] != "not_applicable" else "not_done",
        "regimen_change": labels["change_reason"]["status"] != "not_applicable",
        "performer_role": None,
    }
    given = note.get("visit") or {}
    # an empty performer ("" for a pharmacist before the role existed) is an unknown one, like None
    return {**derived, **{k: v for k, v in given.items() if v is not None and v != ""}}


def predicted_visit(record: Mapping[str, Any]) -> dict[str, Any]:
    """The visit events the audit decided, in the shape of `gold_visit`."""
    facts = record.get("facts") or {}
    return {
        "refill": facts.get("refill_status") or ("done" if facts.get("refill") else "none"),
        "regimen_change": bool(facts.get("regimen_change")),
        "performer_role": facts.get("performer_role"),
    }


def visit_scores(gold_notes: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Accuracy of the visit model's refill, regimen-change and performer decisions.

    Refill is scored three ways (done / attempted / none) where gold says so, and as
    done vs not done where gold only implies it; performer only where gold names one.
    """
    out: dict[str, Any] = {}
    for key in ("refill", "regimen_change", "performer_role"):
        pairs = []
        for note, rec in zip(gold_notes, records):
            if rec.get("error"):
                continue
            g, p = gold_visit(note)[key], predicted_visit(rec)[key]
            if g is None:
                continue
            if key == "refill" and g == "not_done":
                p = "not_done" if p != "done" else p
            pairs.append((str(g), str(p)))
        out[key] = {"accuracy": accuracy(pairs), "n": len(pairs), "confusion": confusion_any(pairs)}
    return out


def score_by_source(gold_notes: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Element accuracy and deficiency F1 per gold source (writer or style): where the auditor is weak."""
    groups: dict[str, list[int]] = {}
    for i, note in enumerate(gold_notes):
        groups.setdefault(str(note.get("source") or "?"), []).append(i)
    out = {}
    for src, idx in sorted(groups.items()):
        pairs = [(gold_notes[i]["labels"][e]["status"], predicted_status(records[i], e)) for i in idx for e in ELEMENTS]
        out[src] = {"notes": len(idx), "accuracy": accuracy(pairs), "deficiency": prf(*deficiency_counts(pairs))}
    return out


def score_records(gold_notes: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Every figure `auditor evaluate` reports, from gold notes and their records (same order)."""
    if len(gold_notes) != len(records):
        raise ValueError(f"{len(records)} records for {len(gold_notes)} gold notes")
    per_el: dict[str, list[Pair]] = {e: [] for e in ELEMENTS}
    for note, rec in zip(gold_notes, records):
        if rec.get("note_id") != note.get("note_id"):
            raise ValueError(f"record {rec.get('note_id')!r} out of order (expected {note.get('note_id')!r})")
        for e in ELEMENTS:
            per_el[e].append((note["labels"][e]["status"], predicted_status(rec, e)))
    all_pairs = [p for e in ELEMENTS for p in per_el[e]]
    billed = [(n, r) for n, r in zip(gold_notes, records) if n.get("billed_codes")]
    return {
        "notes": len(gold_notes),
        "errors": sum(bool(r.get("error")) for r in records),
        "elements": {
            e: {
                "accuracy": accuracy(per_el[e]),
                "n": len(per_el[e]),
                "confusion": confusion(per_el[e]),
                "deficiency": prf(*deficiency_counts(per_el[e])),
                "deficiency_strict": prf(*deficiency_counts(per_el[e], strict=True)),
            }
            for e in ELEMENTS
        },
        "overall_accuracy": accuracy(all_pairs),
        "by_source": score_by_source(gold_notes, records),
        "visit": visit_scores(gold_notes, records),
        "deficiency": prf(*deficiency_counts(all_pairs)),
        "deficiency_strict": prf(*deficiency_counts(all_pairs, strict=True)),
        "findings": {
            "notes": len(billed),
            **prf(*findings_counts(
                (n.get("expected_findings") or [] for n, _ in billed),
                ([f.get("rule") for f in r.get("findings") or []] for _, r in billed),
            )),
        },
        "findings_by_rule": findings_by_rule(
            [n.get("expected_findings") or [] for n, _ in billed],
            [[f.get("rule") for f in r.get("findings") or []] for _, r in billed],
        ),
    }
