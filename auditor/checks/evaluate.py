"""Findings precision/recall against gold `expected_findings` (dev split by default).

    python -m auditor.checks.evaluate [--split dev] [--gold annotations/gold.jsonl] [--show]

Tune rules on dev only; heldout is for reported figures. --show prints note
ids and rule ids of misses (never note text: notes are PHI).
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any, Sequence



def score(gold: Sequence[dict[str, Any]], records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Micro precision/recall over (note, rule) pairs, and per rule."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    misses: list[tuple[str, str, str]] = []
    for g, r in zip(gold, records):
        want = set(g.get("expected_findings") or [])
        got = {f["rule"] for f in r.get("findings") or []}
        for rule in want & got:
            tp[rule] += 1
        for rule in got - want:
            fp[rule] += 1
            misses.append(("FP", g["note_id"], rule))
        for rule in want - got:
            fn[rule] += 1
            misses.append(("FN", g["note_id"], rule))
    t, p_, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
    per = {rule: {"tp": tp[rule], "fp": fp[rule], "fn": fn[rule]} for rule in sorted(set(tp) | set(fp) | set(fn))}
    return {
        "notes": len(gold),
        "precision": round(t / (t + p_), 3) if t + p_ else 1.0,
        "recall": round(t / (t + n), 3) if t + n else 1.0,
        "tp": t, "fp": p_, "fn": n,
        "per_rule": per,
        "misses": misses,
    }


def evaluate(nlp: Any, notes: Sequence[dict[str, Any]], context: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Audit gold notes with the checks wired in and score their findings (context visits join the run, unscored)."""
    from auditor.audit import audit_rows

    t0 = time.perf_counter()
    records = audit_rows(nlp, [*notes, *context])[: len(notes)]
    result = score(notes, records)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def run(gold_path: str | Path, split: str = "dev", context: bool = True) -> dict[str, Any]:
    from auditor.pipeline import shared

    from auditor.evaluation.gold_run import context_visits

    gold = [json.loads(line) for line in Path(gold_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    notes = [g for g in gold if g.get("split") == split]
    return evaluate(shared(), notes, context_visits(gold_path, notes, split) if context else ())


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default="annotations/gold.jsonl")
    ap.add_argument("--split", default="dev", choices=["dev", "heldout"])
    ap.add_argument("--show", action="store_true", help="list false positives/negatives by note id and rule id")
    ap.add_argument("--no-context", action="store_true", help="do not add the same patients' visits from other splits")
    args = ap.parse_args(argv)
    res = run(args.gold, args.split, context=not args.no_context)
    misses = res.pop("misses")
    print(json.dumps({k: v for k, v in res.items() if k != "per_rule"}))
    for rule, c in res["per_rule"].items():
        print(f"  {rule:36s} tp={c['tp']:2d} fp={c['fp']:2d} fn={c['fn']:2d}")
    if args.show:
        for kind, nid, rule in misses:
            print(f"  {kind} {nid} {rule}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
