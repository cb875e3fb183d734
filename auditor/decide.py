"""Spans and facts -> element statuses with evidence (the guideline's logic).

Input is the plain dict the pipeline leaves on `doc._.pump`; nothing here
touches spaCy, so decisions are cheap to test and identical in every engine.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from auditor.elements import ELEMENTS, score

PHYSICIAN = frozenset({"MD", "DO"})
PRACTITIONER = frozenset({"NP", "PA", "CNS"})
STAFF = frozenset({"RN", "LPN", "MA"})
_POOR = re.compile(
    r"\b(?:no|not|worse\w*|inadequate|insufficient|poor\w*|minimal|little|partial|wearing|wears|fading|"
    r"waning|frequent|breakthrough|uncontrolled|suboptimal|escalat\w*|flare\w*|creeping|persistent|"
    r"despite|slip\w*|losing|lost|less\s+(?:relief|effective|control))\b",
    re.I,
)
MAX_EVIDENCE = 6
_BEFORE_WORDS = re.compile(r"\b(?:before|prior\s+to|pre[-\s]?(?:re)?fill|pre[-\s]?access)\b", re.I)
_REVIEWED_TODAY = re.compile(r"\b(?:today|reviewed|reaffirmed|revisited|re-?discussed|confirmed|updated|restated)\b", re.I)
_NEW_WORDS = re.compile(r"\b(?:new|next|updated|post|reset|after)\b", re.I)
_GOOD = re.compile(r"\b(?:controlled|well|good|relief|better|improved|resolved|none|no|minimal|rare|manageable|tolerable|stable)\b", re.I)
_SCORE = re.compile(r"(\d+)(?:\s*-\s*(\d+))?\s*/\s*10")
REASON_REACH = 1  # sentences (lines) a reason may sit from the change it explains
POOR_PAIN_SCORE = 6  # a pain score at or above this at the old dose implies inadequate relief
# a sentence with another action in it gives the reason for that action, not for the change
_OTHER_ACTION = re.compile(r"\b(?:referr?ed|refer|ordered|scheduled|prescribed|recommended|sent|consulted|refilled|refill|follow[-\s]?up|rtc|return)\b", re.I)
Span = dict[str, Any]


def _live(spans: Iterable[Span], *labels: str) -> list[Span]:
    return [s for s in spans if s["label"] in labels and not s["discounted_by"]]


def _discounted(spans: Iterable[Span], *labels: str) -> list[Span]:
    return [s for s in spans if s["label"] in labels and s["discounted_by"]]


def _overlaps(a: Span, b: Span) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def _merge(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping spans, in text order, at most MAX_EVIDENCE."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(s["end"] - s["start"]), s["start"])):
        if not any(_overlaps(s, o) for o in out):
            out.append(s)
    return sorted(out, key=lambda s: s["start"])[:MAX_EVIDENCE]


def _ev(s: Span, part: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"start": s["start"], "end": s["end"], "text": s["text"], "rule": s["rule"], "label": s["label"]}
    if part:
        e["part"] = part
    if s.get("sect"):
        e["sect"] = s["sect"]
    return e


def _almost(s: Span) -> dict[str, Any]:
    e = _ev(s)
    e["discounted_by"] = list(dict.fromkeys(s["discounted_by"]))
    return e


def _result(status: str, evidence: list[dict[str, Any]] = (), discounted: list[Span] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"status": status, "evidence": list(evidence), "discounted": [_almost(s) for s in _merge(list(discounted))]}




def _is_poor(s: Span) -> bool:
    """Does this response span document a problem at the dose (an implied reason for a change)?"""
    if any(m["cat"] == "NEGATED_EXISTENCE" for m in s.get("mods", [])):
        return False  # "no side effects on the current dose" is not a problem
    pol = s.get("polarity") or ""
    if pol == "symptom":  # a symptom at the dose is a problem unless it is said to be controlled
        return not _GOOD.search(s["text"])
    if pol == "score":
        m = _SCORE.search(s["text"])
        return bool(m) and int(m.group(2) or m.group(1)) >= POOR_PAIN_SCORE
    return pol == "poor" or (pol == "any" and bool(_POOR.search(s["text"])))


def _sentence_text(pump: Mapping[str, Any], text: str | None, idx: int) -> str:
    sents = pump.get("sentences") or []
    if text is None or not 0 <= idx < len(sents):
        return ""
    a, b = sents[idx]
    return text[a:b]


def _reason_near(r: Span, change_sents: set[int], pump: Mapping[str, Any], text: str | None) -> bool:
    """A reason counts in the change's sentence, or a neighbouring one that is about nothing else."""
    if "anywhere" in r["flags"] or r["sent"] in change_sents:
        return True
    if not any(0 < abs(r["sent"] - s) <= REASON_REACH for s in change_sents):
        return False
    return not _OTHER_ACTION.search(_sentence_text(pump, text, r["sent"]))


