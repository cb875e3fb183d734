"""Uploaded exports in, result tables and downloads out, all in memory.

Rows come from the CLI's own reader (`auditor.io.open_source`), so the same
file gives the same note_id, patient_id and service_date in the workbench and
in `auditor audit` (issue 9), with whatever the CLI's reader knows about
encodings, sheets and malformed lines. That reader takes a path, so the
upload is written for the length of the read to a private temporary folder
(mode 0700, in /dev/shm, i.e. memory, where the system has it) and removed at
once; nothing else touches disk. `read_table` parses the bytes in memory only
to list the columns for the mapping step (and for JSON arrays, which the CLI
does not read). Every way a file can be unusable becomes one `TableError` with
a sentence the CDI specialist can act on.

Downloads are for spreadsheets: every text cell that a spreadsheet would read
as a formula (starting with = + - @, tab or carriage return) gets a leading
single quote, per OWASP's CSV-injection guidance, and Excel cells are stored
as text, so no cell of an export is ever a live formula.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pandas as pd

from auditor.audit import META_COLUMNS
from auditor.elements import ELEMENTS
from auditor.io import InputError, open_source, to_row, spreadsheet_safe
from auditor.report.explain import claim_line, short_name, status_label

FORMATS = ("csv", "jsonl", "json", "parquet", "xlsx")
ID_GUESSES = ("note_id", "noteid", "id", "note_key", "document_id", "doc_id", "encounter_id")
TEXT_GUESSES = ("text", "note_text", "notetext", "note", "body", "note_body", "document_text", "content")
# the results table's columns in the reviewer's words (machine name -> shown name), in display order
HUMAN_COLUMNS: dict[str, str] = {
    "note_id": "Note", "patient_id": "Patient", "service_date": "Service date", "score": "Score",
    **{f"{e}_status": short_name(e) for e in ELEMENTS},
    "finding_messages": "Findings", "billed_codes": "Billed codes", "performer_role": "Performer",
    "author": "Author", "payer": "Payer", "discounted": "Not counted", "error": "Could not audit",
}


class TableError(ValueError):
    """An upload that cannot be used as a table of notes; the message is shown as is."""


def read_table(name: str, data: bytes) -> pd.DataFrame:
    """The upload's cells as Python objects (object dtype, missing = None); the extension picks the reader."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise TableError(f"{name!r} is not a CSV, JSONL, Parquet or Excel (.xlsx) file.")
    if not data or not data.strip():
        raise TableError(f"{name!r} is empty.")
    try:
        if ext == "csv":
            df = _read_csv(data)
        elif ext in ("jsonl", "json"):
            df = _read_json_lines(data)
        elif ext == "parquet":
            df = _read_parquet(data)
        else:
            df = _read_xlsx(data)
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001  any parser failure means "not a table"
        raise TableError(f"{name!r} could not be read as {ext.upper()}: {type(exc).__name__}.") from None
    if df.empty or len(df.columns) == 0:
        raise TableError(f"{name!r} holds no rows.")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _frame(records: list[dict[str, Any]], columns: Sequence[Any]) -> pd.DataFrame:
    # object dtype keeps each cell the Python value the CLI's reader sees (no int -> float, no Timestamp)
    return pd.DataFrame(records, columns=list(columns), dtype=object)


def _read_csv(data: bytes) -> pd.DataFrame:
    df = pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                     encoding_errors="surrogateescape")
    return df.astype(object).where(df.notna(), None)


