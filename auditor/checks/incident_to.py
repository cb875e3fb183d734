"""Incident-to billing checks that depend on payer and date (DOMAIN_REFERENCE 3, 7).

Whether supervision is documented at all is the `incident_to` element; these
rules add what the element cannot know: the payer's policy and the date
window in which virtual (audio/video) presence counts.
"""
from __future__ import annotations

from auditor.checks import tables
from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import PHYSICIAN, PRACTITIONER, STAFF, Visit


def billed_incident_to(v: Visit) -> bool:
    """A non-physician's service billed under a physician (no own-NPI statement)."""
    role, _ = v.performer
    if role in STAFF:
        return True
    return role in PRACTITIONER and not v.facts.get("own_npi")


def virtual_counts(v: Visit) -> bool | None:
    """True/False for a configured payer and a known date; None when not judged."""
    conf = tables.payers()
    windows = conf.get("virtual_supervision_windows", {}).get(v.payer)
    if windows is None or v.service_date is None:
        return None
    day = v.service_date.isoformat()
    if any((w.get("from") or "0000") <= day <= (w.get("to") or "9999") for w in windows):
        excluded = set(conf.get("virtual_supervision_excluded_codes", []))
        return not (day >= conf.get("virtual_supervision_excluded_from", "9999") and v.codes & excluded)
    return False


@note_check("incident-to")
def incident_to_policy(v: Visit) -> list[Finding]:
    role, span = v.performer
    if role in PHYSICIAN or not billed_incident_to(v):
        return []
    out: list[Finding] = []
    if v.facts.get("supervision") == "virtual" and virtual_counts(v) is False:
        out.append(make("incident-to-virtual-not-allowed", v.text, [], payer=v.payer, service_date=v.meta.get("service_date")))
    conf = tables.payers()
    if role in PRACTITIONER:
        if v.payer in conf.get("incident_to_not_recognised", []):
            out.append(make("incident-to-payer-not-recognised", v.text, [span], performer=role, payer=v.payer,
                            policy="which does not recognise incident-to for NP/PA services"))
        elif v.payer in conf.get("incident_to_requires_sa_modifier", []) and not any(ln.has("SA") for ln in v.lines):
            out.append(make("incident-to-payer-not-recognised", v.text, [span], performer=role, payer=v.payer,
                            policy="which recognises it only with the SA modifier"))
    return out
