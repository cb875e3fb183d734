"""The CDI specialist's workbench: audit one note, audit an export, review.

Thin on purpose: every decision is made by `auditor` (the audit) or
`auditor.ui` (tables, filters, highlights, reviews, worklist); this file only
lays them out. Notes are PHI: uploads stay in memory, note text reaches HTML
only through auditor.report.highlight (escaped), nothing is logged or sent.
Run: streamlit run app.py
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from auditor.audit import audit_rows
from auditor.elements import ALLOWED, ELEMENTS, TIPS, TITLES
from auditor.pipeline import shared
from auditor.report.highlight import highlight_html, legend_html
from auditor.report.html import render_report
from auditor.ui import charts
from auditor.ui.agreement import agreement_table, flip_rates
from auditor.ui.filters import ResultFilter, apply_filter, choices
from auditor.ui.reviews import DEFAULT_FOLDER, ReviewError, build_review, load_reviews, parse_quotes, save_review
from auditor.ui.samples import load_samples
from auditor.ui.tables import (
    FORMATS, TableError, read_table, guess_mapping, results_frame, rows_from_frame,
    to_csv_bytes, to_excel_bytes,
)
from auditor.ui.worklist import worklist

ROLES = ("MD", "DO", "NP", "PA", "CNS", "RN", "LPN", "MA")
NOT_GIVEN = "(not given)"
# status chips in Streamlit's badge markdown (no emoji: headless and locked-down browsers lack emoji fonts)
BADGES = {"met": ":green-badge[met]", "partial": ":orange-badge[partial]", "missing": ":red-badge[missing]",
          "not_applicable": ":gray-badge[not applicable]"}
PAGES = ("One note", "Export", "Review")
BATCH = 25

st.set_page_config(page_title="Pain-pump documentation workbench", layout="wide")


@st.cache_resource(show_spinner="Loading the auditor pipeline...")
def pipeline() -> Any:
    """The spaCy/medspaCy pipeline, built once per server process."""
    return shared()


def open_note(note: dict[str, Any], record: dict[str, Any]) -> None:
    """Make this note the one shown and reviewed."""
    st.session_state["open"] = {"note": note, "record": record}


def show_note(note: dict[str, Any], record: dict[str, Any], compact: bool = False) -> None:
    """Checklist, score, highlighted text, tips and findings of one audited note."""
    if record.get("error"):
        st.error(f"This note could not be audited: {record['error']}")
        return
    els = record["elements"]
    left, right = st.columns([1, 2]) if not compact else (st.container(), st.container())
    with left:
        st.metric("Documentation score", f"{record['score']:.2f}")
        for el in ELEMENTS:
            status = els[el]["status"]
            st.markdown(f"{BADGES[status]} **{TITLES[el]}**")
        facts = record.get("facts") or {}
        st.caption(f"Performer: {facts.get('performer_role') or 'unknown'} (from {facts.get('performer_source') or '-'}); "
                   f"refill: {'yes' if facts.get('refill') else 'no'}")
    with right:
        st.markdown(legend_html(), unsafe_allow_html=True)
        st.markdown(highlight_html(note["text"], record), unsafe_allow_html=True)
    gaps = [el for el in ELEMENTS if els[el]["status"] in ("missing", "partial")]
    if gaps and not compact:
        st.subheader("What a compliant note records")
        for el in gaps:
            st.info(f"**{TITLES[el]}** ({els[el]['status']}): {TIPS[el]}")
    set_aside = [{"element": el, "text": d["text"], "why not counted": ", ".join(d.get("discounted_by") or [])}
                 for el in ELEMENTS for d in els[el].get("discounted") or []]
    if set_aside and not compact:
        st.subheader("Statements not counted")
        st.dataframe(pd.DataFrame(set_aside), hide_index=True, width="stretch")
    if not compact:
        st.subheader("Findings")
        if record.get("findings"):
            st.dataframe(pd.DataFrame(record["findings"]), hide_index=True, width="stretch")
        else:
            st.caption("No claim or coding findings.")


def page_one_note() -> None:
    st.header("Audit one note")
    samples = load_samples()
    source = st.radio("Note", ["Paste a note", "Pick a sample"], horizontal=True, key="one_source")
    row: dict[str, Any]
    if source == "Pick a sample" and samples:
        ids = [s["note_id"] for s in samples]
        pick = st.selectbox("Sample", ids, key="one_sample")
        row = dict(samples[ids.index(pick)])
        st.text_area("Sample text", row["text"], height=200, disabled=True, key=f"sample_text_{pick}")
    else:
        if source == "Pick a sample":
            st.warning("No bundled samples were found; paste a note instead.")
        text = st.text_area("Note text", height=260, key="one_text", placeholder="Paste the visit note here")
        row = {"note_id": "pasted-note", "text": text}
    c1, c2 = st.columns(2)
    role = c1.selectbox("Performer role (when the note does not say)", (NOT_GIVEN, *ROLES), key="one_role")
    codes = c2.text_input("Billed codes (optional)", key="one_codes", placeholder="95990;J2274x5")
    if role != NOT_GIVEN:
        row["author_role"] = role
    if codes.strip():
        row["billed_codes"] = codes.strip()
    if st.button("Audit note", type="primary", key="one_audit"):
        if not str(row.get("text") or "").strip():
            st.error("The note is empty: paste a note or pick a sample.")
        else:
            with st.spinner("Auditing..."):
                open_note(row, audit_rows(pipeline(), [row])[0])
    opened = st.session_state.get("open")
    if opened:
        st.divider()
        st.caption(f"Open note: {opened['note']['note_id']}")
        show_note(opened["note"], opened["record"])


def read_upload() -> tuple[str, pd.DataFrame] | None:
    up = st.file_uploader("Upload an export (CSV, JSONL, Parquet or Excel)", type=list(FORMATS), key="upload")
    if up is None:
        return None
    try:
        return up.name, read_table(up.name, up.getvalue())
    except TableError as exc:
        st.error(str(exc))
        return None


def map_columns(df: pd.DataFrame) -> dict[str, str | None]:
    guess = guess_mapping(list(df.columns))
    options = ["(none)", *df.columns]
    mapping: dict[str, str | None] = {}
    with st.expander("Columns", expanded=guess["text"] is None or guess["note_id"] is None):
        cols = st.columns(4)
        for i, (target, found) in enumerate(guess.items()):
            pick = cols[i % 4].selectbox(target, options, index=options.index(found) if found else 0, key=f"map_{target}")
            mapping[target] = None if pick == "(none)" else pick
    return mapping


def run_audit(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bar = st.progress(0.0, text=f"Auditing {len(rows)} notes...")
    records: list[dict[str, Any]] = []
    for i in range(0, len(rows), BATCH):
        records += audit_rows(pipeline(), rows[i:i + BATCH])
        bar.progress(min(1.0, (i + BATCH) / len(rows)), text=f"Audited {len(records)} of {len(rows)} notes")
    bar.empty()
    return records


def result_filter(df: pd.DataFrame) -> ResultFilter:
    with st.expander("Filter", expanded=True):
        cols = st.columns(3)
        statuses = {el: cols[i % 3].multiselect(el, sorted(ALLOWED[el]), key=f"flt_{el}") for i, el in enumerate(ELEMENTS)}
        lo, hi = st.slider("Score", 0.0, 1.0, (0.0, 1.0), step=0.05, key="flt_score")
        c1, c2, c3 = st.columns(3)
        roles = c1.multiselect("Performer role", choices(df, "performer_role"), key="flt_role")
        authors = c2.multiselect("Author", choices(df, "author"), key="flt_author")
        payers = c3.multiselect("Payer", choices(df, "payer"), key="flt_payer")
    return ResultFilter(statuses=statuses, score_min=lo, score_max=hi, roles=roles, authors=authors, payers=payers)


def page_export() -> None:
    st.header("Audit an export")
    got = read_upload()
    if got is None:
        return
    name, df = got
    mapping = map_columns(df)
    try:
        rows = rows_from_frame(df, mapping)
    except TableError as exc:
        st.error(str(exc))
        return
    key = hashlib.sha256(repr((name, df.shape, rows)).encode()).hexdigest()
    done = st.session_state.get("export")
    if not done or done["key"] != key:
        st.write(f"{len(rows)} notes in {name}.")
        if not st.button(f"Audit {len(rows)} notes", type="primary", key="export_audit"):
            return
        records = run_audit(rows)
        done = {"key": key, "name": name, "rows": rows, "records": records, "df": results_frame(records, rows)}
        st.session_state["export"] = done
    results: pd.DataFrame = done["df"]
    errors = int(results["error"].notna().sum())
    st.success(f"Audited {len(results)} notes from {done['name']}" + (f"; {errors} could not be audited." if errors else "."))
    shown = apply_filter(results, result_filter(results))
    st.caption(f"{len(shown)} of {len(results)} notes match. Select a row to open the note.")
    event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key="results_table")
    picked = st.selectbox("Open note", ["-", *shown["note_id"].astype(str)], key="open_pick")
    selected = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    note_id = str(shown.iloc[selected[0]]["note_id"]) if selected and selected[0] < len(shown) else (
        picked if picked != "-" else None)
    if note_id is not None:
        idx = [str(r["note_id"]) for r in done["rows"]].index(note_id)
        open_note(done["rows"][idx], done["records"][idx])
        st.subheader(f"Note {note_id}")
        st.caption("Review this note on the Review page.")
        show_note(done["rows"][idx], done["records"][idx])
    st.subheader("Charts")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.compliance_chart(shown), width="stretch")
    c2.altair_chart(charts.score_chart(shown), width="stretch")
    by = st.radio("Deficiencies by", ["performer_role", "author"], horizontal=True, key="chart_by")
    st.altair_chart(charts.deficiency_chart(shown, by), width="stretch")
    st.subheader("Download")
    d1, d2, d3 = st.columns(3)
    stem = Path(done["name"]).stem
    d1.download_button("CSV", to_csv_bytes(shown), f"{stem}_audit.csv", "text/csv", key="dl_csv")
    d2.download_button("Excel", to_excel_bytes(shown), f"{stem}_audit.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx")
    keep = [i for i, r in enumerate(done["records"]) if str(r["note_id"]) in set(shown["note_id"].astype(str))]
    page = render_report([done["records"][i] for i in keep], [done["rows"][i] for i in keep])
    d3.download_button("HTML report", page, f"{stem}_audit.html", "text/html", key="dl_html")


def review_form(note: dict[str, Any], record: dict[str, Any], folder: str, reviewer: str) -> None:
    nid = str(note["note_id"])
    with st.form(f"review_{nid}"):
        st.caption("Agree or correct each status. Evidence: quotes from the note, one a line "
                   "(prefix before:/after: or condition:/goals: for the two-part elements).")
        statuses: dict[str, str] = {}
        quotes: dict[str, list[str]] = {}
        for el in ELEMENTS:
            auto = record["elements"][el]["status"]
            opts = sorted(ALLOWED[el])
            c1, c2 = st.columns([1, 2])
            statuses[el] = c1.selectbox(f"{TITLES[el]} (auditor: {auto})", opts, index=opts.index(auto), key=f"rv_{el}_{nid}")
            quotes[el] = parse_quotes(c2.text_area(f"Evidence for {el}", height=68, key=f"rq_{el}_{nid}"))
        comment = st.text_area("Comment", key=f"rc_{nid}")
        if st.form_submit_button("Save review", type="primary"):
            try:
                review = build_review(note, record, statuses, quotes, reviewer, comment)
                path = save_review(folder, review)
            except (ReviewError, OSError) as exc:
                st.error(str(exc))
            else:
                changed = [el for el in ELEMENTS if statuses[el] != record["elements"][el]["status"]]
                # rerun so the worklist and agreement above include this review; the message survives it
                st.session_state["flash"] = (f"Saved the review of {nid} to {path}"
                                             + (f" (corrected: {', '.join(changed)})." if changed else "."))
                st.rerun()


def page_review() -> None:
    st.header("Review")
    if "flash" in st.session_state:
        st.success(st.session_state.pop("flash"))
    c1, c2 = st.columns(2)
    reviewer = c1.text_input("Reviewer", key="reviewer")
    folder = c2.text_input("Reviews folder", str(DEFAULT_FOLDER), key="review_folder")
    reviews = load_reviews(folder)
    done = st.session_state.get("export")
    if done:
        st.subheader("Worklist")
        reviewed = {str(r["note_id"]) for r in reviews}
        todo = worklist(done["records"], reviewed, flip_rates(reviews))
        st.caption(f"{len(todo)} unreviewed notes, most likely wrong or most deficient first.")
        st.dataframe(todo, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(todo)))
        if len(todo):
            w1, w2 = st.columns([3, 1])
            pick = w1.selectbox("Next note", list(todo["note_id"].astype(str)), key="wl_pick")
            if w2.button("Open", key="wl_open"):
                idx = [str(r["note_id"]) for r in done["rows"]].index(pick)
                open_note(done["rows"][idx], done["records"][idx])
    opened = st.session_state.get("open")
    if not opened:
        st.info("Open a note first: audit one on the One note page, or pick one from an export.")
    elif opened["record"].get("error"):
        st.error(f"This note could not be audited: {opened['record']['error']}")
    else:
        st.subheader(f"Note {opened['note']['note_id']}")
        left, right = st.columns([1, 1])
        with left:
            show_note(opened["note"], opened["record"], compact=True)
        with right:
            review_form(opened["note"], opened["record"], folder, reviewer)
    st.subheader("Reviewer vs auditor agreement")
    if reviews:
        st.caption(f"From {len(reviews)} saved reviews in {folder}.")
        st.dataframe(agreement_table(reviews), hide_index=True, width="stretch")
    else:
        st.caption(f"No reviews saved in {folder} yet.")


def main() -> None:
    page = st.sidebar.radio("Page", PAGES, key="page")
    st.sidebar.caption("Notes stay on this machine: uploads are read in memory, reviews are saved only to the folder you choose.")
    {"One note": page_one_note, "Export": page_export, "Review": page_review}[page]()


main()
