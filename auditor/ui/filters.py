"""Narrowing the results table to what the reviewer asked for."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Mapping

import pandas as pd


@dataclass
class ResultFilter:
    """Empty selections mean "no restriction"; an element's set keeps rows whose status is in it."""

    statuses: Mapping[str, Collection[str]] = field(default_factory=dict)
    score_min: float = 0.0
    score_max: float = 1.0
    roles: Collection[str] = ()
    authors: Collection[str] = ()
    payers: Collection[str] = ()
    include_errors: bool = True


def apply_filter(df: pd.DataFrame, flt: ResultFilter) -> pd.DataFrame:
    """The rows of a results frame (auditor.ui.tables.results_frame) that pass `flt`."""
    keep = pd.Series(True, index=df.index)
    for el, wanted in flt.statuses.items():
        if wanted:
            keep &= df[f"{el}_status"].isin(list(wanted))
    score = pd.to_numeric(df["score"], errors="coerce")
    in_range = score.between(flt.score_min, flt.score_max)
    keep &= in_range | (score.isna() & flt.include_errors)
    for col, wanted in (("performer_role", flt.roles), ("author", flt.authors), ("payer", flt.payers)):
        if wanted and col in df:
            keep &= df[col].fillna("(none)").isin(list(wanted))
    return df[keep]


def choices(df: pd.DataFrame, col: str) -> list[str]:
    """The distinct values of a column for a multiselect, missing shown as "(none)"."""
    if col not in df:
        return []
    return sorted({str(v) for v in df[col].fillna("(none)")})
