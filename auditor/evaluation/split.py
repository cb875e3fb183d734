"""The fixed dev/held-out split of the gold notes (`auditor gold split`).

Held-out = a third of each source, chosen by a hash of source and note id, so
the split is the same on every machine, never depends on file order, and a
note keeps its split when the gold file is rebuilt with new batches.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from auditor.evaluation.gold import normalise, read_jsonl


def split_of(note_id: str, source: str) -> str:
    """`heldout` for a third of the ids of a source, `dev` for the rest."""
    h = int(hashlib.sha256(f"{source}/{note_id}".encode()).hexdigest(), 16)
    return "heldout" if h % 3 == 0 else "dev"


def split_notes(inputs: Iterable[str | Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """The notes of `inputs` with offsets filled and `split` set, or the problems of the first invalid note."""
    notes = []
    for p in inputs:
        for n in read_jsonl(p):
            n, problems = normalise(n)
            if problems:
                return [], problems
            n["split"] = split_of(n["note_id"], n.get("source", ""))
            notes.append(n)
    return notes, []


def split_counts(notes: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Notes per source and split, in the order sources first appear."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for n in notes:
        counts[n.get("source", "")][n["split"]] += 1
    return counts


def write_notes(out: str | Path, notes: Iterable[dict[str, Any]]) -> None:
    """The gold file: one note a line, text kept as written (not ASCII-escaped)."""
    with open(out, "w", encoding="utf-8") as fh:
        for n in notes:
            fh.write(json.dumps(n, ensure_ascii=False) + "\n")
