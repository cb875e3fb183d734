"""Altair charts of a results table: where documentation falls short, and whose."""
from __future__ import annotations

import altair as alt
import pandas as pd

from auditor.elements import ELEMENTS

STATUS_COLOURS = alt.Scale(domain=["met", "partial", "missing", "not_applicable"],
                           range=["#4c9a5b", "#e6b23a", "#d0534a", "#bbbbbb"])


def status_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Long table: element, status, notes (errors excluded)."""
    rows = []
    for el in ELEMENTS:
        col = df.get(f"{el}_status")
        if col is None:
            continue
        for status, n in col.dropna().value_counts().items():
            rows.append({"element": el, "status": status, "notes": int(n)})
    return pd.DataFrame(rows, columns=["element", "status", "notes"])


def compliance_chart(df: pd.DataFrame) -> alt.Chart:
    """Stacked bars: status mix per element."""
    return alt.Chart(status_counts(df)).mark_bar().encode(
        y=alt.Y("element:N", sort=list(ELEMENTS), title=None),
        x=alt.X("notes:Q", stack="normalize", title="share of notes"),
        color=alt.Color("status:N", scale=STATUS_COLOURS),
        tooltip=["element", "status", "notes"],
    ).properties(title="Compliance per element", height=200)


def score_chart(df: pd.DataFrame) -> alt.Chart:
    """Histogram of note scores."""
    data = pd.DataFrame({"score": pd.to_numeric(df["score"], errors="coerce").dropna()})
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(step=0.1, extent=[0, 1.0001]), title="score"),
        y=alt.Y("count():Q", title="notes"),
    ).properties(title="Score distribution", height=200)


def deficiencies(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Missing or partial element statuses counted per value of `by` (author or performer_role)."""
    rows = []
    for _, r in df.iterrows():
        who = r.get(by)
        who = "(none)" if who is None or (isinstance(who, float) and pd.isna(who)) else str(who)
        for el in ELEMENTS:
            st = r.get(f"{el}_status")
            if st in ("missing", "partial"):
                rows.append({by: who, "element": el, "status": st})
    long = pd.DataFrame(rows, columns=[by, "element", "status"])
    if not len(long):
        return pd.DataFrame({by: pd.Series(dtype=str), "element": pd.Series(dtype=str),
                             "deficiencies": pd.Series(dtype=int)})
    return long.groupby([by, "element"]).size().reset_index(name="deficiencies")


def deficiency_chart(df: pd.DataFrame, by: str = "performer_role") -> alt.Chart:
    """Bars of deficiencies per author or role, coloured by element."""
    return alt.Chart(deficiencies(df, by)).mark_bar().encode(
        x=alt.X(f"{by}:N", title=by.replace("_", " ")),
        y=alt.Y("deficiencies:Q"),
        color=alt.Color("element:N", sort=list(ELEMENTS)),
        tooltip=[by, "element", "deficiencies"],
    ).properties(title=f"Deficiencies by {by.replace('_', ' ')}", height=220)
