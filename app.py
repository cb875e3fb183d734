"""The CDI specialist's workbench: audit one note, audit an export, review, tip sheet.

Thin on purpose: every decision is made by `auditor` (the audit) or
`auditor.ui` / `auditor.report` (tables, filters, explanations, reviews,
worklist, queries); this file only lays them out and keeps the session's state.

Notes are PHI and arbitrary text. Nothing derived from a note, an id or an
uploaded file name goes through Markdown: it is shown with `st.html` after
`html.escape` (or inside a table or a text box), so it appears exactly as
written and nothing in it can become a link, an image or a heading. Uploads
are kept in memory (the CLI's reader gets a private temporary copy, removed
as soon as it has read it); nothing is logged or sent. The server binds 127.0.0.1 with
usage statistics off (.streamlit/config.toml beside this file, read whatever
the working directory); a deliberate exposure also needs AUDITOR_ALLOW_REMOTE=1.
Run: streamlit run app.py
"""
from __future__ import annotations

import hashlib
import html
import os
from pathlib import Path
from typing import Any, Collection

import pandas as pd
import streamlit as st

from auditor.audit import audit_rows, error_record
from auditor.elements import ALLOWED, ELEMENTS, STATUSES, TIPS, TITLES
from auditor.evaluation.agreement import correction_counts
from auditor.interval_pass import IntervalPass
from auditor.pipeline import shared
from auditor.roles import CONTRACT_ROLES
from auditor.report.explain import short_name, status_label
from auditor.report.highlight import highlight_html, legend_html
from auditor.report.html import findings_html, panels_html, render_report
from auditor.report.query import deficient_elements, draft
from auditor.ui import charts
from auditor.ui.agreement import agreement_table, agreement_view
from auditor.ui.filters import ResultFilter, apply_filter, choices
from auditor.ui.reviews import (
    ReviewError, build_review, check_folder, default_folder, ensure_default_folder, load_reviews,
    parse_quotes, pasted_id, save_review,
)
from auditor.ui.marker import marker, quote_marks
from auditor.ui.samples import load_samples
from auditor.ui.tables import (
    FORMATS, TableError, guess_mapping, human_frame, read_table, records_jsonl, results_frame, rows_from_upload,
    to_csv_bytes, to_excel_bytes,
)
from auditor.ui.worklist import worklist

ROOT = Path(__file__).resolve().parent
ROLES = CONTRACT_ROLES
NOT_GIVEN = "(not given)"
PAGES = ("One note", "Export", "Review", "Tip sheet")
BATCH = 25  # notes per progress step; the refill-interval pass still runs once over the whole export
LOCAL = ("127.0.0.1", "localhost", "::1")
# widget keys whose values survive a page change (Streamlit forgets a widget's value when it is not drawn)
KEEP = ("flt_", "map_", "one_", "rv_", "rq_", "rc_", "rf_", "qd_", "ts_", "reviewer", "review_folder", "open_pick")
STATUS_HEX = {"met": "#2e7d32", "partial": "#b26a00", "missing": "#c62828", "not_applicable": "#757575"}

st.set_page_config(page_title="Pain-pump documentation workbench", layout="wide")


# --------------------------------------------------------------------------- plumbing


def guard_address() -> None:
    """Refuse to serve notes on a non-local address unless exposure was asked for explicitly."""
    addr = str(st.get_option("server.address") or "")
    if addr not in LOCAL and os.environ.get("AUDITOR_ALLOW_REMOTE") != "1":
        st.error("This workbench shows patient notes and is not bound to 127.0.0.1 "
                 f"(server.address = {addr or 'every interface'}). Start it with `streamlit run app.py` "
                 "(it binds 127.0.0.1), or set AUDITOR_ALLOW_REMOTE=1 to expose it deliberately.")
        st.stop()


def keep_state() -> None:
    """Re-assign kept widget values so they survive pages that do not draw their widgets."""
    for k in list(st.session_state):
        if isinstance(k, str) and k.startswith(KEEP):
            st.session_state[k] = st.session_state[k]