_ROLE_SYNONYMS = {
    "MD": "MD", "DO": "DO", "PHYSICIAN": "MD", "DR": "MD", "NP": "NP", "APRN": "NP", "FNP": "NP", "CRNP": "NP",
    "DNP": "NP", "NPC": "NP", "PA": "PA", "PAC": "PA", "CNS": "CNS", "RN": "RN", "BSN": "RN", "LPN": "LPN",
    "LVN": "LPN", "MA": "MA", "CMA": "MA", "RMA": "MA",
}


def normalise_role(value: Any) -> str | None:
    """'M.D.', 'md', 'PA-C', 'APRN' -> the contract's roles; None when empty or unknown."""
    if value is None:
        return None
    key = re.sub(r"[^A-Za-z]", "", str(value)).upper()
    return _ROLE_SYNONYMS.get(key) if key else None


def performer(facts: Mapping[str, Any], author_role: str | None) -> tuple[str | None, str]:
    """The performer's role and where it was read: the note's statement, its signature, then the column."""
    column = normalise_role(author_role)
    role = facts.get("performer_role")
    signer = facts.get("signer_role")
    if role and role != "SIGNER":
        return role, "note"
    if role == "SIGNER":
        return (signer, "signature") if signer else (column, "author_role")
    if signer:
        return signer, "signature"
    return column, "author_role"


