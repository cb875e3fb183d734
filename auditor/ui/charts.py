"""Altair charts and rate tables of a results table: where documentation falls short, and whose.

Why rates, not counts: a group that wrote more notes has more deficiencies by
count alone; a CDI lead compares how often each element is deficient when it
applies (missing or partial / applicable), and only for groups with at least
`min_notes` notes, so one bad note does not make a 100% bar.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import altair as alt
import pandas as pd

from auditor.elements import ELEMENTS
from auditor.report.explain import short_name, status_label

STATUS_ORDER = ["Met", "Partial", "Missing", "N/A"]
STATUS_COLOURS = alt.Scale(domain=STATUS_ORDER, range=["#4c9a5b", "#e6b23a", "#d0534a", "#bbbbbb"])
SHORT = [short_name(e) for e in ELEMENTS]
GROUPS = {"performer_role": "Performer role", "author": "Author", "payer": "Payer", "month": "Month"}
MAX_GROUPS = 40  # groups drawn in a chart (the largest); the table keeps them all


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
    """Stacked bars: status mix per element, every element labelled."""
    data = status_counts(df)
    data["Element"] = data["element"].map(short_name)
    data["Status"] = data["status"].map(status_label)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("Element:N", sort=SHORT, title=None, axis=alt.Axis(labelLimit=300, labelOverlap=False)),
        x=alt.X("notes:Q", stack="normalize", title="share of notes", axis=alt.Axis(format="%")),
        color=alt.Color("Status:N", scale=STATUS_COLOURS, sort=STATUS_ORDER),
        tooltip=["Element", "Status", "notes"],
    ).properties(title="Compliance per element", height=220)


def score_chart(df: pd.DataFrame) -> alt.Chart:
    """Histogram of note scores."""
    data = pd.DataFrame({"score": pd.to_numeric(df["score"], errors="coerce").dropna()})
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("score:Q", bin=alt.Bin(step=0.1, extent=[0, 1.0001]), title="score"),
        y=alt.Y("count():Q", title="notes"),
    ).properties(title="Score distribution", height=220)


def deficiencies(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Missing or partial element statuses counted per value of `by` (author or performer_role)."""
    rows = []
    for _, r in df.iterrows():
        who = _who(r.get(by))
        for el in ELEMENTS:
            st = r.get(f"{el}_status")
            if st in ("missing", "partial"):
                rows.append({by: who, "element": el, "status": st})
    long = pd.DataFrame(rows, columns=[by, "element", "status"])
    if not len(long):
        return pd.DataFrame({by: pd.Series(dtype=str), "element": pd.Series(dtype=str),
                             "deficiencies": pd.Series(dtype=int)})
    return long.groupby([by, "element"]).size().reset_index(name="deficiencies")


def _who(v: Any) -> str:
    return "(none)" if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) == "" else str(v)


def group_of(df: pd.DataFrame, by: str) -> pd.Series:
    """The grouping column; `month` is the service date's year-month."""
    if by == "month":
        return df.get("service_date", pd.Series(index=df.index, dtype=object)).map(
            lambda v: str(v)[:7] if v is not None and str(v)[:4].isdigit() else "(no date)")
    return df.get(by, pd.Series(index=df.index, dtype=object)).map(_who)


def element_rates(df: pd.DataFrame) -> pd.DataFrame:
    """Per element: notes where it applies, deficient (missing or partial), and the deficiency rate."""
    rows = []
    ok = df[df["error"].isna()] if "error" in df else df
    for el in ELEMENTS:
        col = ok[f"{el}_status"]
        applies = int(col.isin(["met", "partial", "missing"]).sum())
        deficient = int(col.isin(["missing", "partial"]).sum())
        rows.append({"element": el, "Element": short_name(el), "applies": applies, "deficient": deficient,
                     "rate": deficient / applies if applies else None})
    return pd.DataFrame(rows)


def group_rates(df: pd.DataFrame, by: str, min_notes: int = 5) -> pd.DataFrame:
    """Long table: group, element, notes in the group, applies, deficiency rate; small groups left out."""
    ok = df[df["error"].isna()] if "error" in df else df
    groups = group_of(ok, by)
    rows = []
    for who, part in ok.groupby(groups, sort=True):
        if len(part) < min_notes:
            continue
        for el in ELEMENTS:
            col = part[f"{el}_status"]
            applies = int(col.isin(["met", "partial", "missing"]).sum())
            if applies:
                rows.append({"group": str(who), "notes": len(part), "element": el, "Element": short_name(el),
                             "applies": applies, "rate": int(col.isin(["missing", "partial"]).sum()) / applies})
    return pd.DataFrame(rows, columns=["group", "notes", "element", "Element", "applies", "rate"])


def element_rate_chart(rates: pd.DataFrame, title: str = "Deficiency rate per element") -> alt.Chart:
    """Horizontal bars of the deficiency rate per element (every element labelled)."""
    return alt.Chart(rates.dropna(subset=["rate"])).mark_bar(color="#d0534a").encode(
        y=alt.Y("Element:N", sort=SHORT, title=None, axis=alt.Axis(labelLimit=300, labelOverlap=False)),
        x=alt.X("rate:Q", title="deficient when it applies", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=["Element", "applies", "deficient", alt.Tooltip("rate:Q", format=".0%")],
    ).properties(title=title, height=220)


def group_rate_chart(long: pd.DataFrame, by: str) -> alt.Chart:
    """Grouped bars: the deficiency rate of each element within each group (largest groups first)."""
    label = GROUPS.get(by, by)
    biggest = long.drop_duplicates("group").nlargest(MAX_GROUPS, "notes")
    # a field called "group" collides with Vega's own group mark: the chart collapses to one row
    data = long[long["group"].isin(set(biggest["group"]))].rename(columns={"group": "who"})
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("who:N", title=label, sort=list(biggest["group"]), axis=alt.Axis(labelLimit=250)),
        yOffset=alt.YOffset("Element:N", sort=SHORT),
        x=alt.X("rate:Q", title="deficient when it applies", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("Element:N", sort=SHORT),  # (a legend below the plot squashes it in Streamlit)
        tooltip=[alt.Tooltip("who:N", title=label), "Element", "notes", "applies",
                 alt.Tooltip("rate:Q", format=".0%")],
    ).properties(title=f"Deficiency rate by {label.lower()}", height=alt.Step(11))  # 11 px per bar


def compare_runs(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Deficiency rate per element in two runs (before and after an education round) and the change."""
    a, b = element_rates(before).set_index("element"), element_rates(after).set_index("element")
    out = pd.DataFrame({"Element": [short_name(e) for e in ELEMENTS],
                        "before": [a.loc[e, "rate"] for e in ELEMENTS], "after": [b.loc[e, "rate"] for e in ELEMENTS]})
    out["change"] = [None if x is None or y is None or pd.isna(x) or pd.isna(y) else y - x
                     for x, y in zip(out["before"], out["after"])]
    return out


def frame_from_records(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A results frame from audit records alone (their `input` carries author, payer, dates, codes)."""
    from auditor.ui.tables import results_frame

    return results_frame(records, [dict(r.get("input") or {}) for r in records])
