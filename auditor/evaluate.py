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
    return {**derived, **{k: v for k, v in given.items() if v is not None}}


def predicted_visit(record: Mapping[str, Any]) -> dict[str, Any]:
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


def confusion_any(pairs: Iterable[Pair]) -> dict[str, dict[str, int]]:
    """Gold (rows) x predicted (columns) counts over whatever labels occur."""
    counts = Counter(pairs)
    labels = sorted({s for p in counts for s in p})
    return {g: {p: counts.get((g, p), 0) for p in labels} for g in labels}


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


def findings_by_rule(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]]) -> dict[str, dict[str, Any]]:
    """P/R/F1 per rule id over notes (a rule counts once per note), for every rule in gold or predicted."""
    counts: dict[str, list[int]] = {}
    for g, p in zip(gold, predicted, strict=True):
        gs, ps = set(g), set(p)
        for rule in gs | ps:
            c = counts.setdefault(rule, [0, 0, 0])
            c[0] += rule in gs and rule in ps
            c[1] += rule in ps and rule not in gs
            c[2] += rule in gs and rule not in ps
    return {rule: prf(*counts[rule]) for rule in sorted(counts)}


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


def context_visits(path: str | Path, notes: Sequence[Mapping[str, Any]], split: str) -> list[dict[str, Any]]:
    """The other splits' visits of the patients in `notes`: the run an interval check needs.

    Why: refill intervals compare a visit with the same patient's previous one,
    and the split was drawn per note, so a held-out visit's predecessor is often
    in dev. A coding team audits a patient's visits in one run; so does the
    evaluation. These visits are audited with the split's notes but never scored
    (only their dates and fills are read, not their labels).
    """
    if split == "all":
        return []
    patients = {str(n["patient_id"]) for n in notes if n.get("patient_id")}
    return [n for n in load_gold(path, "all") if n.get("split") != split and str(n.get("patient_id") or "") in patients]


def evaluate_file(path: str | Path, split: str = "dev", nlp: Any = None, batch_size: int = 50,
                  context: bool = True, mode: str | None = None) -> dict[str, Any]:
    """Audit the gold notes of `split` (with their meta columns) in `mode` and score the records.

    With `context`, the same patients' visits from other splits join the run
    (see `context_visits`) and are dropped before scoring.
    """
    from auditor.audit import audit_rows
    from auditor.learn import resolve_mode
    from auditor.pipeline import shared

    notes = load_gold(path, split)
    mode = resolve_mode(mode)
    extra = context_visits(path, notes, split) if context else []
    records = audit_rows(nlp or shared(), [*notes, *extra], batch_size=batch_size, mode=mode)[: len(notes)]
    result = score_records(notes, records)
    result["split"] = split
    result["context_visits"] = len(extra)
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
              _prf_line(f"findings ({result['findings']['notes']} billed)", result["findings"])]
    if result.get("context_visits"):
        lines.append(f"  (refill intervals read {result['context_visits']} earlier/later visits of the same patients "
                     "from other splits; those visits are not scored)")
    lines.append("")
    if result.get("findings_by_rule"):
        lines.append(f"{'finding rule':<36} {'P':>6} {'R':>6} {'F1':>6}  {'tp':>3} {'fp':>3} {'fn':>3}")
        for rule, d in result["findings_by_rule"].items():
            lines.append(f"{rule:<36} {_f(d['precision']):>6} {_f(d['recall']):>6} {_f(d['f1']):>6}  "
                         f"{d['tp']:>3} {d['fp']:>3} {d['fn']:>3}")
        lines.append("")
    if result.get("visit"):
        lines.append(f"{'visit event':<16} {'accuracy':>8}  {'n':>5}")
        for k, d in result["visit"].items():
            lines.append(f"{k:<16} {_f(d['accuracy']):>8}  {d['n']:>5}")
        lines.append("")
    if result.get("by_source"):
        lines.append(f"{'source':<22} {'notes':>5} {'accuracy':>8} {'def F1':>6}")
        for src, d in result["by_source"].items():
            lines.append(f"{src[:22]:<22} {d['notes']:>5} {_f(d['accuracy']):>8} {_f(d['deficiency']['f1']):>6}")
        lines.append("")
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