def default(key: str, value: Any) -> None:
    """A kept widget's first value, set through session state (a widget given both warns)."""
    if key not in st.session_state:
        st.session_state[key] = value


def text_html(text: Any, tag: str = "div", style: str = "") -> None:
    """Untrusted text (note ids, file names) shown exactly, inert: escaped HTML, never Markdown."""
    st.html(f'<{tag} class="verbatim" style="{style}">{html.escape(str(text))}</{tag}>')


def error_html(message: Any) -> None:
    """An error that may quote a file name or a note's value: escaped, never Markdown."""
    text_html(message, style="color:#b71c1c;background:#ffebee;padding:8px 12px;border-radius:6px")


def flash(kind: str, message: str) -> None:
    """A message shown once on the next run (callbacks cannot draw)."""
    st.session_state["flash"] = (kind, message)


def show_flash() -> None:
    if "flash" in st.session_state:
        kind, message = st.session_state.pop("flash")
        colour = {"success": "#1b5e20", "error": "#b71c1c"}.get(kind, "#333")
        back = {"success": "#e8f5e9", "error": "#ffebee"}.get(kind, "#f5f5f5")
        text_html(message, style=f"color:{colour};background:{back};padding:8px 12px;border-radius:6px")


@st.cache_resource(show_spinner="Loading the auditor pipeline...")
def pipeline() -> Any:
    """The spaCy/medspaCy pipeline, built once per server process."""
    return shared()


def open_note(note: dict[str, Any], record: dict[str, Any]) -> None:
    """Make this note the one shown and reviewed (kept by its id, never by a table position)."""
    st.session_state["open"] = {"id": str(note["note_id"]), "note": note, "record": record}


def open_by_id(note_id: str) -> None:
    """Open a note of the current export by id."""
    done = st.session_state.get("export")
    if done and note_id in done["index"]:
        i = done["index"][note_id]
        open_note(done["rows"][i], done["records"][i])


# --------------------------------------------------------------------------- one note


def show_note(note: dict[str, Any], record: dict[str, Any], compact: bool = False) -> None:
    """Why each status (evidence with line numbers), the verbatim highlighted note, findings and tips."""
    if record.get("error"):
        error_html(f"This note could not be audited: {record['error']}")
        return
    text = note.get("text")
    left, right = st.columns([1, 1.3])
    with left:
        st.metric("Documentation score", f"{record['score']:.2f}")
        st.html(panels_html(record, text))
        facts = record.get("facts") or {}
        text_html(f"Performer: {facts.get('performer_role') or 'unknown'} "
                  f"(from {facts.get('performer_source') or '-'}); refill: {'yes' if facts.get('refill') else 'no'}",
                  style="color:#666;font-size:0.85rem")
    with right:
        st.html(legend_html())
        st.html(highlight_html(text, record))
    st.html("<h4 style='margin:0.5rem 0 0 0'>Findings</h4>" + findings_html(record, text))
    gaps = [el for el in ELEMENTS if record["elements"][el]["status"] in ("missing", "partial")]
    if gaps and not compact:
        st.subheader("What a compliant note records")
        for el in gaps:
            st.info(f"**{TITLES[el]}** ({status_label(record['elements'][el]['status'])}): {TIPS[el]}")


