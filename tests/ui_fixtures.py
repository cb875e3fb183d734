"""Small hand-made records for the UI helper tests (no pipeline needed)."""
from __future__ import annotations

from typing import Any

from auditor.elements import ELEMENTS

TEXT = "Residual 3.0 mL aspirated. Will check goals next visit. Pain well controlled on current dose."


def record(statuses: dict[str, str] | None = None, score: float | None = 0.5, note_id: str = "n1",
           discounted: bool = False) -> dict[str, Any]:
    """A contract-shaped record; unspecified elements are not_applicable."""
    statuses = statuses or {}
    els: dict[str, Any] = {}
    for el in ELEMENTS:
        els[el] = {"status": statuses.get(el, "not_applicable"), "evidence": [], "discounted": []}
    if discounted:
        els["reassessment"]["discounted"] = [{"start": 27, "end": 54, "text": TEXT[27:54], "rule": "r",
                                              "label": "GOALS", "discounted_by": ["HYPOTHETICAL"]}]
    return {"note_id": note_id, "score": score, "elements": els, "findings": [], "facts": {}, "error": None}
