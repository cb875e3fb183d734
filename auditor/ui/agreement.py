"""How often reviewers agree with the auditor, per element, from saved reviews.

Percent agreement alone flatters an element that is nearly always one
status, so Cohen's kappa is shown beside it.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

import pandas as pd

from auditor.elements import ELEMENTS, TITLES
from auditor.report.explain import short_name, status_label


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Kappa of (auditor, reviewer) pairs; None when undefined (no pairs or one category only)."""
    n = len(pairs)
    if not n:
        return None
    observed = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if expected >= 1.0:
        return None
    return round((observed - expected) / (1 - expected), 3)


def status_pairs(reviews: Iterable[Mapping[str, Any]], element: str) -> list[tuple[str, str]]:
    """(auditor status, reviewer status) for every review that recorded both."""
    out = []
    for r in reviews:
        auto = (r.get("auditor_labels") or {}).get(element)
        mine = ((r.get("labels") or {}).get(element) or {}).get("status")
        if auto and mine:
            out.append((auto, mine))
    return out


def agreement_table(reviews: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row an element: reviews, agreements, percent agreement, kappa, the commonest correction."""
    reviews = list(reviews)
    rows = []
    for el in ELEMENTS:
        pairs = status_pairs(reviews, el)
        agree = sum(a == b for a, b in pairs)
        flips = Counter(f"{a} -> {b}" for a, b in pairs if a != b)
        rows.append({
            "element": el,
            "title": TITLES[el],
            "reviews": len(pairs),
            "agree": agree,
            "agreement": round(agree / len(pairs), 3) if pairs else None,
            "kappa": cohen_kappa(pairs),
            "commonest_correction": flips.most_common(1)[0][0] if flips else "",
        })
    return pd.DataFrame(rows)


def correction_counts(reviews: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(element, auditor status) -> (reviews that changed it, reviews); the worklist shrinks these to a rate."""
    seen: Counter[tuple[str, str]] = Counter()
    flipped: Counter[tuple[str, str]] = Counter()
    reviews = list(reviews)
    for el in ELEMENTS:
        for a, b in status_pairs(reviews, el):
            seen[(el, a)] += 1
            flipped[(el, a)] += a != b
    return {k: (flipped[k], seen[k]) for k in seen}


def flip_rates(reviews: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], float]:
    """(element, auditor status) -> share of reviews that changed it (raw, unshrunk)."""
    return {k: flipped / seen for k, (flipped, seen) in correction_counts(reviews).items()}


def agreement_view(table: pd.DataFrame) -> pd.DataFrame:
    """The agreement table in the reviewer's words (element names, Met -> Missing), for display."""
    out = pd.DataFrame({
        "Element": table["element"].map(short_name),
        "Reviews": table["reviews"],
        "Agree": table["agree"],
        "Agreement": table["agreement"],
        "Kappa": table["kappa"],
        "Commonest correction": table["commonest_correction"].map(
            lambda c: " → ".join(status_label(x) for x in c.split(" -> ")) if c else ""),
    })
    return out
