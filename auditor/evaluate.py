"""How well the audit matches the gold annotations: accuracy, confusions, deficiency and findings P/R/F1.

Why pure functions over (gold, predicted) pairs: the numbers go into the
README and decide which rule changes stay, so the arithmetic is tested on tiny
hand-computed cases, apart from the pipeline that produces the predictions.

Definitions
- A *deficiency* is an element that applies and is not met: status `missing`
  or `partial`. Lenient: a predicted deficiency is a true positive when gold
  also has a deficiency there. Strict: only when the two statuses are equal.
- Findings are compared as sets of rule ids per note, micro-averaged over the
  notes that carry `billed_codes` (findings need a claim).
- Precision is None when nothing was predicted, recall None when gold has no
  positives, F1 None when neither has any (nothing to score).
- A note the audit could not process counts as status `error` for every element.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from auditor.elements import ELEMENTS, STATUSES

DEFICIENT = frozenset({"missing", "partial"})
ERROR = "error"
SPLITS = ("dev", "heldout", "all")
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


def predicted_status(record: Mapping[str, Any], element: str) -> str:
    """The record's status for `element`, or `error` when the note was not audited."""
    if record.get("error") or not record.get("elements"):
        return ERROR
    return (record["elements"].get(element) or {}).get("status") or ERROR


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
        "deficiency": prf(*deficiency_counts(all_pairs)),
        "deficiency_strict": prf(*deficiency_counts(all_pairs, strict=True)),
        "findings": {
            "notes": len(billed),
            **prf(*findings_counts(
                (n.get("expected_findings") or [] for n, _ in billed),
                ([f.get("rule") for f in r.get("findings") or []] for _, r in billed),
            )),
        },
    }


def load_gold(path: str | Path, split: str = "dev") -> list[dict[str, Any]]:
    """Gold notes of one split (`all` for every note), in file order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                note = json.loads(line)
            except ValueError:
                raise ValueError(f"{path}: line {n} is not JSON") from None
            if not isinstance(note, dict) or "labels" not in note or "note_id" not in note:
                raise ValueError(f"{path}: line {n} is not a gold note (needs note_id, text, labels)")
            if split == "all" or note.get("split") == split:
                out.append(note)
    return out


def evaluate_file(path: str | Path, split: str = "dev", nlp: Any = None, batch_size: int = 50,
                  mode: str | None = None) -> dict[str, Any]:
    """Audit the gold notes of `split` (with their meta columns) in `mode` and score the records."""
    from auditor.audit import audit_rows
    from auditor.learn import resolve_mode
    from auditor.pipeline import shared

    notes = load_gold(path, split)
    mode = resolve_mode(mode)
    records = audit_rows(nlp or shared(), notes, batch_size=batch_size, mode=mode)
    result = score_records(notes, records)
    result["split"] = split
    result["mode"] = mode
    return result


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _prf_line(name: str, d: Mapping[str, Any]) -> str:
    return (f"{name:<26} P {_f(d['precision'])}  R {_f(d['recall'])}  F1 {_f(d['f1'])}"
            f"   (tp {d['tp']}, fp {d['fp']}, fn {d['fn']})")


def format_text(result: Mapping[str, Any]) -> str:
    """The human-readable report `auditor evaluate` prints."""
    lines = [f"{result['notes']} gold notes (split {result.get('split', '?')}, mode {result.get('mode', 'rules')}), "
             f"{result['errors']} not audited", ""]
    lines.append(f"{'element':<16} {'accuracy':>8}  {'def P':>6} {'def R':>6} {'def F1':>6}")
    for e, d in result["elements"].items():
        df = d["deficiency"]
        lines.append(f"{e:<16} {_f(d['accuracy']):>8}  {_f(df['precision']):>6} {_f(df['recall']):>6} {_f(df['f1']):>6}")
    lines.append(f"{'overall':<16} {_f(result['overall_accuracy']):>8}")
    lines += ["", _prf_line("deficiency (lenient)", result["deficiency"]),
              _prf_line("deficiency (exact status)", result["deficiency_strict"]),
              _prf_line(f"findings ({result['findings']['notes']} billed)", result["findings"]), ""]
    for e, d in result["elements"].items():
        conf = d["confusion"]
        cols = [c for c in conf if any(conf[r][c] for r in conf)] or list(conf)
        rows = [r for r in conf if any(conf[r].values())]
        lines.append(f"{e}: gold (rows) x predicted (columns)")
        lines.append(" " * 16 + "".join(f"{c[:14]:>15}" for c in cols))
        for r in rows:
            lines.append(f"{r:<16}" + "".join(f"{conf[r][c]:>15}" for c in cols))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
