"""Counts over every audited note, gathered one record at a time.

Why separate from the HTML: the report keeps only the first notes in full but
its summary covers all of them, so the counts must be cheap and streamable.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

from auditor.elements import ELEMENTS, STATUSES, TITLES


@dataclass
class Summary:
    """Running totals: notes, errors, scores, statuses per element, findings per rule."""

    notes: int = 0
    errors: int = 0
    score_sum: float = 0.0
    scored: int = 0
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: {e: Counter() for e in ELEMENTS})
    findings: Counter[str] = field(default_factory=Counter)
    severity: dict[str, str] = field(default_factory=dict)
    error_kinds: Counter[str] = field(default_factory=Counter)

    def add(self, record: Mapping[str, Any]) -> None:
        """Count one record."""
        self.notes += 1
        if record.get("error"):
            self.errors += 1
            self.error_kinds[str(record["error"]).split(":")[0][:80]] += 1
        if isinstance(record.get("score"), (int, float)):
            self.score_sum += float(record["score"])
            self.scored += 1
        for e in ELEMENTS:
            st = ((record.get("elements") or {}).get(e) or {}).get("status")
            if st:
                self.statuses[e][st] += 1
        for f in record.get("findings") or []:
            rule = str(f.get("rule"))
            self.findings[rule] += 1
            self.severity.setdefault(rule, str(f.get("severity") or ""))

    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.scored, 3) if self.scored else None

    def element_rows(self) -> list[dict[str, Any]]:
        """Per element: counts of each status and the share met among notes where it applies."""
        rows = []
        for e in ELEMENTS:
            c = self.statuses[e]
            applies = c["met"] + c["partial"] + c["missing"]
            rows.append({
                "id": e, "title": TITLES[e], **{s: c[s] for s in STATUSES}, "applies": applies,
                "met_share": (c["met"] / applies) if applies else None,
                "credit": ((c["met"] + 0.5 * c["partial"]) / applies) if applies else None,
            })
        return rows

    def top_findings(self, n: int = 15) -> list[dict[str, Any]]:
        return [{"rule": r, "count": k, "severity": self.severity.get(r, "")} for r, k in self.findings.most_common(n)]

    def as_dict(self) -> dict[str, Any]:
        return {"notes": self.notes, "errors": self.errors, "mean_score": self.mean_score,
                "elements": self.element_rows(), "top_findings": self.top_findings(),
                "error_kinds": dict(self.error_kinds.most_common(10))}
