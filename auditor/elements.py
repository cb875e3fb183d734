"""The annotation guideline in code: element ids, statuses and the score."""
from __future__ import annotations

from typing import Mapping

ELEMENTS: tuple[str, ...] = (
    "pump_status",
    "dose_response",
    "change_reason",
    "reassessment",
    "incident_to",
    "drug_cost",
)
STATUSES: tuple[str, ...] = ("met", "partial", "missing", "not_applicable")
ALLOWED: dict[str, frozenset[str]] = {
    "pump_status": frozenset({"met", "partial", "missing", "not_applicable"}),
    "dose_response": frozenset({"met", "missing"}),
    "change_reason": frozenset({"met", "missing", "not_applicable"}),
    "reassessment": frozenset({"met", "partial", "missing"}),
    "incident_to": frozenset({"met", "missing", "not_applicable"}),
    "drug_cost": frozenset({"met", "missing", "not_applicable"}),
}
VALUE: dict[str, float] = {"met": 1.0, "partial": 0.5, "missing": 0.0}
TITLES: dict[str, str] = {
    "pump_status": "Pump status before and after the refill",
    "dose_response": "Response to the current dose and rate",
    "change_reason": "Reason for any dose or drug change",
    "reassessment": "Reassessment of condition and treatment goals",
    "incident_to": "Incident-to supervision",
    "drug_cost": "Drug purchased by the practice",
}
# What a compliant note records for each element (from the guideline), shown
# to reviewers as non-leading tips.
TIPS: dict[str, str] = {
    "pump_status": "A compliant note records the pump's state before the refill (reservoir or residual volume, "
    "expected vs actual, alarm state) and after it (volume instilled, new reservoir volume, new alarm or "
    "next-refill date, pump confirmed infusing).",
    "dose_response": "A compliant note records how the patient is doing on the current intrathecal dose and rate: "
    "relief or its absence attributed to the pump, function, spasticity or pain control, side effects.",
    "change_reason": "When the regimen changes at this visit, a compliant note records why (inadequate relief, "
    "breakthrough pain, side effects, weaning, titration protocol, drug stability or supply).",
    "reassessment": "A compliant note records an assessment of overall condition beyond the pump (interval history, "
    "exam, function, medication or comorbidity review) and the treatment goals stated or reviewed today.",
    "incident_to": "When staff or an NP/PA bill under a physician, a compliant note names the supervising physician "
    "and records that they were present in the office suite during the service.",
    "drug_cost": "When the practice supplies the drug, a compliant note records that the practice bought it: "
    "purchase by the clinic, an invoice or purchase-order reference, or proof of purchase on file.",
}


def score(statuses: Mapping[str, str]) -> float:
    """Mean over applicable elements of met=1, partial=0.5, missing=0; 1.0 when none apply."""
    vals = [VALUE[s] for s in statuses.values() if s in VALUE]
    return round(sum(vals) / len(vals), 3) if vals else 1.0
