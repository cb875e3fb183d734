"""Agreement on element statuses: the gold against a second, blind annotator, and reviewers against the auditor.

Percent agreement alone flatters an element that is nearly always one
status, so Cohen's kappa is given beside it. The workbench's agreement table
(auditor/ui/agreement.py) and its worklist read the reviewer figures from here.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

from auditor.elements import ELEMENTS
from auditor.evaluation.gold import read_jsonl


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Kappa of (first, second) status pairs, to 3 places; None when undefined (no pairs or one category only)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if expected >= 1.0:
        return None
    return round((observed - expected) / (1 - expected), 3)


def annotator_agreement(gold_path: str | Path, second_path: str | Path) -> dict[str, Any]:
    """Per element and over all: notes, share of equal statuses, kappa (`auditor evaluate agreement`).

    The second file holds {"note_id", "labels": {element: status}} per note; a label may also be
    written as the gold writes it ({element: {"status": ..., "evidence": [...]}}).
    """
    gold = {n["note_id"]: n["labels"] for n in read_jsonl(gold_path)}
    pairs: dict[str, list[tuple[str, str]]] = {e: [] for e in ELEMENTS}
    for row in read_jsonl(second_path):
        if row.get("note_id") not in gold:
            raise ValueError(f"{second_path}: note {row.get('note_id')!r} is not in {gold_path}")
        if not isinstance(row.get("labels"), dict) or not set(ELEMENTS) <= set(row["labels"]):
            raise ValueError(f"{second_path}: note {row['note_id']!r} needs a status for each of {', '.join(ELEMENTS)}")
        labels = gold[row["note_id"]]
        for e in ELEMENTS:
            second = row["labels"][e]
            pairs[e].append((labels[e]["status"], second["status"] if isinstance(second, dict) else second))
    out: dict[str, Any] = {}
    for e, ps in pairs.items():
        out[e] = {"n": len(ps), "agreement": round(sum(a == b for a, b in ps) / len(ps), 3), "kappa": _r(cohen_kappa(ps))}
    every = [p for ps in pairs.values() for p in ps]
    out["all"] = {"n": len(every), "agreement": round(sum(a == b for a, b in every) / len(every), 3), "kappa": _r(cohen_kappa(every))}
    return out


def _r(x: float | None) -> float | None:
    """Rounded to 3 places; None (kappa undefined) kept."""
    return None if x is None else round(x, 3)


def status_pairs(reviews: Iterable[Mapping[str, Any]], element: str) -> list[tuple[str, str]]:
    """(auditor status, reviewer status) for every review that recorded both."""
    out = []
    for r in reviews:
        auto = (r.get("auditor_labels") or {}).get(element)
        mine = ((r.get("labels") or {}).get(element) or {}).get("status")
        if auto and mine:
            out.append((auto, mine))
    return out


def correction_counts(reviews: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(element, auditor status) -> (reviews that changed it, reviews); the worklist shrinks these to a rate."""
    seen: Counter[tuple[str, str]] = Counter()
    flipped: Counter[tuple[str, str]] = Counter()
    reviews = list(reviews)
    for el in ELEMENTS:
        for a, b in status_pairs(reviews, el):
            seen[(el, a)] += 1
            flipped[(el, a)] += a != b
    return {k: (flipped[k], seen[k]) for k in seen}


def flip_rates(reviews: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], float]:
    """(element, auditor status) -> share of reviews that changed it (raw, unshrunk)."""
    return {k: flipped / seen for k, (flipped, seen) in correction_counts(reviews).items()}
