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
from auditor.record import as_text, meta_of


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


def apply_checks(records: list[dict[str, Any]], rows: Sequence[Mapping[str, Any]], intervals: bool = True,
                 metas: Sequence[Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Adds findings and facts['claim_summary'] to audit records (same order as rows), in place.

    This is the wiring for audit.audit_rows: per-note findings (and the visit
    summary inside claim_summary), then, unless `intervals` is False, refill
    intervals across the notes of this call. A caller that audits a run in
    chunks passes False and runs `run_intervals` once over the whole run.
    `metas` are the rows' input columns as the audit read them (record.meta_of),
    so they are not read a second time; without them they are read here.
    """
    for i, (rec, row) in enumerate(zip(records, rows)):
        if rec.get("error"):
            continue
        meta = metas[i] if metas is not None else meta_of(row)
        text = as_text(row["text"])
        try:
            v = Visit(text=text, record=rec, meta=meta)
            rec["facts"]["claim_summary"] = summarise(v)
            rec["findings"] = list(rec.get("findings") or []) + note_findings(rec, meta, text)
        except Exception as exc:  # noqa: BLE001  one note's checks must not sink its chunk
            _fail(rec, f"checks failed: {type(exc).__name__}")
    if intervals:
        try:
            found_by_index = run_intervals(interval_summaries(records))
        except Exception as exc:  # noqa: BLE001
            for rec in records:
                if not rec.get("error"):
                    rec["findings"] = list(rec.get("findings") or [])
            raise RuntimeError(f"refill-interval checks failed: {type(exc).__name__}") from None
        for i, found in found_by_index.items():
            records[i]["findings"].extend(found)
    return records


def _fail(rec: dict[str, Any], message: str) -> None:
    """Turn a record into an error record in place (no score, no statuses), keeping its id and input."""
    rec.update({"score": None, "elements": None, "findings": [], "facts": {}, "error": message})