def page_one_note() -> None:
    st.header("Audit one note")
    samples = load_samples()
    source = st.radio("Note", ["Paste a note", "Pick a sample"], horizontal=True, key="one_source")
    row: dict[str, Any]
    if source == "Pick a sample" and samples:
        ids = [str(s["note_id"]) for s in samples]
        pick = st.selectbox("Sample", ids, key="one_sample")
        row = dict(samples[ids.index(pick)])
        st.text_area("Sample text", row["text"], height=200, disabled=True, key=f"sample_text_{pick}")
    else:
        if source == "Pick a sample":
            st.warning("No bundled samples were found; paste a note instead.")
        text = st.text_area("Note text", height=260, key="one_text", placeholder="Paste the visit note here")
        row = {"note_id": pasted_id(text), "text": text}
    c1, c2 = st.columns(2)
    role = c1.selectbox("Performer role (when the note does not say)", (NOT_GIVEN, *ROLES), key="one_role")
    codes = c2.text_input("Billed codes (optional)", key="one_codes", placeholder="95990;J2274x5")
    if role != NOT_GIVEN:
        row["author_role"] = role
    if codes.strip():
        row["billed_codes"] = codes.strip()
    if st.button("Audit note", type="primary", key="btn_one_audit"):
        if not str(row.get("text") or "").strip():
            st.error("The note is empty: paste a note or pick a sample.")
        else:
            with st.spinner("Auditing..."):
                open_note(row, audit_rows(pipeline(), [row])[0])
    opened = st.session_state.get("open")
    if opened:
        st.divider()
        text_html(f"Open note: {opened['id']}", style="color:#666;font-size:0.9rem")
        show_note(opened["note"], opened["record"])


# --------------------------------------------------------------------------- export


def current_upload() -> dict[str, Any] | None:
    """The export of this session: a new upload replaces it; it stays when the page is left and revisited."""
    up = st.file_uploader("Upload an export (CSV, JSONL, Parquet or Excel)", type=list(FORMATS), key="upload")
    if up is not None:
        data = up.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        stored = st.session_state.get("upload_store")
        if not stored or stored["digest"] != digest or stored["name"] != up.name:
            st.session_state["upload_store"] = {"name": up.name, "data": data, "digest": digest}
    stored = st.session_state.get("upload_store")
    if stored and up is None:
        c1, c2 = st.columns([4, 1])
        with c1:
            text_html(f"Using {stored['name']} (uploaded earlier in this session). Upload another file to replace it.",
                      style="color:#666;font-size:0.9rem")
        if c2.button("Forget this export", key="btn_forget"):
            for k in ("upload_store", "export", "table_cache", "rows_cache", "open"):
                st.session_state.pop(k, None)
            st.rerun()
    return st.session_state.get("upload_store")


def cached_table(stored: dict[str, Any]) -> pd.DataFrame:
    """The upload parsed once per file (not on every click)."""
    cache = st.session_state.get("table_cache")
    if not cache or cache["digest"] != stored["digest"]:
        cache = {"digest": stored["digest"], "df": read_table(stored["name"], stored["data"])}
        st.session_state["table_cache"] = cache
    return cache["df"]


def map_columns(df: pd.DataFrame) -> dict[str, str | None]:
    guess = guess_mapping(list(df.columns))
    options = ["(none)", *df.columns]
    mapping: dict[str, str | None] = {}
    st.caption("Columns of the export (change a choice if the guess is wrong)")
    cols = st.columns(4)
    for i, (target, found) in enumerate(guess.items()):
        key = f"map_{target}"
        if key in st.session_state and st.session_state[key] not in options:
            del st.session_state[key]  # a kept choice from another file
        default(key, found or "(none)")
        pick = cols[i % 4].selectbox(target, options, key=key)
        mapping[target] = None if pick == "(none)" else pick
    return mapping


