"""The arithmetic of the evaluation: precision/recall/F1, confusions, accuracy, deficiency and findings counts.

Why pure functions over (gold, predicted) pairs: the numbers go into the
README and decide which rule changes stay, so the arithmetic is tested on tiny
hand-computed cases, apart from the pipeline that produces the predictions.

Definitions
- A *deficiency* is an element that applies and is not met: status `missing`
  or `partial`. Lenient: a predicted deficiency is a true positive when gold
  also has a deficiency there. Strict: only when the two statuses are equal.
- Precision is None when nothing was predicted, recall None when gold has no
  positives, F1 None when neither has any (nothing to score).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Sequence

from auditor.elements import STATUSES

DEFICIENT = frozenset({"missing", "partial"})
Pair = tuple[str, str]  # (gold status, predicted status)


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """Precision, recall and F1 from counts (micro F1 = 2tp / (2tp + fp + fn))."""
    return {
        "tp": tp, "fp": fp, "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
    }


def confusion(pairs: Iterable[Pair]) -> dict[str, dict[str, int]]:
    """Counts of gold status (rows) x predicted status (columns), every status present as a row and column."""
    counts = Counter(pairs)
    labels = list(STATUSES) + sorted({s for p in counts for s in p} - set(STATUSES))
    return {g: {p: counts.get((g, p), 0) for p in labels} for g in labels}


def confusion_any(pairs: Iterable[Pair]) -> dict[str, dict[str, int]]:
    """Gold (rows) x predicted (columns) counts over whatever labels occur."""
    counts = Counter(pairs)
    labels = sorted({s for p in counts for s in p})
    return {g: {p: counts.get((g, p), 0) for p in labels} for g in labels}


def accuracy(pairs: Sequence[Pair]) -> float | None:
    """Share of pairs where the predicted status equals the gold status."""
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else None


def deficiency_counts(pairs: Iterable[Pair], strict: bool = False) -> tuple[int, int, int]:
    """(tp, fp, fn) for deficiencies; strict counts a hit only when the statuses are equal."""
    tp = fp = fn = 0
    for gold, pred in pairs:
        g, p = gold in DEFICIENT, pred in DEFICIENT
        hit = g and p and (gold == pred or not strict)
        if hit:
            tp += 1
        else:
            fp += p
            fn += g
    return tp, fp, fn


def findings_counts(gold: Iterable[Iterable[str]], predicted: Iterable[Iterable[str]]) -> tuple[int, int, int]:
    """(tp, fp, fn) summed over notes, comparing each note's rule ids as sets."""
    tp = fp = fn = 0
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    return tp, fp, fn


def findings_by_rule(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]]) -> dict[str, dict[str, Any]]:
    """P/R/F1 per rule id over notes (a rule counts once per note), for every rule in gold or predicted.

    A rule gold expects and the audit never raised has precision None (nothing
    predicted), not 1.0: an absent rule must not look perfect.
    """
    counts: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = set(g), set(p)
        for rule in gs | ps:
            c = counts.setdefault(rule, [0, 0, 0])
            c[0] += rule in gs and rule in ps
            c[1] += rule in ps and rule not in gs
            c[2] += rule in gs and rule not in ps
    return {rule: prf(*counts[rule]) for rule in sorted(counts)}