def _read_parquet(data: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(io.BytesIO(data)).read()
    return _frame(table.to_pylist(), table.schema.names)


def _read_xlsx(data: bytes) -> pd.DataFrame:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        it = wb.active.iter_rows(values_only=True)
        header = [str(h) if h is not None else f"column {i + 1}" for i, h in enumerate(next(it, ()))]
        rows = [dict(zip(header, cells)) for cells in it if not all(c is None for c in cells)]
    finally:
        wb.close()
    return _frame(rows, header)


def _read_json_lines(data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8-sig", errors="surrogateescape")
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(stripped)
    else:  # a bad line is the CLI's business (an error record in place); the columns come from the good ones
        rows = [obj for line in text.splitlines() if line.strip() for obj in [_loads(line)] if obj is not None]
        if not rows:
            raise ValueError("no line is a JSON object")
    if not all(isinstance(r, dict) for r in rows):
        raise TableError("the JSON lines are not objects with named fields.")
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return _frame(rows, columns)


def _loads(line: str) -> Any:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def guess_column(columns: Sequence[str], guesses: Sequence[str]) -> str | None:
    """The first column whose normalised name is one of `guesses` (case, spaces and dashes ignored)."""
    norm = {str(c).lower().replace(" ", "_").replace("-", "_"): c for c in columns}
    for g in guesses:
        if g in norm:
            return norm[g]
    return None


def guess_mapping(columns: Sequence[str]) -> dict[str, str | None]:
    """Contract column -> upload column for id, text and the optional metadata."""
    mapping: dict[str, str | None] = {
        "note_id": guess_column(columns, ID_GUESSES),
        "text": guess_column(columns, TEXT_GUESSES),
    }
    for col in META_COLUMNS:
        mapping[col] = guess_column(columns, (col, col.replace("_", "")))
    return mapping


def rows_from_frame(df: pd.DataFrame, mapping: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """Rows as `auditor audit` builds them (auditor.io.to_row); row numbers stand in for a missing id column."""
    text_col = mapping.get("text")
    if not text_col or text_col not in df.columns:
        raise TableError("No text column: choose the column that holds the note text.")
    id_col = mapping.get("note_id")
    meta = {col: src for col in META_COLUMNS if (src := mapping.get(col)) and src in df.columns}
    out: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict(orient="records")):
        raw = {"note_id": rec[id_col] if id_col and id_col in rec else f"row-{i + 1}", "text": rec[text_col]}
        raw.update({col: rec[src] for col, src in meta.items()})
        out.append(to_row(raw, "note_id", "text"))
    ids = [str(r["note_id"]) for r in out]
    if len(set(ids)) != len(ids):
        raise TableError("The id column has duplicate values: choose a column that is unique per note.")
    return out


CLI_SUFFIXES = ("csv", "jsonl", "parquet", "xlsx")


@contextmanager
def _spooled(data: bytes, ext: str) -> Iterator[Path]:
    """The upload as a private file for the CLI's reader, removed on leaving (memory-backed where possible)."""
    shm = "/dev/shm"
    where = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="pump-auditor-", dir=where) as folder:  # created mode 0700
        path = Path(folder) / f"upload.{ext}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield path


def rows_from_upload(name: str, data: bytes, df: pd.DataFrame, mapping: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """The upload's rows as `auditor audit` reads them, with the reviewer's column mapping applied.

    The id and text columns are the CLI's --id-col/--text-col; a metadata column mapped from a
    differently named column is taken from `df` (same rows) through the CLI's `to_row`; one mapped
    to nothing is left out. Without an id column, row numbers stand in.
    """
    text_col = mapping.get("text")
    if not text_col or text_col not in df.columns:
        raise TableError("No text column: choose the column that holds the note text.")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in CLI_SUFFIXES or (ext == "jsonl" and data.lstrip().startswith(b"[")):
        return rows_from_frame(df, mapping)  # a JSON array: not a format the CLI reads
    id_col = mapping.get("note_id") if mapping.get("note_id") in df.columns else None
    with _spooled(data, ext) as path:
        try:
            rows = list(open_source(str(path), id_col or text_col, text_col).rows())
        except InputError as exc:  # the CLI's one-line message, naming the upload, not the spool file
            raise TableError(str(exc).replace(str(path), repr(name))) from None
    aligned = len(rows) == len(df)
    records = df.to_dict(orient="records") if aligned else []
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if row.get("_error"):  # a line the CLI could not read: an error record in its place, as in the CLI
            row["_error"] = str(row["_error"]).replace(str(path), name)
            row["note_id"] = f"(line {i + 1})"
        elif id_col is None:
            row["note_id"] = f"row-{i + 1}"
        for col in META_COLUMNS:
            src = mapping.get(col)
            if src is None:
                row.pop(col, None)
            elif src != col and aligned and src in records[i]:
                row[col] = to_row({"note_id": None, "text": None, col: records[i][src]}, "note_id", "text")[col]
        out.append(row)
    ids = [str(r["note_id"]) for r in out]
    if len(set(ids)) != len(ids):
        raise TableError("The id column has duplicate values: choose a column that is unique per note.")
    return out


def results_frame(records: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One line a note: ids, dates and codes of the input, statuses, finding messages, author and payer."""
    lines = []
    for rec, row in zip(records, rows):
        els = rec.get("elements") or {}
        facts = rec.get("facts") or {}
        line: dict[str, Any] = {"note_id": str(rec.get("note_id")), "score": rec.get("score")}
        for col in ("patient_id", "service_date", "billed_codes", "author", "payer"):
            line[col] = row.get(col)
        for e in ELEMENTS:
            line[f"{e}_status"] = (els.get(e) or {}).get("status")
        line["findings"] = ";".join(f["rule"] for f in rec.get("findings") or [])
        line["finding_messages"] = "; ".join(
            str(f.get("message") or f.get("rule")) + (f" [{c}]" if (c := claim_line(f)) else "")
            for f in rec.get("findings") or [])
        line["performer_role"] = facts.get("performer_role")
        line["discounted"] = discounted_count(rec)
        line["error"] = rec.get("error")
        lines.append(line)
    return pd.DataFrame(lines, columns=["note_id", "score", "patient_id", "service_date", "billed_codes", "author",
                                        "payer", *(f"{e}_status" for e in ELEMENTS), "findings",
                                        "finding_messages", "performer_role", "discounted", "error"])


def discounted_count(rec: Mapping[str, Any]) -> int:
    """How many evidence spans ConText set aside (negated, planned, ...) across elements."""
    els = rec.get("elements") or {}
    return sum(len((els.get(e) or {}).get("discounted") or []) for e in ELEMENTS)


def human_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The results table in the reviewer's words: Met/Partial/Missing/N/A, named columns, blanks not None."""
    cols = [c for c in HUMAN_COLUMNS if c in df.columns]
    out = df[cols].copy()
    for e in ELEMENTS:
        col = f"{e}_status"
        if col in out:
            out[col] = out[col].map(lambda s: status_label(s) if isinstance(s, str) else "")
    for col in ("patient_id", "service_date", "billed_codes", "performer_role", "author", "payer", "error",
                "finding_messages"):
        if col in out:
            out[col] = out[col].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return out.rename(columns=HUMAN_COLUMNS)


neutralise = spreadsheet_safe  # one rule for CLI and workbench downloads (auditor/io.py)


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):  # object and pandas' str dtype alike
            out[col] = out[col].astype(object).map(neutralise)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads accents, CRLF rows) with formula-like cells neutralised."""
    return _safe(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")  # RFC 4180: a CR in a cell is quoted


def to_excel_bytes(df: pd.DataFrame) -> bytes:
    """An .xlsx with a frozen, filterable header; every text cell stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    safe = _safe(df)
    wb = Workbook()
    ws = wb.active
    ws.title = "audit"
    ws.append([str(c) for c in safe.columns])
    for rec in safe.itertuples(index=False):
        ws.append([None if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in rec])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula
    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    for i, col in enumerate(safe.columns, 1):
        width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def records_jsonl(records: Sequence[Mapping[str, Any]]) -> bytes:
    """The audit records as JSONL, the input of `auditor tipsheet` and `auditor evaluate`."""
    from auditor.io import dumps

    return "".join(dumps(r) + "\n" for r in records).encode("utf-8", errors="backslashreplace")
