"""Runs the registered checks on a note and the interval check on a run of notes."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

# importing the modules registers their checks
from auditor.checks import coding, drugs, incident_to, indication, residual  # noqa: F401
from auditor.checks import tables
from auditor.checks.findings import Finding
from auditor.checks.intervals import interval_findings
from auditor.checks.registry import NOTE_CHECKS
from auditor.checks.summary import summarise
from auditor.checks.visit import Visit


def note_findings(record: Mapping[str, Any], meta: Mapping[str, Any], text: str) -> list[Finding]:
    """Claim and documentation findings for one audited note, in registry order."""
    if record.get("error") or not isinstance(text, str):
        return []
    v = Visit(text=text, record=record, meta=meta or {})
    if tables.thresholds().get("require_claim") and not v.has_claim:
        return []
    out: list[Finding] = []
    for _, check in NOTE_CHECKS:
        out.extend(check(v))
    return out


def apply_checks(records: list[dict[str, Any]], rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Adds findings and facts['claim_summary'] to audit records (same order as rows), in place.

    This is the wiring for audit.audit_rows: per-note findings, then refill
    intervals across all notes of the run.
    """
    from auditor.audit import META_COLUMNS, _as_text, _clean

    visits: list[dict[str, Any]] = []
    texts: dict[int, str] = {}
    for i, (rec, row) in enumerate(zip(records, rows)):
        if rec.get("error"):
            continue
        meta = {c: _clean(row.get(c)) for c in META_COLUMNS}
        text = _as_text(row["text"])
        texts[i] = text
        v = Visit(text=text, record=rec, meta=meta)
        rec["facts"]["claim_summary"] = summarise(v)
        rec["findings"] = list(rec.get("findings") or []) + note_findings(rec, meta, text)
        visits.append({"index": i, "patient_id": meta.get("patient_id"), "service_date": meta.get("service_date"), "facts": rec["facts"]})
    for i, found in interval_findings(visits).items():
        records[i]["findings"].extend(found)
    return records
