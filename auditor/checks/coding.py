"""Procedure-code checks: performer level, reprogramming, refill, bundling, E/M-25.

DOMAIN_REFERENCE 2.1-2.3: 95991/62370 need a physician or QHP; 62368-62370
need a prescription change; 62367-62370 exclude 95990/95991; programmable
codes need a programmable pump; modifier 25 needs separate E/M work.
"""
from __future__ import annotations

from typing import Any

from auditor.checks import tables
from auditor.checks.claims import fmt
from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import STAFF, Visit


def _fam(name: str) -> set[str]:
    return set(tables.codes()["families"][name])


def _lines(v: Visit, family: str) -> str:
    fam = _fam(family)
    return fmt(ln for ln in v.lines if ln.code in fam)


@note_check("code-performer")
def staff_at_physician_level(v: Visit) -> list[Finding]:
    role, span = v.performer
    if role in STAFF and v.codes & _fam("physician_level"):
        return [make("code-staff-physician-level", v.text, [span], codes=_lines(v, "physician_level"), performer=role)]
    return []


@note_check("code-reprogramming")
def reprogramming(v: Visit) -> list[Finding]:
    out: list[Finding] = []
    reprog = v.codes & _fam("reprogramming")
    if reprog and not v.regimen_change:
        out.append(make("code-reprogram-without-change", v.text, [], codes=_lines(v, "reprogramming")))
    constant = v.facts.get("pump_type") == "constant_flow"
    refill_only = v.codes & _fam("refill") and not v.codes & _fam("reprogram_refill")
    if v.refill and v.regimen_change and refill_only and not constant:
        out.append(make("code-change-billed-as-refill", v.text, v.change_spans[:3], codes=_lines(v, "refill")))
    if constant and v.codes & _fam("programming"):
        out.append(make("code-programming-constant-flow", v.text, [], codes=_lines(v, "programming"), pump_type="constant_flow"))
    return out


@note_check("code-refill")
def refill_codes(v: Visit) -> list[Finding]:
    if v.codes & _fam("with_refill") and not v.refill:
        return [make("code-refill-without-refill", v.text, [], codes=_lines(v, "with_refill"))]
    return []


@note_check("code-bundling")
def bundling(v: Visit) -> list[Finding]:
    out: list[Finding] = []
    if v.codes & _fam("analysis") and v.codes & _fam("with_refill"):
        out.append(make("code-analysis-with-refill", v.text, [], codes=fmt(ln for ln in v.lines if ln.code in _fam("analysis") | _fam("with_refill"))))
    if v.codes & _fam("programming") and v.codes & _fam("refill"):
        out.append(make("code-mutually-exclusive", v.text, [], codes=fmt(ln for ln in v.lines if ln.code in _fam("programming") | _fam("refill"))))
    return out


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(c, 0, start) for c in ".;\n") + 1
    ends = [i for i in (text.find(c, end) for c in ".;\n") if i >= 0]
    return text[a: min(ends) if ends else len(text)]


def separate_em_work(v: Visit) -> dict[str, Any] | None:
    """The first statement of E/M work beyond the pump (a new problem, a work-up, a systemic drug), or None.

    A 'new' symptom tied in its sentence to the pump's dose or rate is the
    pump's own side effect: reviewing it is part of the procedure (DOMAIN_REFERENCE 2.3).
    """
    for p in v.pat["em_separate_work"]:
        for m in v.g.finditer(p):
            if v.pat["em_pump_side_effect"].search(_sentence(v.text, m.start(), m.end())) or v.guarded_by(m, "em_separate_guard"):
                continue
            return {"start": m.start(), "end": m.end(), "text": m.group(0)}
    return None


@note_check("em25")
def em_with_25(v: Visit) -> list[Finding]:
    conf = tables.codes()
    em = [ln for ln in v.lines if conf["em_re"].match(ln.code) and ln.has(conf["separate_em_modifier"])]
    if not em or separate_em_work(v):
        return []
    return [make("em25-not-separate", v.text, [], codes=fmt(em),
                 computation="no new problem, work-up, systemic medication or referral beyond the pump's own review")]
