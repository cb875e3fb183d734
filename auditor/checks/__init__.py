"""Claim, coding and refill-interval checks: one stable rule id each (annotations/README.md).

Public API (the audit wires these in):
- note_findings(record, meta, text) -> findings for one note
- claim_summary(record, meta, text=None) -> facts['claim_summary']
- apply_checks(records, rows, intervals=True) -> records with both, in place
- visit_summary(record, meta, text) -> what the interval pass needs from one note (plain JSON);
  summary_of_record(record) -> the same, read back from an audited record (in memory or from JSONL)
- run_intervals(summaries) -> {index: findings} across a whole run, from (index, summary) pairs
- interval_findings(visits) -> {index: findings} from visits with facts (older entry point)
"""
from auditor.checks.intervals import interval_findings, run_intervals
from auditor.checks.runner import apply_checks, note_findings
from auditor.checks.summaries import interval_summaries, needs_intervals, summary_of_record, visit_summary
from auditor.checks.summary import claim_summary

__all__ = ["note_findings", "interval_findings", "claim_summary", "apply_checks", "visit_summary",
           "summary_of_record", "run_intervals", "interval_summaries", "needs_intervals"]
