"""The output record of the audit contract (../shared/AUDIT_CONTRACT.md), typed, and its helpers.

Every front end (CLI, workbench, Spark, evaluation) and the claim checks build,
read and flatten records through here, so the shape is defined once.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional, TypedDict

from auditor.elements import ELEMENTS

# the optional input columns a record keeps under `input` (AUDIT_CONTRACT input columns)
META_COLUMNS = ("patient_id", "service_date", "author", "author_role", "payer", "billed_codes")


class Evidence(TypedDict, total=False):
    start: int
    end: int
    text: str
    part: str
    rule: str
    label: str
    sect: str
    discounted_by: list[str]
    source: str


class ElementResult(TypedDict, total=False):
    status: str
    evidence: list[Evidence]
    discounted: list[Evidence]


class Finding(TypedDict, total=False):
    rule: str
    severity: str
    message: str
    fix: str
    evidence: list[Evidence]


class Record(TypedDict, total=False):
    note_id: Any
    score: Optional[float]
    elements: Optional[dict[str, ElementResult]]
    findings: list[Finding]
    facts: dict[str, Any]
    error: Optional[str]
    input: dict[str, Any]


def clean(value: Any) -> Any:
    """Missing values in exports arrive as None, NaN or NaT; make them None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def as_text(text: Any) -> str:
    """A note's text as str (bytes are UTF-8)."""
    return text.decode("utf-8") if isinstance(text, bytes) else text


def meta_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The input columns of a row that the audit reads, missing ones as None."""
    return {c: clean(row.get(c)) for c in META_COLUMNS}


def error_record(note_id: Any, message: str) -> Record:
    """The record of a note that could not be audited."""
    return {"note_id": note_id, "score": None, "elements": None, "findings": [], "facts": {}, "error": message}


def flat_row(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record flattened for CSV/Parquet: note_id, score, <element>_status, findings joined."""
    row: dict[str, Any] = {"note_id": rec["note_id"], "score": rec["score"]}
    els = rec.get("elements") or {}
    for e in ELEMENTS:
        row[f"{e}_status"] = (els.get(e) or {}).get("status")
    row["findings"] = ";".join(f["rule"] for f in rec.get("findings") or [])
    facts = rec.get("facts") or {}
    row["performer_role"] = facts.get("performer_role")
    row["refill"] = facts.get("refill")
    row["error"] = rec.get("error")
    return row
