"""pump-auditor: audits intrathecal pain-pump visit notes against Medicare's documentation rules.

The small public API:

    import auditor
    nlp = auditor.load()                                 # the pipeline, built once
    record = auditor.audit_note(text, nlp, note_id="n1", author_role="RN")
    records = auditor.audit_rows(nlp, rows)              # rows: note_id, text, optional columns

Records follow ../shared/AUDIT_CONTRACT.md (`auditor.Record`).
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from auditor.record import Record

if TYPE_CHECKING:
    from spacy.language import Language

try:
    __version__ = version("pump-auditor")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["Record", "__version__", "audit_note", "audit_rows", "load"]


def load(fast: bool | None = None) -> "Language":
    """A fresh pipeline for a run (kept by the caller and reused for every batch)."""
    from auditor.pipeline import build, settle

    return settle(build(fast=fast))


def audit_rows(nlp: "Language", rows: Sequence[Mapping[str, Any]], batch_size: int = 50, intervals: bool = True) -> list[Record]:
    """One record per row, in order (see auditor.audit.audit_rows)."""
    from auditor.audit import audit_rows as _audit_rows

    return _audit_rows(nlp, rows, batch_size=batch_size, intervals=intervals)  # type: ignore[return-value]


def audit_note(text: str, nlp: "Language | None" = None, note_id: str = "note", **meta: Any) -> Record:
    """Audit one note (the workbench's and a notebook's entry point)."""
    from auditor.audit import audit_note as _audit_note

    return _audit_note(text, nlp, note_id=note_id, **meta)  # type: ignore[return-value]
