"""Which unreviewed note a reviewer should open next.

The order puts first the notes most likely to be wrong or most deficient: a
low score, evidence that ConText set aside (a near miss the rules may have
misjudged), partial statuses (borderline by definition) and statuses that
reviewers have often corrected before (from the saved reviews).
"""
from __future__ import annotations

from typing import Any, Collection, Mapping, Sequence

import pandas as pd

from auditor.elements import ELEMENTS

W_DEFICIENT = 1.0   # 1 - score
W_DISCOUNTED = 0.3  # any discounted evidence
W_PARTIAL = 0.15    # each partial status
W_FLIP = 1.0        # summed flip rates of the note's statuses


def priority(rec: Mapping[str, Any], flips: Mapping[tuple[str, str], float]) -> tuple[float, list[str]]:
    """A note's priority and the reasons behind it, in words a reviewer reads."""
    why: list[str] = []
    els = rec.get("elements") or {}
    score = rec.get("score")
    p = W_DEFICIENT * (1.0 - score) if isinstance(score, (int, float)) else 0.0
    if isinstance(score, (int, float)) and score < 1.0:
        why.append(f"score {score:.2f}")
    discounted = [e for e in ELEMENTS if (els.get(e) or {}).get("discounted")]
    if discounted:
        p += W_DISCOUNTED
        why.append("set-aside evidence in " + ", ".join(discounted))
    partial = [e for e in ELEMENTS if (els.get(e) or {}).get("status") == "partial"]
    p += W_PARTIAL * len(partial)
    if partial:
        why.append("partial " + ", ".join(partial))
    flip = 0.0
    for e in ELEMENTS:
        rate = flips.get((e, (els.get(e) or {}).get("status")), 0.0)
        flip += rate
        if rate >= 0.3:
            why.append(f"{e} '{els[e]['status']}' often corrected ({rate:.0%})")
    p += W_FLIP * flip
    return round(p, 3), why


def worklist(
    records: Sequence[Mapping[str, Any]],
    reviewed: Collection[str],
    flips: Mapping[tuple[str, str], float] | None = None,
) -> pd.DataFrame:
    """Unreviewed, audited notes, highest priority first (ties keep input order)."""
    flips = flips or {}
    rows = []
    for i, rec in enumerate(records):
        if rec.get("error") or str(rec.get("note_id")) in reviewed:
            continue
        p, why = priority(rec, flips)
        rows.append({"note_id": rec.get("note_id"), "score": rec.get("score"), "priority": p,
                     "why": "; ".join(why) or "complete, spot check", "_order": i})
    df = pd.DataFrame(rows, columns=["note_id", "score", "priority", "why", "_order"])
    return df.sort_values(["priority", "_order"], ascending=[False, True]).drop(columns="_order").reset_index(drop=True)
