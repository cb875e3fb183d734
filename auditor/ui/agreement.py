"""How often reviewers agree with the auditor, per element, from saved reviews: the workbench's tables.

The figures (kappa, status pairs, correction counts) are computed in
auditor/evaluation/agreement.py; this module lays them out for display.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

import pandas as pd

from auditor.elements import ELEMENTS, TITLES
from auditor.evaluation.agreement import cohen_kappa, status_pairs
from auditor.report.explain import short_name, status_label


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
