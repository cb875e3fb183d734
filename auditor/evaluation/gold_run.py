"""A gold split run through the audit and scored: what `auditor evaluate gold` does.

Why the other splits' visits join the run: refill intervals compare a visit
with the same patient's previous one, and the split was drawn per note, so a
held-out visit's predecessor is often in dev. A coding team audits a
patient's visits in one run; so does the evaluation. Those visits are audited
with the split's notes but never scored.
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
    patients = {str(n["patient_id"]) for n in notes if n.get("patient_id")}
    return [n for n in load_gold(path, "all") if n.get("split") != split and str(n.get("patient_id") or "") in patients]


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
    records = audit_rows(nlp or shared(), [*notes, *extra], batch_size=batch_size, mode=mode)[: len(notes)]
    result = score_records(notes, records)
    result["split"] = split
    result["context_visits"] = len(extra)
    result["mode"] = mode
    return result
