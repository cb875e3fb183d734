"""Claim, coding and refill-interval checks: one stable rule id each (annotations/README.md).

Public API (the audit wires these in):
- note_findings(record, meta, text) -> findings for one note
- interval_findings(visits) -> {index: findings} across a run
- claim_summary(record, meta, text=None) -> facts['claim_summary']
- apply_checks(records, rows) -> records with both, in place
"""
from auditor.checks.intervals import interval_findings
from auditor.checks.runner import apply_checks, note_findings
from auditor.checks.summary import claim_summary

__all__ = ["note_findings", "interval_findings", "claim_summary", "apply_checks"]
