"""The coder's questions for a pump visit (A55239 as summarised by UTHealth, DOMAIN_REFERENCE 1.4),
answered from the note and the claim, stored as facts['claim_summary']."""
from __future__ import annotations

from typing import Any, Mapping

from auditor.checks import tables
from auditor.checks.incident_to import billed_incident_to
from auditor.checks.intervals import interval_inputs
from auditor.checks.visit import PHYSICIAN, Visit


def _service(v: Visit) -> str:
    if v.refill:
        return "refill and reprogramming" if v.regimen_change else "refill"
    if v.regimen_change:
        return "reprogramming"
    if v.facts.get("interrogation"):
        return "interrogation only"
    return "none documented"


def summarise(v: Visit) -> dict[str, Any]:
    conf = tables.codes()
    role, _ = v.performer
    em = [ln.raw or ln.code for ln in v.lines if conf["em_re"].match(ln.code)]
    from auditor.checks.coding import separate_em_work

    separate_work = separate_em_work(v) is not None if v.text else None
    supplier = v.supplier
    return {
        "service": _service(v),
        "refill": v.refill,
        "reprogramming": v.regimen_change,
        "drug_supplier": supplier,
        "drug_expense": None if supplier is None else ("practice" if supplier == "practice" else "outside pharmacy or patient"),
        "drug_lines": [ln.raw or ln.code for ln in v.lines if ln.code[0].isalpha()],
        "separate_em_billed": em,
        "separate_em_work_documented": separate_work,
        "performer": role,
        "physician_performed": role in PHYSICIAN,
        "payer": v.payer or None,
        "medicare": v.payer == "medicare" if v.payer else None,
        "medicare_advantage": v.payer == "medicare_advantage" if v.payer else None,
        "incident_to": billed_incident_to(v) if role else None,
        "supervision": v.facts.get("supervision"),
        "codes": [ln.raw or ln.code for ln in v.lines],
        "has_claim": v.has_claim,
        "visit": interval_inputs(v),
    }


def claim_summary(record: Mapping[str, Any], meta: Mapping[str, Any], text: str | None = None) -> dict[str, Any]:
    """Answers to the coder's questions; pass `text` so reasons and fill lines are read from the note."""
    return summarise(Visit(text=text or "", record=record, meta=meta or {}))
