"""Draws the fixed dev/held-out split of the gold notes, once.

Held-out = a third of each source, chosen by a hash of the note id, so the
split is the same on every machine and never depends on file order.
"""
from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict

from auditor.gold import normalise, read_jsonl


def split_of(note_id: str, source: str) -> str:
    h = int(hashlib.sha256(f"{source}/{note_id}".encode()).hexdigest(), 16)
    return "heldout" if h % 3 == 0 else "dev"


def main(out: str, inputs: list[str]) -> int:
    notes = []
    for p in inputs:
        for n in read_jsonl(p):
            n, problems = normalise(n)
            if problems:
                print("\n".join(problems), file=sys.stderr)
                return 1
            n["split"] = split_of(n["note_id"], n.get("source", ""))
            notes.append(n)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for n in notes:
        counts[n.get("source", "")][n["split"]] += 1
    with open(out, "w", encoding="utf-8") as fh:
        for n in notes:
            fh.write(json.dumps(n, ensure_ascii=False) + "\n")
    print(json.dumps(counts, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
