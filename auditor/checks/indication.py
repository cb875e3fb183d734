"""Medical-necessity checks that ride on the claim: ziconotide's indication (DOMAIN_REFERENCE 1.6, R17)."""
from __future__ import annotations

from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import Visit


@note_check("ziconotide")
def ziconotide_indication(v: Visit) -> list[Finding]:
    if "ziconotide" not in v.pump_drugs:
        return []
    present = v.g.search(v.pat["ziconotide_present"])
    if not present or any(v.g.search(p) for p in v.pat["ziconotide_indication"]):
        return []
    return [make("ziconotide-indication-missing", v.text, [{"start": present.start(), "end": present.end()}], drug="ziconotide")]