def decide(pump: Mapping[str, Any], meta: Mapping[str, Any] | None = None, text: str | None = None) -> dict[str, Any]:
    """Statuses, evidence, facts and score for one note (`text` lets reasons be read in context)."""
    meta = meta or {}
    spans: list[Span] = pump.get("spans", [])
    facts: dict[str, Any] = dict(pump.get("facts") or {})
    els: dict[str, dict[str, Any]] = {}

    # --- what happened at this visit ------------------------------------------------
    refill_live = _live(spans, "EVT_REFILL")
    strong = [s for s in refill_live if "weak" not in s["flags"]]
    strong += [s for s in _live(spans, "PS_BEFORE", "PS_AFTER") if "refill" in s["flags"]]
    no_refill = _live(spans, "EVT_NO_REFILL")
    strong = [s for s in strong if not any(_overlaps(s, n) for n in no_refill)]
    # "here for refill" alone is an intention; it counts with a reading of the pump or a volume
    supported = bool(_live(spans, "PS_BEFORE")) or any("future_ok" not in s["flags"] for s in _live(spans, "PS_AFTER"))
    # (the instilled-volume fact is not used here: it cannot see "copied from the last visit")
    refill = bool(strong) or (bool(refill_live) and supported and not no_refill)
    before = _live(spans, "PS_BEFORE")
    after = _live(spans, "PS_AFTER")
    # a reservoir reading after the drug went in is the state after the refill,
    # as is any reading inside a post-refill section
    fills = [s["end"] for s in refill_live if "fill" in s["flags"]]
    first_fill = min(fills) if fills else None
    moved = [
        s for s in before
        if s.get("sect") == "post_refill" or (
            first_fill is not None and "positional" in s["flags"] and s["start"] >= first_fill
            and not _BEFORE_WORDS.search(_sentence_text(pump, text, s["sent"]))
        )
    ]
    # an alarm date read off the pump before the drug went in is the state before
    earlier = [
        s for s in after
        if first_fill is not None and "dated_state" in s["flags"] and s["end"] <= first_fill
        and not _NEW_WORDS.search(s["text"]) and s.get("sect") != "post_refill"
    ]
    before = [s for s in before if s not in moved and not any(_overlaps(s, a) for a in after)] + earlier
    after = [s for s in after if s not in earlier] + moved
    changes = [c for c in _live(spans, "CHANGE") if not any(_overlaps(c, n) for n in _live(spans, "NO_CHANGE"))]
    facts.update({
        "refill": refill,
        "interrogation": bool(_live(spans, "EVT_INTERROGATION")),
        "reprogramming": bool(_live(spans, "EVT_REPROGRAM")) or bool(changes),
        "regimen_change": bool(changes),
    })

    # --- 1. pump status ---------------------------------------------------------------
    if not refill:
        els["pump_status"] = _result("not_applicable")
    else:
        ev = [_ev(s, "before") for s in _merge(before)] + [_ev(s, "after") for s in _merge(after)]
        status = "met" if before and after else "partial" if (before or after) else "missing"
        els["pump_status"] = _result(status, ev, _discounted(spans, "PS_BEFORE", "PS_AFTER"))

    # --- 2. response to the current dose and rate -----------------------------------------
    resp = _live(spans, "RESPONSE")
    els["dose_response"] = _result("met" if resp else "missing", [_ev(s) for s in _merge(resp)], _discounted(spans, "RESPONSE"))

    # --- 3. reason for a change ------------------------------------------------------------
    if not changes:
        els["change_reason"] = _result("not_applicable", discounted=_discounted(spans, "CHANGE"))
    else:
        change_sents = {c["sent"] for c in changes}
        reasons = [r for r in _live(spans, "REASON") if _reason_near(r, change_sents, pump, text)]
        implied = [s for s in resp if _is_poor(s)]
        ev = [_ev(s) for s in _merge(reasons + implied)]
        ev_change = [_ev(s) for s in _merge(changes)][:2]
        unexplained = [] if ev else [{**c, "discounted_by": ["NO_REASON"]} for c in changes]
        els["change_reason"] = _result("met" if ev else "missing", ev + ev_change if ev else [], _discounted(spans, "REASON") + unexplained)

    # --- 4. reassessment ---------------------------------------------------------------------
    # goals from an older care plan count when the note says they were reviewed today
    goals = _live(spans, "GOALS") + [
        g for g in _discounted(spans, "GOALS")
        if set(g["discounted_by"]) <= {"HISTORICAL", "COPIED_FORWARD"} and _REVIEWED_TODAY.search(_sentence_text(pump, text, g["sent"]))
    ]
    goal_sents = {g["sent"] for g in goals}
    # "goal: keep working full-time" states an aim, not the patient's condition
    cond = [c for c in _live(spans, "CONDITION") if c["sent"] not in goal_sents]
    ev = [_ev(s, "condition") for s in _merge(cond)] + [_ev(s, "goals") for s in _merge(goals)]
    status = "met" if cond and goals else "partial" if (cond or goals) else "missing"
    els["reassessment"] = _result(status, ev, [d for d in _discounted(spans, "CONDITION", "GOALS") if d not in goals])

    # --- 5. incident-to -------------------------------------------------------------------------
    role, source = performer(facts, meta.get("author_role"))
    facts["performer_role"] = role
    facts["performer_source"] = source
    sup = _live(spans, "SUPERVISION")
    own = _live(spans, "OWN_NPI")
    facts["supervision"] = "virtual" if sup and all(s["virtual"] for s in sup) else ("direct" if sup else None)
    facts["own_npi"] = bool(own)
    if role in PHYSICIAN or (role in PRACTITIONER and own) or (role is None and not sup):
        els["incident_to"] = _result("not_applicable")
    else:
        els["incident_to"] = _result("met" if sup else "missing", [_ev(s) for s in _merge(sup)], _discounted(spans, "SUPERVISION"))

    # --- 6. drug cost ---------------------------------------------------------------------------
    buy = _live(spans, "PURCHASE")
    # an invoice to the practice means the practice bought it, whoever compounded or shipped it
    outside = [] if buy else _live(spans, "OUTSIDE_SUPPLY")
    facts["drug_supplier"] = None if not refill else ("outside" if outside else "practice")
    if not refill or outside:
        els["drug_cost"] = _result("not_applicable", [_ev(s) for s in _merge(outside)] if refill else [], [])
    else:
        els["drug_cost"] = _result("met" if buy else "missing", [_ev(s) for s in _merge(buy)], _discounted(spans, "PURCHASE"))

    statuses = {e: els[e]["status"] for e in ELEMENTS}
    return {"elements": {e: els[e] for e in ELEMENTS}, "score": score(statuses), "facts": facts}


