"""The one text-scan API for code that runs whole-note regex tables (facts, claim checks).

`pattern_gate(patterns).view(text).finditer(p)` is `p.finditer(text)`; with the fast
path on (auditor/fast) one Hyperscan pass first rules out the patterns that cannot
match, so a table of dozens of patterns costs one scan. Callers never import
auditor.fast themselves.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Optional, Protocol

from auditor import fast


class TextView(Protocol):
    text: str

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]: ...

    def search(self, pattern: re.Pattern[str]) -> Optional[re.Match[str]]: ...


class Gate(Protocol):
    def view(self, text: str) -> TextView: ...


class _PlainView:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text)

    def search(self, pattern: re.Pattern[str]) -> Optional[re.Match[str]]:
        return pattern.search(self.text)


class _PlainGate:
    def view(self, text: str) -> TextView:
        return _PlainView(text)


def pattern_gate(patterns: Iterable[re.Pattern[str]]) -> Gate:
    """A gate over a fixed family of patterns (by identity): fast when the fast path is on."""
    if fast.enabled():
        from auditor.fast.triage import PatternGate

        return PatternGate(patterns)
    return _PlainGate()


def flatten_patterns(table: Any) -> Iterator[re.Pattern[str]]:
    """Every compiled pattern in a nest of dicts, lists and tuples (a facts or checks table)."""
    if isinstance(table, re.Pattern):
        yield table
    elif isinstance(table, dict):
        for value in table.values():
            yield from flatten_patterns(value)
    elif isinstance(table, (list, tuple)):
        for value in table:
            yield from flatten_patterns(value)
