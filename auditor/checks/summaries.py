"""Per-visit summaries: the few facts of one note that the run-wide refill-interval pass needs.

Why: the interval check compares visits of one patient across a whole run,
but notes are audited in chunks, in worker processes, or resumed from a file.
A summary is computed where the note's text is at hand, is plain JSON of a
few hundred bytes, and travels inside the record (facts.claim_summary.visit
plus the record's input patient_id and service_date), so whoever holds the
records, in memory or in a JSONL file, can run `run_intervals` once over the
whole run with the same result however the input was cut.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from auditor.checks.intervals import interval_inputs
from auditor.checks.visit import Visit, parse_date


def _key_fields(meta: Mapping[str, Any]) -> dict[str, Any]:
    """patient_id as text and service_date as ISO text, so a summary made in memory equals one read back from JSON."""
    pid = meta.get("patient_id")
    date = parse_date(meta.get("service_date"))
    return {
        "patient_id": None if pid is None or pid == "" else str(pid),
        "service_date": date.isoformat() if date else None,
    }


def visit_summary(record: Mapping[str, Any], meta: Mapping[str, Any], text: str | None) -> dict[str, Any] | None:
    """What `run_intervals` needs from one audited note (None for a note that could not be audited).

    Keys: patient_id, service_date, refill, drugs, primary_drug, concentration_mcg_ml,
    daily_dose_mcg, dose_before_mcg, daily_volume_ml, fill_ml, reservoir_ml, residual_actual_ml,
    pump_type, ziconotide_diluted, bud_date, stated_previous_refill, early_reason, text_read, has_claim, evidence.
    """
    if record.get("error"):
        return None
    inputs = interval_inputs(Visit(text=text or "", record=record, meta=meta or {}))
    return {**_key_fields(meta or {}), **inputs}


def summary_of_record(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The summary an audited record already carries (facts.claim_summary.visit and input), or None.

    Works on a record fresh from `audit_rows` and on one read back from a JSONL output.
    """
    if record.get("error"):
        return None
    inputs = ((record.get("facts") or {}).get("claim_summary") or {}).get("visit")
    if not isinstance(inputs, Mapping):
        return None
    return {**_key_fields(record.get("input") or {}), **inputs}


def needs_intervals(summary: Mapping[str, Any] | None) -> bool:
    """Refills on a known date, of a known patient or with a stated last refill, take part; so do a
    known patient's visits without a refill that state a daily dose (a reprogramming between two
    refills sets the dose the next refill starts from). The rest need not be kept in memory."""
    if not (summary and summary.get("service_date")):
        return False
    if summary.get("refill"):
        return bool(summary.get("patient_id") or summary.get("stated_previous_refill"))
    return bool(summary.get("patient_id") and summary.get("daily_dose_mcg"))


def interval_summaries(records: Iterable[Mapping[str, Any]], start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(run index, summary) for the records that take part in the interval pass; `start` is the first record's index."""
    for i, rec in enumerate(records, start):
        summary = summary_of_record(rec)
        if summary is not None and needs_intervals(summary):
            yield i, summary
