"""Where a note's audit time goes: milliseconds per note for the tokenizer,
each pipeline component, and what audit_rows does after the pipeline
(decisions, claim and interval checks, the record, and spaCy's own work in
`nlp.pipe`), found as the whole audit's time less the stages'.

Each stage runs over all notes before the next, several times; the fastest
pass of each stage is reported, so one busy moment on the machine does not
distort a row. Components run on docs the previous stages made, as in
`nlp.pipe`.

    python -m bench.components --notes 300 --repeat 3
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.generate import generate


def measure(rows: list[dict[str, Any]], repeat: int) -> list[tuple[str, float]]:
    """(stage, best seconds over `repeat` passes) for every stage, in pipeline order."""
    from auditor.audit import audit_rows
    from auditor.io import to_row
    from auditor.pipeline import build, settle

    nlp = settle(build())
    texts = [r["text"] for r in rows]
    audit_rows(nlp, [to_row(r, "note_id", "text") for r in rows[:5]])  # warm caches (compiled rules)
    best: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        t0 = time.perf_counter()
        out = fn()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
        return out

    audit_rows_rows = [to_row(r, "note_id", "text") for r in rows]
    for _ in range(repeat):
        docs = timed("tokenizer", lambda: [nlp.make_doc(t) for t in texts])
        for name, proc in nlp.pipeline:
            docs = timed(name, lambda proc=proc, docs=docs: [proc(d) for d in docs])
        timed("whole audit (audit_rows)", lambda: audit_rows(nlp, audit_rows_rows, batch_size=50))
    stages = [(name, best[name]) for name in ["tokenizer", *nlp.pipe_names]]
    whole = best["whole audit (audit_rows)"]
    # what the stages alone do not account for: nlp.pipe interleaving docs and components,
    # garbage collection, decisions, claim and interval checks, building the record
    stages.append(("the rest (nlp.pipe, GC, decisions, checks, record)", max(0.0, whole - sum(s for _, s in stages))))
    stages.append(("whole audit (audit_rows)", whole))
    return stages


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--notes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = list(generate(args.notes, seed=args.seed))
    stages = measure(rows, args.repeat)
    total = stages[-1][1]
    if args.json:
        for name, secs in stages:
            print(json.dumps({"stage": name, "ms_per_note": round(1000 * secs / len(rows), 3)}))
        return
    print(f"{len(rows)} generated notes (seed {args.seed}), best of {args.repeat} passes\n")
    print("| stage | ms/note | share |\n|---|---|---|")
    for name, secs in stages:
        print(f"| {name} | {1000 * secs / len(rows):.2f} | {100 * secs / total:.0f}% |")


if __name__ == "__main__":
    main()
