"""The guideline's roles, defined once: who is a physician, a practitioner, clinical staff.

Every part that reasons about who did the service (the visit model, the
incident-to element, the claim checks, the workbench) reads these sets.
"""
from __future__ import annotations

import re
from typing import Any

PHYSICIAN = frozenset({"MD", "DO"})
PRACTITIONER = frozenset({"NP", "PA", "CNS"})
STAFF = frozenset({"RN", "LPN", "MA", "PharmD"})  # a pharmacist refilling under a physician is auxiliary personnel, like an RN
ROLES = PHYSICIAN | PRACTITIONER | STAFF
# the `author_role` input column's values (AUDIT_CONTRACT), in the contract's order; PharmD is an output extension
CONTRACT_ROLES = ("MD", "DO", "NP", "PA", "CNS", "RN", "LPN", "MA")

_SYNONYMS = {
    "MD": "MD", "DO": "DO", "PHYSICIAN": "MD", "DR": "MD", "NP": "NP", "APRN": "NP", "FNP": "NP", "CRNP": "NP",
    "DNP": "NP", "NPC": "NP", "PA": "PA", "PAC": "PA", "CNS": "CNS", "RN": "RN", "BSN": "RN", "LPN": "LPN",
    "LVN": "LPN", "MA": "MA", "CMA": "MA", "RMA": "MA", "PHARMD": "PharmD", "RPH": "PharmD", "PHARMACIST": "PharmD",
}


def normalise_role(value: Any) -> str | None:
    """'M.D.', 'md', 'PA-C', 'APRN' -> the contract's roles; None when empty or unknown."""
    if value is None:
        return None
    key = re.sub(r"[^A-Za-z]", "", str(value)).upper()
    return _SYNONYMS.get(key) if key else None