def run_audit(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit in steps for the progress bar; one refill-interval pass over the whole export, as the CLI does."""
    bar = st.progress(0.0, text=f"Auditing {len(rows)} notes...")
    records: list[dict[str, Any]] = []
    intervals = IntervalPass()
    for i in range(0, len(rows), BATCH):
        part = rows[i:i + BATCH]
        chunk = audit_rows(pipeline(), part, intervals=False)
        chunk = [error_record(r["note_id"], r["_error"]) if r.get("_error") else rec for r, rec in zip(part, chunk)]
        intervals.add(chunk)
        records += chunk
        bar.progress(min(1.0, (i + BATCH) / len(rows)), text=f"Audited {len(records)} of {len(rows)} notes")
    for index, found in intervals.findings().items():
        have = records[index].setdefault("findings", [])
        have.extend(f for f in found if f not in have)
    bar.empty()
    return records


def result_filter(df: pd.DataFrame) -> ResultFilter:
    """Filters drawn in a plain container (no expander to spring open, no jump of the table)."""
    with st.container(border=True):
        cols = st.columns(6)
        statuses = {el: cols[i].multiselect(short_name(el), sorted(ALLOWED[el], key=STATUSES.index),
                                            format_func=status_label, key=f"flt_{el}")
                    for i, el in enumerate(ELEMENTS)}
        c0, c1, c2, c3 = st.columns([2, 1, 1, 1])
        default("flt_score", (0.0, 1.0))
        lo, hi = c0.slider("Score", 0.0, 1.0, step=0.05, key="flt_score")
        roles = c1.multiselect("Performer role", choices(df, "performer_role"), key="flt_role")
        authors = c2.multiselect("Author", choices(df, "author"), key="flt_author")
        payers = c3.multiselect("Payer", choices(df, "payer"), key="flt_payer")
    return ResultFilter(statuses=statuses, score_min=lo, score_max=hi, roles=roles, authors=authors, payers=payers)


@st.fragment
def results_view(done: dict[str, Any]) -> None:
    """Filters, table, open note, charts and downloads; reruns alone when a filter or row changes."""
    results: pd.DataFrame = done["df"]
    errors = int(results["error"].notna().sum())
    text_html(f"Audited {len(results)} notes from {done['name']}" + (f"; {errors} could not be audited." if errors else "."),
              style="color:#1b5e20;background:#e8f5e9;padding:8px 12px;border-radius:6px")
    flt = result_filter(results)
    shown = apply_filter(results, flt)
    table = human_frame(shown)
    ids = list(shown["note_id"].astype(str))
    # a new filter gives the table a new key: no old row position can carry over to other notes
    tkey = "results_" + hashlib.sha1(repr(flt).encode()).hexdigest()[:12]
    st.session_state["_shown_ids"] = {tkey: ids}

    def picked() -> None:
        rows = (st.session_state.get(tkey) or {}).get("selection", {}).get("rows") or []
        shown_ids = st.session_state["_shown_ids"].get(tkey) or []
        if rows and rows[0] < len(shown_ids):
            open_by_id(shown_ids[rows[0]])

    st.caption(f"{len(shown)} of {len(results)} notes match. Select a row to open the note.")
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(table)),
                 on_select=picked, selection_mode="single-row", key=tkey,
                 column_config={"Score": st.column_config.NumberColumn(format="%.2f")})
    st.selectbox("Open note by id", ["-", *ids], key="open_pick",
                 on_change=lambda: open_by_id(st.session_state["open_pick"]) if st.session_state["open_pick"] != "-" else None)
    opened = st.session_state.get("open")
    if opened and opened["id"] in done["index"]:
        text_html(f"Note {opened['id']}", tag="h3")
        if opened["id"] not in set(ids):
            st.caption("This note is outside the current filter; it stays open until you open another.")
        st.caption("Review this note on the Review page.")
        show_note(opened["note"], opened["record"])
    st.subheader("Charts")
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.compliance_chart(shown), width="stretch")
    c2.altair_chart(charts.score_chart(shown), width="stretch")
    st.subheader("Download")
    st.caption("CSV and Excel: the table as shown (cells a spreadsheet could run as a formula start with a quote). "
               "Records: the full audit as JSONL, the input of `auditor tipsheet` and of the Tip sheet page.")
    # each download's data is a callable, built only when its button is clicked: a 5,000-note
    # report or workbook is not rebuilt on every filter change
    d1, d2, d3, d4 = st.columns(4)
    stem = Path(done["name"]).stem
    keep = [done["index"][i] for i in ids]
    d1.download_button("CSV", lambda: to_csv_bytes(table), f"{stem}_audit.csv", "text/csv",
                       key="dl_csv", on_click="ignore")
    d2.download_button("Excel", lambda: to_excel_bytes(table), f"{stem}_audit.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx",
                       on_click="ignore")
    d3.download_button("HTML report", lambda: render_report([done["records"][i] for i in keep],
                                                            [done["rows"][i] for i in keep]).encode(),
                       f"{stem}_audit.html", "text/html", key="dl_html", on_click="ignore")
    d4.download_button("Records (JSONL)", lambda: records_jsonl([done["records"][i] for i in keep]),
                       f"{stem}_audit.jsonl", "application/jsonl", key="dl_jsonl", on_click="ignore")


def page_export() -> None:
    st.header("Audit an export")
    stored = current_upload()
    if stored is None:
        return
    try:
        df = cached_table(stored)
    except TableError as exc:
        error_html(exc)
        return
    mapping = map_columns(df)
    key = stored["digest"] + repr(sorted(mapping.items()))
    cache = st.session_state.get("rows_cache")
    if not cache or cache["key"] != key:
        try:
            cache = {"key": key, "rows": rows_from_upload(stored["name"], stored["data"], df, mapping)}
        except TableError as exc:
            error_html(exc)
            return
        st.session_state["rows_cache"] = cache
    rows = cache["rows"]
    done = st.session_state.get("export")
    if not done or done["key"] != key:
        text_html(f"{len(rows)} notes in {stored['name']}.")
        if not st.button(f"Audit {len(rows)} notes", type="primary", key="btn_export_audit"):
            return
        records = run_audit(rows)
        done = {"key": key, "name": stored["name"], "rows": rows, "records": records,
                "df": results_frame(records, rows), "index": {str(r["note_id"]): i for i, r in enumerate(rows)}}
        st.session_state["export"] = done
    results_view(done)


# --------------------------------------------------------------------------- review


def reviewer_name() -> str:
    """The reviewer of this session: typed once, then fixed until switched explicitly."""
    locked = st.session_state.get("reviewer_locked")
    if locked:
        c1, c2 = st.columns([3, 1])
        with c1:
            text_html(f"Reviewer: {locked}", style="font-weight:600")
        if c2.button("Switch reviewer", key="btn_switch_reviewer"):
            st.session_state.pop("reviewer_locked")
            st.rerun()
        return str(locked)
    return st.text_input("Reviewer", key="reviewer").strip()


def reviews_folder() -> Path | None:
    """The reviews folder if usable; the default (outside the repository) is created, others must exist."""
    default("review_folder", str(default_folder()))
    raw = st.text_input("Reviews folder (an existing folder; reviews hold note text)", key="review_folder")
    try:
        if Path(raw).expanduser() == default_folder():
            ensure_default_folder()
        folder = check_folder(raw)
    except (ReviewError, OSError) as exc:
        error_html(exc)
        return None
    if (ROOT / ".git").exists() and (folder.resolve() == ROOT or ROOT in folder.resolve().parents):
        st.error("That folder is inside the project's repository, where note text could be committed: choose another.")
        return None
    return folder


def nav_order(done: dict[str, Any] | None, counts: Any) -> list[str]:
    """Every audited note of the export in worklist order (reviewed ones included), for next/previous."""
    if not done:
        return []
    return list(worklist(done["records"], set(), counts)["note_id"])


def step(order: list[str], current: str | None, delta: int, skip: Collection[str] = ()) -> str | None:
    """The note `delta` places from `current` in `order`, skipping `skip`; None at the ends."""
    if not order:
        return None
    i = order.index(current) if current in order else (-1 if delta > 0 else len(order))
    i += delta
    while 0 <= i < len(order):
        if order[i] not in skip:
            return order[i]
        i += delta
    return None


def save(note: dict[str, Any], record: dict[str, Any], folder: Path | None, reviewer: str, agree: bool,
         after: str | None) -> None:
    """Save the open note's review (the auditor's statuses when `agree`), then open `after`."""
    nid = str(note["note_id"])
    try:
        if folder is None:
            raise ReviewError("Choose a reviews folder that exists first.")
        statuses = {el: record["elements"][el]["status"] if agree else st.session_state.get(f"rv_{el}_{nid}")
                    for el in ELEMENTS}
        quotes = {el: parse_quotes(st.session_state.get(f"rq_{el}_{nid}", "")) for el in ELEMENTS}
        verdicts = {str(f.get("rule")): st.session_state.get(f"rf_{i}_{nid}", "not judged")
                    for i, f in enumerate(record.get("findings") or [])}
        review = build_review(note, record, statuses, quotes, reviewer, st.session_state.get(f"rc_{nid}", ""),
                              findings=verdicts, query=st.session_state.get(f"qd_{nid}", ""),
                              at=st.session_state.get(f"_mark_at_{nid}"))
        path = save_review(folder, review)
    except (ReviewError, OSError) as exc:
        flash("error", str(exc))
        return
    st.session_state["reviewer_locked"] = reviewer.strip()
    changed = [short_name(el) for el in ELEMENTS if statuses[el] != record["elements"][el]["status"]]
    flash("success", f"Saved the review of {nid} to {path}" + (f" (corrected: {', '.join(changed)})." if changed else "."))
    if after:
        open_by_id(after)


def set_query(nid: str, element: str, record: dict[str, Any], note: dict[str, Any]) -> None:
    st.session_state[f"qd_{nid}"] = draft(element, record, note)


def review_form(note: dict[str, Any], record: dict[str, Any], folder: Path | None, reviewer: str,
                mine: dict[str, Any] | None, nxt: str | None) -> None:
    nid = str(note["note_id"])
    if isinstance(note.get("text"), str):
        st.caption("Select words in the note below and click the element they are evidence for; "
                   "the quote is added to that element's evidence.")
        mark = marker(note["text"], key=f"mark_{nid}")
        if mark and mark.get("n") != st.session_state.get(f"_mark_seen_{nid}") and mark.get("element") in ELEMENTS:
            st.session_state[f"_mark_seen_{nid}"] = mark.get("n")
            qkey = f"rq_{mark['element']}_{nid}"
            marks = quote_marks(mark)
            st.session_state[qkey] = "\n".join([*parse_quotes(st.session_state.get(qkey, "")), *(q for q, _ in marks)])
            at = st.session_state.setdefault(f"_mark_at_{nid}", {}).setdefault(mark["element"], {})
            at.update({q: start for q, start in marks if start is not None})
    if mine:
        text_html(f"Reviewed by {mine.get('reviewer')} at {mine.get('reviewed_at')}; saving again replaces that "
                  "review (the earlier one stays in the file as history).",
                  style="background:#e3f2fd;padding:6px 10px;border-radius:6px")
    for el in ELEMENTS:
        auto = record["elements"][el]["status"]
        key = f"rv_{el}_{nid}"
        if key not in st.session_state:
            st.session_state[key] = ((mine or {}).get("labels") or {}).get(el, {}).get("status") or auto
        opts = sorted(ALLOWED[el], key=STATUSES.index)
        c1, c2 = st.columns([1, 1])
        c1.selectbox(f"{short_name(el)} (auditor: {status_label(auto)})", opts, format_func=status_label, key=key)
        c2.text_area(f"Evidence quotes for {short_name(el)} (one a line)", height=68, key=f"rq_{el}_{nid}",
                     label_visibility="collapsed", placeholder=f"{short_name(el)}: quotes from the note, one a line")
    findings = record.get("findings") or []
    if findings:
        st.markdown("**Findings: right or wrong?**")
        for i, f in enumerate(findings):
            key = f"rf_{i}_{nid}"
            if key not in st.session_state:
                st.session_state[key] = ((mine or {}).get("finding_labels") or {}).get(str(f.get("rule")), "not judged")
            text_html(f"{i + 1}. {f.get('message') or f.get('rule')}", style="font-size:0.9rem")
            # the label is ours: widget labels render Markdown, a finding's message quotes claim and note values
            st.radio(f"Finding {i + 1}", ["not judged", "right", "wrong"], horizontal=True, key=key,
                     label_visibility="collapsed")
    gaps = deficient_elements(record)
    if gaps:
        st.markdown("**Provider query draft** (non-leading; edit before sending)")
        qcols = st.columns(len(gaps))
        for c, el in zip(qcols, gaps):
            c.button(f"Draft: {short_name(el)}", key=f"btn_q_{el}_{nid}", on_click=set_query,
                     args=(nid, el, record, note))
        qkey = f"qd_{nid}"
        if qkey not in st.session_state and (mine or {}).get("query"):
            st.session_state[qkey] = mine["query"]
        st.text_area("Query draft", height=260, key=qkey)
    st.text_area("Comment", key=f"rc_{nid}")
    b1, b2 = st.columns(2)
    b1.button("Agree with the auditor (A)", type="primary", key=f"btn_agree_{nid}", shortcut="a",
              on_click=save, args=(note, record, folder, reviewer, True, nxt))
    b2.button("Save my corrections (S)", key=f"btn_correct_{nid}", shortcut="s",
              on_click=save, args=(note, record, folder, reviewer, False, nxt))


def page_review() -> None:
    st.header("Review")
    show_flash()
    c1, c2 = st.columns(2)
    with c1:
        reviewer = reviewer_name()
    with c2:
        folder = reviews_folder()
    reviews = load_reviews(folder) if folder else []
    mine = {str(r["note_id"]): r for r in reviews if str(r.get("reviewer", "")) == reviewer}
    counts = correction_counts(reviews)
    done = st.session_state.get("export")
    if done:
        st.subheader("Worklist")
        todo = worklist(done["records"], set(mine), counts)
        st.caption(f"{len(todo)} notes you have not reviewed, most deficient or most uncertain first "
                   "(priority: 1 - score, +0.3 set-aside evidence, +0.15 per partial, + reviewers' corrections "
                   "shrunk towards 10%).")
        items = "".join(f"<li><b>{html.escape(str(r.note_id))}</b> ({r.priority:.2f}): {html.escape(str(r.why))}</li>"
                        for r in todo.head(5).itertuples())
        st.html(f'<div class="up-next"><b>Up next</b><ol style="margin:0.2rem 0">{items}</ol></div>')
        st.dataframe(todo.rename(columns={"note_id": "Note", "score": "Score", "priority": "Priority", "why": "Why"}),
                     hide_index=True, width="stretch", height=min(300, 38 + 35 * len(todo)), key="worklist")
        st.selectbox("Open from the worklist", ["-", *todo["note_id"]], key="wl_pick",
                     on_change=lambda: open_by_id(st.session_state["wl_pick"]) if st.session_state["wl_pick"] != "-" else None)
    order = nav_order(done, counts)
    opened = st.session_state.get("open")
    current = opened["id"] if opened else None
    prev_id, next_id = step(order, current, -1), step(order, current, +1)
    next_todo = step(order, current, +1, skip=set(mine) | ({current} if current else set()))
    n1, n2, n3 = st.columns([1, 1, 3])
    n1.button("Previous (P)", key="btn_prev", shortcut="p", disabled=prev_id is None,
              on_click=open_by_id, args=(prev_id or "",))
    n2.button("Next (N)", key="btn_next", shortcut="n", disabled=next_id is None,
              on_click=open_by_id, args=(next_id or "",))
    if order:
        n3.caption(f"{len(order) - len(set(order) - set(mine))} of {len(order)} notes of the export reviewed by you. "
                   "Keys: A agree and go to the next unreviewed note, S save your corrections, N next, P previous.")
    if not opened:
        st.info("Open a note first: audit one on the One note page, or pick one from an export.")
    elif opened["record"].get("error"):
        error_html(f"This note could not be audited: {opened['record']['error']}")
    else:
        state = "reviewed" if current in mine else "not reviewed yet"
        text_html(f"Note {current} ({state})", tag="h3")
        left, right = st.columns([1.4, 1])
        with left:
            show_note(opened["note"], opened["record"], compact=True)
        with right:
            review_form(opened["note"], opened["record"], folder, reviewer, mine.get(str(current)), next_todo)
    st.subheader("Reviewer vs auditor agreement")
    if reviews:
        text_html(f"From {len(reviews)} current reviews in {folder}.", style="color:#666;font-size:0.9rem")
        st.dataframe(agreement_view(agreement_table(reviews)), hide_index=True, width="stretch", key="agreement",
                     column_config={"Agreement": st.column_config.NumberColumn(format="percent")})
    else:
        text_html(f"No reviews saved in {folder or 'the chosen folder'} yet.", style="color:#666;font-size:0.9rem")


# --------------------------------------------------------------------------- tip sheet


def records_upload(label: str, key: str) -> list[dict[str, Any]] | None:
    """Audit records (JSONL from the Export page or `auditor audit`), kept for the session."""
    import json

    up = st.file_uploader(label, type=["jsonl"], key=key)
    if up is not None:
        try:
            recs = [json.loads(line) for line in up.getvalue().decode("utf-8", errors="replace").splitlines()
                    if line.strip()]
            if not all(isinstance(r, dict) and "note_id" in r for r in recs):
                raise ValueError
        except ValueError:
            st.error("That file is not the JSONL records of an audit.")
            return None
        st.session_state[f"{key}_store"] = recs
    return st.session_state.get(f"{key}_store")


def page_tipsheet() -> None:
    from auditor.report.tipsheet import render_html, render_markdown, summarise

    st.header("Tip sheet")
    st.caption("Deficiency rates (missing or partial, among notes where the element applies), never counts; "
               "groups smaller than the minimum are left out. No note text appears here.")
    done = st.session_state.get("export")
    default("ts_src", "This session's export" if done else "Records file (JSONL)")
    src = st.radio("Run", ["This session's export", "Records file (JSONL)"], horizontal=True, key="ts_src")
    after = done["records"] if src == "This session's export" and done else records_upload(
        "Audit records (JSONL, from the Export page or `auditor audit`)", "up_after")
    if not after:
        st.info("Audit an export first, or upload audit records.")
        return
    df = charts.frame_from_records(after)
    c1, c2 = st.columns([2, 1])
    by = c1.radio("Group by", list(charts.GROUPS), format_func=charts.GROUPS.get, horizontal=True, key="ts_by")
    default("ts_min", 5)
    min_notes = int(c2.number_input("Minimum notes per group", 1, 1000, key="ts_min"))
    rates = charts.element_rates(df)
    g1, g2 = st.columns(2)
    g1.altair_chart(charts.element_rate_chart(rates), width="stretch")
    long = charts.group_rates(df, by, min_notes)
    if long.empty:
        g2.info(f"No {charts.GROUPS[by].lower()} has {min_notes} or more notes.")
    else:
        g2.altair_chart(charts.group_rate_chart(long, by), width="stretch")
    st.subheader("Before and after")
    before = records_upload("Records of an earlier run, to compare (JSONL)", "up_before")
    if before:
        cmp = charts.compare_runs(charts.frame_from_records(before), df)
        st.dataframe(cmp, hide_index=True, width="stretch", key="cmp_table",
                     column_config={c: st.column_config.NumberColumn(format="percent") for c in ("before", "after", "change")})
    else:
        st.caption("Upload the records of an earlier run (before an education round) to see the change per element.")
    summary_by = by if by in ("author", "performer_role", "payer") else "author"
    if summary_by != by:
        st.caption("The downloads group by author (the tip sheet file has no month grouping).")
    md = render_markdown(summarise(after, by=summary_by), min_notes=min_notes)
    d1, d2 = st.columns(2)
    d1.download_button("Tip sheet (Markdown)", md.encode(), "tipsheet.md", "text/markdown", key="dl_ts_md",
                       on_click="ignore")
    d2.download_button("Tip sheet (HTML)", render_html(md).encode(), "tipsheet.html", "text/html", key="dl_ts_html",
                       on_click="ignore")
    with st.expander("Tip sheet text"):
        text_html(md, tag="pre", style="white-space:pre-wrap;font-size:0.85rem")


# --------------------------------------------------------------------------- main


def main() -> None:
    guard_address()
    keep_state()
    page = st.sidebar.radio("Page", PAGES, key="page")
    st.sidebar.caption("Notes stay on this machine: uploads are kept in memory, reviews are saved only to the "
                       "folder you choose.")
    {"One note": page_one_note, "Export": page_export, "Review": page_review, "Tip sheet": page_tipsheet}[page]()


main()
