"""Which unreviewed note a reviewer should open next.

Priority = expected deficiency + uncertainty + how often reviewers corrected
this kind of status, shrunk towards a prior:

- expected deficiency: 1 - score (a note missing most elements first);
- uncertainty: +0.3 when ConText set evidence aside (a near miss the rules may
  have misjudged), +0.15 per partial status (borderline by definition), +0.4 per
  element where the rules and the learned model disagree (hybrid mode: the
  record's `disagreement` flags, auditor.learn.disagreements);
- corrections: for each element, the reviewers' correction rate of the
  auditor's status, shrunk towards PRIOR with PSEUDO_REVIEWS imaginary
  reviews, r = (corrected + PSEUDO_REVIEWS * PRIOR) / (reviews + PSEUDO_REVIEWS);
  only the excess over PRIOR counts. Two reviews that both corrected a status
  therefore move it from 0.10 to 0.25 (+0.15), not to 1.0, and the most
  deficient notes stay first (issue 14: two reviews sent notes scoring 0.17
  from rank 1 to rank 200). A correction rate is named in a row's reason
  only once MIN_REVIEWS reviews back it.

Every row carries its reason in words.
"""
from __future__ import annotations

from typing import Any, Collection, Mapping, Sequence

import pandas as pd

from auditor.elements import ELEMENTS
from auditor.learn import disagreements
from auditor.report.explain import short_name, status_label

W_DEFICIENT = 1.0   # 1 - score
W_DISCOUNTED = 0.3  # any discounted evidence
W_PARTIAL = 0.15    # each partial status
W_DISAGREE = 0.4    # each element where rules and model disagree
W_FLIP = 1.0        # summed excess of the shrunk correction rates
PRIOR = 0.10        # assumed share of statuses a reviewer corrects, before any review
PSEUDO_REVIEWS = 10  # weight of the prior, in reviews
MIN_REVIEWS = 5     # reviews before a correction rate is named as a reason

Counts = Mapping[tuple[str, str], tuple[int, int]]


def shrunk_rate(corrected: int, reviews: int) -> float:
    """The correction rate pulled towards PRIOR; equals PRIOR with no reviews."""
    return (corrected + PSEUDO_REVIEWS * PRIOR) / (reviews + PSEUDO_REVIEWS)


def priority(rec: Mapping[str, Any], counts: Counts) -> tuple[float, list[str]]:
    """A note's priority and the reasons behind it, in words a reviewer reads.

    `counts` maps (element, auditor status) to (corrected, reviewed) from the saved reviews.
    """
    why: list[str] = []
    els = rec.get("elements") or {}
    score = rec.get("score")
    p = W_DEFICIENT * (1.0 - score) if isinstance(score, (int, float)) else 0.0
    if isinstance(score, (int, float)) and score < 1.0:
        short = [short_name(e) for e in ELEMENTS if (els.get(e) or {}).get("status") == "missing"]
        why.append(f"score {score:.2f}" + (f" (missing: {', '.join(short)})" if short else ""))
    discounted = [short_name(e) for e in ELEMENTS if (els.get(e) or {}).get("discounted")]
    if discounted:
        p += W_DISCOUNTED
        why.append("statements not counted in " + ", ".join(discounted))
    partial = [short_name(e) for e in ELEMENTS if (els.get(e) or {}).get("status") == "partial"]
    p += W_PARTIAL * len(partial)
    if partial:
        why.append("partial " + ", ".join(partial))
    split = disagreements(rec)
    if split:
        p += W_DISAGREE * len(split)
        why.append("rules and model disagree on " + ", ".join(short_name(e) for e in split))
    for e in ELEMENTS:
        st = (els.get(e) or {}).get("status")
        corrected, seen = counts.get((e, st), (0, 0)) if isinstance(st, str) else (0, 0)  # counts are keyed by status strings
        rate = shrunk_rate(corrected, seen)
        p += W_FLIP * max(0.0, rate - PRIOR)
        if seen >= MIN_REVIEWS and corrected / seen >= 0.3:
            why.append(f"reviewers corrected {short_name(e)} '{status_label(st)}' in {corrected} of {seen}")
    return round(p, 3), why


def worklist(
    records: Sequence[Mapping[str, Any]],
    reviewed: Collection[str],
    counts: Counts | None = None,
) -> pd.DataFrame:
    """Unreviewed, audited notes, highest priority first (ties keep input order)."""
    counts = counts or {}
    rows = []
    for i, rec in enumerate(records):
        if rec.get("error") or str(rec.get("note_id")) in reviewed:
            continue
        p, why = priority(rec, counts)
        rows.append({"note_id": str(rec.get("note_id")), "score": rec.get("score"), "priority": p,
                     "why": "; ".join(why) or "complete, spot check", "_order": i})
    df = pd.DataFrame(rows, columns=["note_id", "score", "priority", "why", "_order"])
    return df.sort_values(["priority", "_order"], ascending=[False, True]).drop(columns="_order").reset_index(drop=True)
