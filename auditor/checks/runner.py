"""Runs the registered checks on a note and the interval check on a run of notes."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

# importing the modules registers their checks
from auditor.checks import coding, drugs, incident_to, indication, residual  # noqa: F401
from auditor.checks import tables
from auditor.checks.findings import Finding
from auditor.checks.intervals import run_intervals
from auditor.checks.registry import NOTE_CHECKS
from auditor.checks.summaries import interval_summaries
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


def apply_checks(records: list[dict[str, Any]], rows: Sequence[Mapping[str, Any]], intervals: bool = True) -> list[dict[str, Any]]:
    """Adds findings and facts['claim_summary'] to audit records (same order as rows), in place.

    This is the wiring for audit.audit_rows: per-note findings (and the visit
    summary inside claim_summary), then, unless `intervals` is False, refill
    intervals across the notes of this call. A caller that audits a run in
    chunks passes False and runs `run_intervals` once over the whole run.
    """
    from auditor.audit import META_COLUMNS, _as_text, _clean

    for rec, row in zip(records, rows):
        if rec.get("error"):
            continue
        meta = {c: _clean(row.get(c)) for c in META_COLUMNS}
        text = _as_text(row["text"])
        v = Visit(text=text, record=rec, meta=meta)
        rec["facts"]["claim_summary"] = summarise(v)
        rec["findings"] = list(rec.get("findings") or []) + note_findings(rec, meta, text)
    if intervals:
        for i, found in run_intervals(interval_summaries(records)).items():
            records[i]["findings"].extend(found)
    return records
