"""Agreement between the gold labels and a second, blind annotator.

usage: python -m auditor.gold_agreement annotations/gold.jsonl annotations/iaa/second_annotator.jsonl
The second file holds {"note_id", "labels": {element: status}} per note.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from auditor.elements import ELEMENTS
from auditor.gold import read_jsonl
from auditor.ui.agreement import cohen_kappa


def agreement(gold_path: str, second_path: str) -> dict[str, Any]:
    gold = {n["note_id"]: n["labels"] for n in read_jsonl(gold_path)}
    pairs: dict[str, list[tuple[str, str]]] = {e: [] for e in ELEMENTS}
    for row in read_jsonl(second_path):
        labels = gold[row["note_id"]]
        for e in ELEMENTS:
            pairs[e].append((labels[e]["status"], row["labels"][e]))
    out: dict[str, Any] = {}
    for e, ps in pairs.items():
        out[e] = {"n": len(ps), "agreement": round(sum(a == b for a, b in ps) / len(ps), 3), "kappa": _r(cohen_kappa(ps))}
    every = [p for ps in pairs.values() for p in ps]
    out["all"] = {"n": len(every), "agreement": round(sum(a == b for a, b in every) / len(every), 3), "kappa": _r(cohen_kappa(every))}
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


if __name__ == "__main__":
    print(json.dumps(agreement(sys.argv[1], sys.argv[2]), indent=1))
