"""Uploaded exports in, result tables and downloads out, all in memory.

Uploads are PHI: they are parsed from the uploaded bytes and never written
to disk. Every way a file can be unusable becomes one `TableError` with a
sentence the CDI specialist can act on.
"""
from __future__ import annotations

import io
import json
from typing import Any, Mapping, Sequence

import pandas as pd

from auditor.audit import META_COLUMNS, flat_row
from auditor.elements import ELEMENTS

FORMATS = ("csv", "jsonl", "json", "parquet", "xlsx")
ID_GUESSES = ("note_id", "noteid", "id", "note_key", "document_id", "doc_id", "encounter_id")
TEXT_GUESSES = ("text", "note_text", "notetext", "note", "body", "note_body", "document_text", "content")


class TableError(ValueError):
    """An upload that cannot be used as a table of notes; the message is shown as is."""


def read_table(name: str, data: bytes) -> pd.DataFrame:
    """A DataFrame from an uploaded file's bytes; the extension picks the reader."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise TableError(f"{name!r} is not a CSV, JSONL, Parquet or Excel (.xlsx) file.")
    if not data or not data.strip():
        raise TableError(f"{name!r} is empty.")
    buf = io.BytesIO(data)
    try:
        if ext == "csv":
            df = pd.read_csv(buf, dtype=str, keep_default_na=False, na_values=[""])
        elif ext in ("jsonl", "json"):
            df = _read_json_lines(data)
        elif ext == "parquet":
            df = pd.read_parquet(buf)
        else:
            df = pd.read_excel(buf, dtype=str)
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001  any parser failure means "not a table"
        raise TableError(f"{name!r} could not be read as {ext.upper()}: {type(exc).__name__}.") from None
    if df.empty or len(df.columns) == 0:
        raise TableError(f"{name!r} holds no rows.")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_json_lines(data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(stripped)
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not all(isinstance(r, dict) for r in rows):
        raise TableError("the JSON lines are not objects with named fields.")
    return pd.DataFrame(rows)


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
    """Rows in the contract's column names; row numbers stand in for a missing id column."""
    text_col = mapping.get("text")
    if not text_col or text_col not in df.columns:
        raise TableError("No text column: choose the column that holds the note text.")
    id_col = mapping.get("note_id")
    out: list[dict[str, Any]] = []
    for i, rec in enumerate(df.to_dict(orient="records")):
        row: dict[str, Any] = {"note_id": str(rec[id_col]) if id_col and id_col in rec else f"row-{i + 1}",
                               "text": rec[text_col]}
        for col in META_COLUMNS:
            src = mapping.get(col)
            if src and src in rec:
                val = rec[src]
                row[col] = None if val is None or (isinstance(val, float) and pd.isna(val)) else str(val)
        out.append(row)
    ids = [r["note_id"] for r in out]
    if len(set(ids)) != len(ids):
        raise TableError("The id column has duplicate values: choose a column that is unique per note.")
    return out


def results_frame(records: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One line a note: the contract's flat row plus author and payer for filtering."""
    lines = []
    for rec, row in zip(records, rows):
        flat = flat_row(rec)
        flat["author"] = row.get("author")
        flat["payer"] = row.get("payer")
        flat["discounted"] = discounted_count(rec)
        lines.append(flat)
    return pd.DataFrame(lines)


def discounted_count(rec: Mapping[str, Any]) -> int:
    """How many evidence spans ConText set aside (negated, planned, ...) across elements."""
    els = rec.get("elements") or {}
    return sum(len((els.get(e) or {}).get("discounted") or []) for e in ELEMENTS)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def to_excel_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False, sheet_name="audit")
    return buf.getvalue()
