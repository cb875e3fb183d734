"""Standalone check of a gold batch: every record well-formed, every evidence quote in the text.
Usage: python3 validate.py writer-wNN.jsonl"""
import json, sys
ELEMENTS = ("pump_status", "dose_response", "change_reason", "reassessment", "incident_to", "drug_cost")
ALLOWED = {"pump_status": {"met", "partial", "missing", "not_applicable"},
           "dose_response": {"met", "missing"},
           "change_reason": {"met", "missing", "not_applicable"},
           "reassessment": {"met", "partial", "missing"},
           "incident_to": {"met", "missing", "not_applicable"},
           "drug_cost": {"met", "missing", "not_applicable"}}
ROLES = {"MD", "DO", "NP", "PA", "CNS", "RN", "LPN", "MA", ""}
FINDINGS = {"code-staff-physician-level", "code-reprogram-without-change", "code-change-billed-as-refill",
            "code-refill-without-refill", "code-analysis-with-refill", "code-mutually-exclusive",
            "code-programming-constant-flow", "drug-line-missing", "drug-billed-outside-supply",
            "drug-units-mismatch", "drug-compound-single-code", "drug-compound-invoice-missing",
            "drug-jw-jz-missing", "drug-jw-waste-undocumented", "em25-not-separate",
            "incident-to-virtual-not-allowed", "incident-to-payer-not-recognised", "refill-interval-early",
            "refill-interval-exceeds-stability", "residual-discrepancy-unexplained", "ziconotide-indication-missing"}
probs, ids, n = [], set(), 0
for ln, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.strip():
        continue
    n += 1
    try:
        r = json.loads(line)
    except Exception as e:
        probs.append(f"line {ln}: not JSON: {e}"); continue
    nid = r.get("note_id", f"line{ln}")
    if nid in ids: probs.append(f"{nid}: duplicate note_id")
    ids.add(nid)
    text = r.get("text") or ""
    if not text.strip(): probs.append(f"{nid}: empty text")
    if (r.get("author_role") or "") not in ROLES: probs.append(f"{nid}: author_role {r.get('author_role')!r}")
    labels = r.get("labels") or {}
    if set(labels) != set(ELEMENTS): probs.append(f"{nid}: labels keys {sorted(labels)}")
    for el in ELEMENTS:
        lab = labels.get(el) or {}
        st = lab.get("status")
        if st not in ALLOWED[el]: probs.append(f"{nid}: {el} status {st!r}")
        evs = lab.get("evidence") or []
        for ev in evs:
            if ev.get("text", "") not in text or not ev.get("text"):
                probs.append(f"{nid}: {el} evidence not an exact quote: {ev.get('text','')[:50]!r}")
        if st in ("met", "partial") and not evs: probs.append(f"{nid}: {el} {st} without evidence")
        if el == "pump_status" and st in ("met", "partial") and not {e.get("part") for e in evs} & {"before", "after"}:
            probs.append(f"{nid}: pump_status evidence needs part before/after")
        if el == "reassessment" and st in ("met", "partial") and not {e.get("part") for e in evs} & {"condition", "goals"}:
            probs.append(f"{nid}: reassessment evidence needs part condition/goals")
    v = r.get("visit")
    if not isinstance(v, dict) or v.get("refill") not in ("done", "attempted", "none") \
            or not isinstance(v.get("regimen_change"), bool) or "performer_role" not in v:
        probs.append(f"{nid}: visit must be {{refill: done|attempted|none, regimen_change: bool, performer_role: ROLE}}")
    for f in r.get("expected_findings") or []:
        if f not in FINDINGS: probs.append(f"{nid}: unknown finding {f!r}")
    if r.get("expected_findings") and not r.get("billed_codes"):
        probs.append(f"{nid}: expected_findings without billed_codes")
print(f"{n} notes, {len(probs)} problems")
for p in probs: print(" ", p)
sys.exit(1 if probs else 0)
