"""The per-note checks, registered by the modules that define them.

A check takes a Visit and returns findings; the runner calls every
registered check so adding a rule means adding one function.
"""
from __future__ import annotations

from typing import Callable

from auditor.checks.findings import Finding

NoteCheck = Callable[["Visit"], list[Finding]]  # type: ignore[name-defined]  # noqa: F821
NOTE_CHECKS: list[tuple[str, NoteCheck]] = []


def note_check(name: str) -> Callable[[NoteCheck], NoteCheck]:
    def register(fn: NoteCheck) -> NoteCheck:
        if any(n == name for n, _ in NOTE_CHECKS):
            raise ValueError(f"check {name!r} registered twice")
        NOTE_CHECKS.append((name, fn))
        return fn

    return register
