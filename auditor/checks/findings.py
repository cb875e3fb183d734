"""Builds findings from the rule table: rules.json owns severity, wording and fix."""
from __future__ import annotations

from string import Formatter
from typing import Any, Iterable, Mapping

from auditor.checks.tables import rule_table

Finding = dict[str, Any]


class _Lenient(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


def evidence(text: str, spans: Iterable[Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    """Spans as {start, end, text} into the note, deduplicated, in text order; bad offsets dropped."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for s in spans:
        if not s:
            continue
        a, b = int(s["start"]), int(s["end"])
        if 0 <= a < b <= len(text):
            out[(a, b)] = {"start": a, "end": b, "text": text[a:b]}
    return [out[k] for k in sorted(out)]


def make(rule: str, text: str = "", spans: Iterable[Mapping[str, Any] | None] = (), **facts: Any) -> Finding:
    """One finding: message and fix filled from `facts` (unknown fields print as '?')."""
    row = rule_table()[rule]
    used = {k: v for k, v in facts.items() if v is not None}
    return {
        "rule": rule,
        "severity": row["severity"],
        "message": Formatter().vformat(row["message"], (), _Lenient(used)),
        "evidence": evidence(text, spans) if text else [],
        "facts": used,
        "fix": row["fix"],
    }
