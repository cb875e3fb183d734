"""Scores the auditor on the phrase banks (annotations/phrasebank*.jsonl):
short fragments, each labelled with whether it documents one concept.

Each fragment is wrapped in the smallest context its concept needs (a
refill, a change, a non-physician performer) so the check reads one
decision, not the whole note's.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Mapping

from spacy.language import Language

from auditor.audit import audit_rows

REFILL = "Pump refilled.\n"
FILL = "Pump refilled with 20 mL.\n"
CHANGE = "Daily dose increased from 400 to 440 mcg/day.\n"


def _parts(rec: Mapping[str, Any], element: str) -> set[str]:
    """The parts (before/after, condition/goals) an element's evidence covers."""
    return {ev.get("part", "") for ev in rec["elements"][element]["evidence"]}


# concept -> (prefix, author_role, test of the record)
CONCEPTS: dict[str, tuple[str, str | None, Callable[[Mapping[str, Any]], bool]]] = {
    "refill_done": ("", None, lambda r: bool(r["facts"].get("refill"))),
    "status_before": (REFILL, None, lambda r: "before" in _parts(r, "pump_status")),
    "status_after": (REFILL, None, lambda r: "after" in _parts(r, "pump_status")),
    "dose_response": ("", None, lambda r: r["elements"]["dose_response"]["status"] == "met"),
    "regimen_change": ("", None, lambda r: bool(r["facts"].get("regimen_change"))),
    "change_reason": (CHANGE, None, lambda r: r["elements"]["change_reason"]["status"] == "met"),
    "condition": ("", None, lambda r: "condition" in _parts(r, "reassessment")),
    "goals": ("", None, lambda r: "goals" in _parts(r, "reassessment")),
    "supervision_direct": (REFILL, "RN", lambda r: r["elements"]["incident_to"]["status"] == "met"),
    "drug_purchase": (FILL, None, lambda r: r["elements"]["drug_cost"]["status"] == "met"),
    "outside_supply": (FILL, None, lambda r: r["elements"]["drug_cost"]["status"] == "not_applicable"),
}


def bank_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit rows of a bank's fragments: each fragment behind its concept's prefix and role."""
    rows = []
    for it in items:
        prefix, role, _ = CONCEPTS[it["concept"]]
        rows.append({"note_id": it["id"], "text": prefix + it["text"], "author_role": role})
    return rows


def score_bank(nlp: Language, items: list[dict[str, Any]], mode: str | None = "rules") -> dict[str, Any]:
    """Accuracy per concept and overall, with tp/tn/fp/fn counts and the fragments got wrong (ids only)."""
    recs = audit_rows(nlp, bank_rows(items), mode=mode)
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wrong: list[dict[str, Any]] = []
    for it, rec in zip(items, recs):
        got = bool(rec["elements"]) and CONCEPTS[it["concept"]][2](rec)
        ok = got == bool(it["expected"])
        c = per[it["concept"]]
        c["n"] += 1
        c["correct"] += ok
        c[f"{'tp' if got and ok else 'tn' if ok else 'fp' if got else 'fn'}"] += 1
        if not ok:
            wrong.append({"id": it["id"], "concept": it["concept"], "expected": it["expected"]})
    table = {k: {**v, "accuracy": round(v["correct"] / v["n"], 3)} for k, v in per.items()}
    total = sum(v["n"] for v in per.values())
    return {"concepts": table, "accuracy": round(sum(v["correct"] for v in per.values()) / max(total, 1), 3), "wrong": wrong}


def load_bank(path: str | Path) -> list[dict[str, Any]]:
    """The fragments of one bank file, in file order."""
    with open(path, encoding="utf-8") as fh:
        try:
            return [json.loads(line) for line in fh if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: a line is not JSON ({exc.msg})") from None


def check_bank(items: list[dict[str, Any]], path: str | Path) -> list[dict[str, Any]]:
    """The items, after checking that each has an id, text, expected and a known concept (ValueError naming the first that does not)."""
    for n, it in enumerate(items, 1):
        if not isinstance(it, dict) or not {"id", "text", "expected", "concept"} <= set(it):
            raise ValueError(f"{path}: fragment {n} needs id, concept, text and expected")
        if it["concept"] not in CONCEPTS:
            raise ValueError(f"{path}: fragment {n} has concept {it['concept']!r}, not one of {sorted(CONCEPTS)}")
    return items


def format_bank(result: Mapping[str, Any], items: list[dict[str, Any]] | None = None) -> str:
    """The lines `auditor evaluate phrasebank` prints; with `items`, each wrong fragment's text after them."""
    lines = [f"{k:20s} n={v['n']:3d} acc={v['accuracy']:.3f} fp={v.get('fp', 0)} fn={v.get('fn', 0)}"
             for k, v in sorted(result["concepts"].items())]
    lines.append(f"overall {result['accuracy']}")
    if items is not None:
        by_id = {i["id"]: i for i in items}
        lines += [f"{w['concept']} {w['expected']} | {by_id[w['id']]['text']}" for w in result["wrong"]]
    return "\n".join(lines) + "\n"
