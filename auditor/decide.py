"""Spans and facts -> element statuses with evidence (the guideline's logic).

Input is the plain dict the pipeline leaves on `doc._.pump`; nothing here
touches spaCy, so decisions are cheap to test and identical in every engine.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping


from auditor import rules
from auditor.elements import ELEMENTS, score
from auditor.visit import background_line, decide_visit, discounted, incident_to_applies, live, overlaps, sentence_text

MAX_EVIDENCE = 6
_SCORE = re.compile(r"(\d+)(?:\s*-\s*(\d+))?\s*/\s*10")
REASON_REACH = 1  # sentences (lines) a reason may sit from the change it explains
POOR_PAIN_SCORE = 6  # a pain score at or above this at the old dose implies inadequate relief
Span = dict[str, Any]


def _merge(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping spans, in text order, at most MAX_EVIDENCE."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(s["end"] - s["start"]), s["start"])):
        if not any(overlaps(s, o) for o in out):
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
    pol = s.get("polarity") or ""
    # "no side effects on the current dose" is not a problem; the "can't" of a poor response's own words
    # ("can't manage it on the current dose", "PTM not enough") is the problem itself
    if any(m["cat"] == "NEGATED_EXISTENCE" and not (pol == "poor" and s["start"] <= m["start"] < s["end"])
           for m in s.get("mods", [])):
        return False
    if _words("tolerable_side_effect").search(s["text"]):
        return False  # "mild ankle swelling": tolerated at this dose, not why it changed
    if pol == "symptom":  # a symptom at the dose is a problem unless it is said to be controlled
        return not _words("good_response").search(s["text"])
    if pol == "score":
        m = _SCORE.search(s["text"])
        return m is not None and int(m.group(2) or m.group(1)) >= POOR_PAIN_SCORE
    return pol == "poor" or (pol == "any" and bool(_words("poor_response").search(s["text"])) and not _words("absent_side_effect").search(s["text"]))


@lru_cache(maxsize=None)
def _words(name: str) -> re.Pattern[str]:
    """A word list of reason_words.json ("poor_response", "other_action", ...), compiled once."""
    return rules.compile_checked(rules.load_json("reason_words.json")[name], f"reason_words.json {name}")


def _reason_near(r: Span, change_sents: set[int], pump: Mapping[str, Any], text: str | None) -> bool:
    """A reason counts in the change's sentence, or a neighbouring one that is about nothing else.

    A rule flagged `far` names a clinical problem on its own ("not controlled", "pt is sedated",
    "on national backorder", a wean protocol): the story may tell it paragraphs from the change
    (HPI, then the plan), so it counts anywhere in the note, if it is asserted (no modifier that
    would discount a finding: "no sedation", "watch for withdrawal") and its sentence is about
    no other action. A connector ("because of", "so he can") explains only what is beside it."""
    if "anywhere" in r["flags"]:
        return True
    if "far" in r["flags"] and _qualified(r):
        return False
    if r["sent"] in change_sents:
        return True
    if "far" not in r["flags"] and not any(0 < abs(r["sent"] - s) <= REASON_REACH for s in change_sents):
        return False
    return not _words("other_action").search(sentence_text(pump, text, r["sent"]))




def _interval_problems(spans: list[Span]) -> list[Span]:
    """Far problems discounted only as history by an interval phrase ("over the last month ... more
    scissoring"): the interval since the last visit is where a change's reason lives."""
    return [s for s in spans if s["label"] == "REASON" and "far" in s["flags"] and s["discounted_by"]
            and set(s["discounted_by"]) == {"HISTORICAL"}
            and all(_words("interval_phrase").search(m["text"]) for m in s.get("mods") or () if m["cat"] == "HISTORICAL")]


def _qualified(s: Span) -> bool:
    """Is the span under a modifier (discount.json `far_reason`) cued outside its own words?
    ("no sedation", "watch for withdrawal"; not the "not" of "not controlled"). A section's modifier
    ("[warning_signs section]") is never the span's own words."""
    cats = _far_reason_discounts()
    return any(m["cat"] in cats and (m["text"].startswith("[") or not (s["start"] <= m["start"] < s["end"]))
               for m in s.get("mods") or ())


@lru_cache(maxsize=1)
def _far_reason_discounts() -> frozenset[str]:
    return frozenset(rules.discount_table().get("far_reason", ()))


def _corroborated(cond: list[Span], pump: Mapping[str, Any], text: str | None) -> tuple[list[Span], list[Span]]:
    """Condition spans that count, and single thin mentions that do not.

    A rule flagged `corroborate` names one fact (an illness, a fall, an oral-medication
    line). Alone, inside the patient's identification, diagnosis or indication line
    ("52 M, T6 SCI ... failed oral opioids", "Dx: pain after T-spine fracture"), it is
    background, not an assessment of overall condition: on the dev notes such lone
    mentions disagreed with the gold. Anywhere else, or beside a second finding, it
    counts. Inside a sentence about the pump's response ("spasms under control, mainly with the bowel
    program") such a lone mention is part of the response, not an assessment of its own.
    (Requiring a second finding everywhere gained a little more on the dev
    notes but lost 40 phrase-bank fragments that are whole assessments on their own.)
    A rule flagged `generic` ("no new issues", "denies new complaints") never counts alone:
    three writers of the dev gold each called such a note's condition missing.
    """
    if cond and all("generic" in c["flags"] for c in cond):
        # "no new issues", "denies new complaints" and nothing else: a pleasantry, not an assessment
        return [], [{**c, "discounted_by": ["GENERIC_MENTION_ALONE"]} for c in cond]
    responses = live(pump.get("spans") or [], "RESPONSE")
    thin = [
        c for c in cond if "corroborate" in c["flags"]
        and (any(r["sent"] == c["sent"] and not overlaps(r, c) for r in responses)
             or background_line().search(sentence_text(pump, text, c["sent"])))
    ]
    # one mention, however many rules matched its words ("gardening again": an activity and a return to it)
    if thin and len(thin) == len(cond) and len({c["sent"] for c in thin}) < 2 and len(_merge(list(thin))) < 2:
        return [], [{**c, "discounted_by": ["SINGLE_THIN_MENTION"]} for c in thin]
    return cond, []


def decide(pump: Mapping[str, Any], meta: Mapping[str, Any] | None = None, text: str | None = None) -> dict[str, Any]:
    """Statuses, evidence, facts and score for one note (`text` lets reasons be read in context).

    `spans` in the result are the spans as the visit model read them (copies of the pipeline's)."""
    meta = meta or {}
    facts: dict[str, Any] = dict(pump.get("facts") or {})
    els: dict[str, dict[str, Any]] = {}

    visit = decide_visit(pump, meta, text)
    spans = visit.spans
    refill = visit.refilled
    before, after, changes = visit.before, visit.after, visit.changes
    facts.update(visit.facts())
    facts.pop("performer_statements", None)  # read by the visit model; the record keeps the one it chose

    # --- 1. pump status ---------------------------------------------------------------
    if not refill:
        els["pump_status"] = _result("not_applicable")
    else:
        ev = [_ev(s, "before") for s in _merge(before)] + [_ev(s, "after") for s in _merge(after)]
        status = "met" if before and after else "partial" if (before or after) else "missing"
        els["pump_status"] = _result(status, ev, discounted(spans, "PS_BEFORE", "PS_AFTER"))

    # --- 2. response to the current dose and rate -----------------------------------------
    resp = live(spans, "RESPONSE")
    alone: list[Span] = []
    if resp and all("weak" in s["flags"] for s in resp):  # "no alarms since last refill" alone is a time, not a response
        resp, alone = [], [{**s, "discounted_by": ["WEAK_ALONE"]} for s in resp]
    els["dose_response"] = _result("met" if resp else "missing", [_ev(s) for s in _merge(resp)], discounted(spans, "RESPONSE") + alone)

    # --- 3. reason for a change ------------------------------------------------------------
    if not changes:
        els["change_reason"] = _result("not_applicable", discounted=discounted(spans, "CHANGE"))
    else:
        change_sents = {c["sent"] for c in changes}
        reasons = [r for r in live(spans, "REASON") + _interval_problems(spans) if _reason_near(r, change_sents, pump, text)]
        # "no new weakness" read as "new weakness": a problem the note denies is not a reason
        implied = [s for s in resp if _is_poor(s) and not any(
            o is not s and overlaps(o, s) and _words("absent_side_effect").match(o["text"]) for o in resp)]
        ev = [_ev(s) for s in _merge(reasons + implied)]
        ev_change = [_ev(s) for s in _merge(changes)][:2]
        unexplained = [] if ev else [{**c, "discounted_by": ["NO_REASON"]} for c in changes]
        els["change_reason"] = _result("met" if ev else "missing", ev + ev_change if ev else [], discounted(spans, "REASON") + unexplained)

    # --- 4. reassessment ---------------------------------------------------------------------
    # goals from an older care plan count when the note says they were reviewed today
    goals = live(spans, "GOALS") + [
        g for g in discounted(spans, "GOALS")
        if set(g["discounted_by"]) <= {"HISTORICAL", "COPIED_FORWARD"} and _words("reviewed_today").search(sentence_text(pump, text, g["sent"]))
    ]
    # a goal's own words ("goal: independent ambulation") state an aim, whether or not the goal counts
    goal_sents = {g["sent"] for g in goals} | {g["sent"] for g in spans if g["label"] == "GOALS"}
    # where the aim starts in its sentence: what the sentence tells before it ("You have started water
    # aerobics, and you would like to keep that up so you can travel") is the patient's condition
    aim_from: dict[int, int] = {}
    for g in sorted((g for g in spans if g["label"] == "GOALS"), key=lambda g: g["start"]):
        aim_from.setdefault(g["sent"], g["start"])
    # "goal: keep working full-time" states an aim, not the patient's condition
    cond, thin = _corroborated([c for c in live(spans, "CONDITION")
                                if c["sent"] not in goal_sents or c["end"] <= aim_from.get(c["sent"], -1)], pump, text)
    ev = [_ev(s, "condition") for s in _merge(cond)] + [_ev(s, "goals") for s in _merge(goals)]
    status = "met" if cond and goals else "partial" if (cond or goals) else "missing"
    els["reassessment"] = _result(status, ev, [d for d in discounted(spans, "CONDITION", "GOALS") if d not in goals] + thin)

    # --- 5. incident-to -------------------------------------------------------------------------
    sup = visit.supervision
    if not incident_to_applies(visit):
        els["incident_to"] = _result("not_applicable")
    else:
        els["incident_to"] = _result("met" if sup else "missing", [_ev(s) for s in _merge(sup)], discounted(spans, "SUPERVISION"))

    # --- 6. drug cost ---------------------------------------------------------------------------
    buy, outside = visit.purchase, visit.outside
    if not refill or outside:
        els["drug_cost"] = _result("not_applicable", [_ev(s) for s in _merge(outside)] if refill else [], [])
    else:
        els["drug_cost"] = _result("met" if buy else "missing", [_ev(s) for s in _merge(buy)], discounted(spans, "PURCHASE"))

    statuses = {e: els[e]["status"] for e in ELEMENTS}
    return {"elements": {e: els[e] for e in ELEMENTS}, "score": score(statuses), "facts": facts, "spans": spans}


