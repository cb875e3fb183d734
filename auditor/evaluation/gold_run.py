"""A gold split run through the audit and scored: what `auditor evaluate gold` does.

Why the other splits' visits join the run: refill intervals compare a visit
with the same patient's previous one, and the split was drawn per note, so a
held-out visit's predecessor is often in dev. A coding team audits a
patient's visits in one run; so does the evaluation. Those visits are audited
with the split's notes but never scored.

Why a patient is a writer's: each gold writer made up its own patient ids, and
writers who never saw each other reused the same ones ("P-1001" is three
different patients of three clinics). A real export's ids are one clinic's, so
the evaluation reads a patient as (source, patient_id): another writer's visit
is never taken for this patient's previous refill.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from auditor.evaluation.gold import load_gold
from auditor.evaluation.scoring import score_records

if TYPE_CHECKING:
    from spacy.language import Language


def context_visits(path: str | Path, notes: Sequence[Mapping[str, Any]], split: str) -> list[dict[str, Any]]:
    """The other splits' visits of the patients in `notes`: the run an interval check needs.

    Only their dates and fills are read by the audit, never their labels.
    """
    if split == "all":
        return []
    patients = {_patient(n) for n in notes if n.get("patient_id")}
    return [n for n in load_gold(path, "all") if n.get("split") != split and n.get("patient_id") and _patient(n) in patients]


def _patient(note: Mapping[str, Any]) -> str:
    """The patient a gold note is about: its writer's id, scoped by the writer's source."""
    return f"{note.get('source') or ''}/{note.get('patient_id')}"


def writers_patients(notes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The notes with each patient id scoped by its writer (see the module's docstring)."""
    return [{**n, "patient_id": _patient(n)} if n.get("patient_id") else dict(n) for n in notes]


def evaluate_file(path: str | Path, split: str = "dev", nlp: Language | None = None, batch_size: int = 50,
                  context: bool = True, mode: str | None = None) -> dict[str, Any]:
    """Audit the gold notes of `split` (with their meta columns) in `mode` and score the records.

    With `context`, the same patients' visits from other splits join the run
    (see `context_visits`) and are dropped before scoring.
    """
    from auditor.audit import audit_rows
    from auditor.learn import resolve_mode
    from auditor.pipeline import shared

    notes = load_gold(path, split)
    mode = resolve_mode(mode)
    extra = context_visits(path, notes, split) if context else []
    run = writers_patients([*notes, *extra])
    records = audit_rows(nlp or shared(), run, batch_size=batch_size, mode=mode)[: len(notes)]
    result = score_records(notes, records)
    result["split"] = split
    result["context_visits"] = len(extra)
    result["mode"] = mode
    return result
