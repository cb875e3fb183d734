"""The visit's facts, decided once: refill, interrogation, regimen change, performer, supervision, supplier.

Why one place: whether an element applies (pump status needs a refill, a
change reason needs a change, incident-to needs a non-physician performer,
drug cost needs practice-supplied drug) and most claim findings rest on these
facts. Deciding them twice gave two answers; here they are decided from all
the evidence together (target spans after ConText, the extracted facts, the
input columns) and every front end reads the result from the record's
`facts`: `decide.py` for the elements, `checks/` for the claim, the workbench
and Spark through the record. Each decided event carries its evidence spans,
so a reviewer sees why the auditor thinks a refill or a change happened.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from auditor.dates import latest_mentioned, parse_date
from auditor.roles import PHYSICIAN, PRACTITIONER, normalise_role

Span = dict[str, Any]
REFILL_STATES = ("done", "attempted", "none")

_BEFORE_WORDS = re.compile(r"\b(?:before|prior\s+to|pre[-\s]?(?:re)?fill|pre[-\s]?access)\b", re.I)
_NEW_WORDS = re.compile(r"\b(?:new|next|updated|post|reset|after)\b", re.I)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


_NEGATING = frozenset({"NOT_DONE", "NEGATED_EXISTENCE", "COULD_NOT"})


def _negation_cues_inside(d: Span) -> list[Span]:
    """The negating cues inside `d`'s own text ("... were not reassessed today")."""
    return [
        m for m in d.get("mods", [])
        if m["cat"] in _NEGATING and m["cat"] in d["discounted_by"] and d["start"] <= m["start"] and m["end"] <= d["end"]
    ]


def _silenced_by(s: Span, d: Span, cues: list[Span]) -> bool:
    """Is shorter `s`, inside `d`, negated by one of `d`'s own cues in the same clause?"""
    if not (d["start"] <= s["start"] and s["end"] <= d["end"] and d["end"] - d["start"] > s["end"] - s["start"]):
        return False
    for m in cues:
        lo, hi = sorted((s["end"], m["start"])) if m["start"] >= s["end"] else sorted((m["end"], s["start"]))
        between = d["text"][max(0, lo - d["start"]): max(0, hi - d["start"])]
        if not _CLAUSE_END.search(between):
            return True
    return False


_CLAUSE_END = re.compile(r"[.;\n]")


# labels that document one element: a span negated from within silences the shorter spans it holds
_ELEMENT_OF = {"CONDITION": "reassessment", "GOALS": "reassessment", "PS_BEFORE": "pump_status", "PS_AFTER": "pump_status"}


def live(spans: Iterable[Span], *labels: str) -> list[Span]:
    """Spans of these labels that ConText did not discount, nor sit inside a longer span negated from within.

    "Overall condition and goals were not reassessed today" is negated by its own
    "not"; the shorter "Overall condition" inside it must not count on its own.
    """
    spans = list(spans)
    cands = [s for s in spans if s["label"] in labels]
    groups = {_ELEMENT_OF.get(label, label) for label in labels}
    negated = [
        (d, cues) for d in spans if d["discounted_by"] and _ELEMENT_OF.get(d["label"], d["label"]) in groups
        for cues in [_negation_cues_inside(d)] if cues
    ]
    return [
        s for s in cands
        if not s["discounted_by"] and not any(
            _ELEMENT_OF.get(d["label"], d["label"]) == _ELEMENT_OF.get(s["label"], s["label"]) and _silenced_by(s, d, cues)
            for d, cues in negated
        )
    ]


def discounted(spans: Iterable[Span], *labels: str) -> list[Span]:
    return [s for s in spans if s["label"] in labels and s["discounted_by"]]


def overlaps(a: Span, b: Span) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def sentence_text(pump: Mapping[str, Any], text: str | None, idx: int) -> str:
    sents = pump.get("sentences") or []
    if text is None or not 0 <= idx < len(sents):
        return ""
    a, b = sents[idx]
    return text[a:b]


def evidence_of(s: Span) -> dict[str, Any]:
    """A span as record evidence (offsets into the note as written, with the rule that found it)."""
    return {"start": s["start"], "end": s["end"], "text": s["text"], "rule": s["rule"], "label": s["label"]}


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", ".")) for n in _NUMBER.findall(text)]


def same_values(s: Span) -> bool:
    """A 'compare' change span whose old and new numbers are equal ('20 -> 20 mL/day') records no change."""
    if "compare" not in s["flags"]:
        return False
    nums = _numbers(s["text"])
    return len(nums) >= 2 and nums[0] == nums[1]


def performer_of(facts: Mapping[str, Any], author_role: str | None) -> tuple[str | None, str]:
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


@dataclass
class Visit:
    """What happened at this visit, with the spans each fact rests on."""

    refill: str = "none"
    refill_spans: list[Span] = field(default_factory=list)
    failed_spans: list[Span] = field(default_factory=list)
    before: list[Span] = field(default_factory=list)
    after: list[Span] = field(default_factory=list)
    interrogation: bool = False
    reprogramming: bool = False
    changes: list[Span] = field(default_factory=list)
    unchanged: list[Span] = field(default_factory=list)
    change_values: dict[str, Any] | None = None
    performer_role: str | None = None
    performer_source: str = "author_role"
    supervision: list[Span] = field(default_factory=list)
    own_npi: list[Span] = field(default_factory=list)
    purchase: list[Span] = field(default_factory=list)
    outside: list[Span] = field(default_factory=list)

    @property
    def refilled(self) -> bool:
        return self.refill == "done"

    @property
    def regimen_change(self) -> bool:
        return bool(self.changes)

    @property
    def supervision_kind(self) -> str | None:
        if not self.supervision:
            return None
        return "virtual" if all(s["virtual"] for s in self.supervision) else "direct"

    @property
    def drug_supplier(self) -> str | None:
        if not self.refilled:
            return None
        return "outside" if self.outside else "practice"

    def facts(self) -> dict[str, Any]:
        """The visit's facts as the record carries them (`facts` keys kept from the contract's first version)."""
        return {
            "refill": self.refilled,
            "refill_status": self.refill,
            "interrogation": self.interrogation,
            "reprogramming": self.reprogramming,
            "regimen_change": self.regimen_change,
            "change_values": self.change_values,
            "performer_role": self.performer_role,
            "performer_source": self.performer_source,
            "supervision": self.supervision_kind,
            "own_npi": bool(self.own_npi),
            "drug_supplier": self.drug_supplier,
            "events": {
                "refill": [evidence_of(s) for s in (self.refill_spans if self.refilled else self.failed_spans)[:4]],
                "regimen_change": [evidence_of(s) for s in self.changes[:4]],
                "no_change": [evidence_of(s) for s in self.unchanged[:2]],
                "supervision": [evidence_of(s) for s in self.supervision[:2]],
                "supplier": [evidence_of(s) for s in (self.outside or self.purchase)[:2]],
            },
        }


def _refill(v: Visit, spans: list[Span], pump: Mapping[str, Any], text: str | None) -> None:
    refill_live = live(spans, "EVT_REFILL")
    strong = [s for s in refill_live if "weak" not in s["flags"]]
    strong += [s for s in live(spans, "PS_BEFORE", "PS_AFTER") if "refill" in s["flags"]]
    no_refill = live(spans, "EVT_NO_REFILL")
    strong = [s for s in strong if not any(overlaps(s, n) for n in no_refill)]
    failed = [n for n in no_refill if "attempt" in n["flags"]]
    # "here for refill" alone is an intention; it counts with a reading of the pump or a volume
    supported = bool(live(spans, "PS_BEFORE")) or any("future_ok" not in s["flags"] for s in live(spans, "PS_AFTER"))
    done = bool(strong) or (bool(refill_live) and supported and not no_refill)
    fills = [s for s in refill_live if "fill" in s["flags"] and not any(overlaps(s, n) for n in no_refill)]
    if done and failed and not fills:
        # "septum not accessed after three passes, refill deferred": the attempt is not a refill,
        # unless drug demonstrably went in ("second pass successful, 20 mL instilled")
        done = False
    v.refill = "done" if done else ("attempted" if failed else "none")
    v.refill_spans = strong or refill_live
    v.failed_spans = failed
    before = live(spans, "PS_BEFORE")
    after = live(spans, "PS_AFTER")
    # a reservoir reading after the drug went in is the state after the refill, as is any
    # reading inside a post-refill section; an alarm date read before the fill is the state before
    first_fill = min((s["end"] for s in fills), default=None)
    moved = [
        s for s in before
        if s.get("sect") == "post_refill" or (
            first_fill is not None and "positional" in s["flags"] and s["start"] >= first_fill
            and not _BEFORE_WORDS.search(sentence_text(pump, text, s["sent"]))
        )
    ]
    earlier = [
        s for s in after
        if first_fill is not None and "dated_state" in s["flags"] and s["end"] <= first_fill
        and not _NEW_WORDS.search(s["text"]) and s.get("sect") != "post_refill"
    ]
    # a pasted row "Reservoir volume | 3.6 mL | 20.0 mL" is both readings ("both" rules)
    v.before = [
        s for s in before if s not in moved and not any(overlaps(s, a) and "both" not in a["flags"] for a in after)
    ] + earlier
    v.after = [s for s in after if s not in earlier] + moved


_NOW = re.compile(r"\b(?:today|now|this\s+(?:visit|refill|session))\b", re.I)
DATED_BEFORE_DAYS = 7  # a change dated this long before the visit happened at an earlier visit


def _date_changes(spans: list[Span], pump: Mapping[str, Any], text: str | None, service: dt.date | None) -> None:
    """Discount changes the note dates before this visit ("started 04/2024", "lowered in March 2025").

    ConText sees words, not dates; the visit model compares the date written beside
    a change with the service date. A change said to be today is never moved.
    """
    if text is None or service is None:
        return
    sents = pump.get("sentences") or []
    for s in spans:
        if s["label"] != "CHANGE" or s["discounted_by"] or not 0 <= s["sent"] < len(sents):
            continue
        a, b = sents[s["sent"]]
        window = text[max(a, s["start"] - 40): min(b, s["end"] + 40)]
        if _NOW.search(window):
            continue
        when = latest_mentioned(window)
        if when is not None and (service - when).days > DATED_BEFORE_DAYS:
            s["discounted_by"] = [*s["discounted_by"], "HISTORICAL"]
            s["mods"] = [*s.get("mods", []), {"cat": "HISTORICAL", "text": "[dated before this visit]", "start": s["start"], "end": s["start"]}]


def _change(v: Visit, spans: list[Span], facts: Mapping[str, Any]) -> None:
    v.unchanged = live(spans, "NO_CHANGE")
    v.changes = [
        c for c in live(spans, "CHANGE")
        if not any(overlaps(c, n) for n in v.unchanged) and not same_values(c)
    ]
    before, after = facts.get("dose_before"), facts.get("dose_after")
    if v.changes and before is not None and after is not None and before != after:
        v.change_values = {"daily_dose_before": before, "daily_dose_after": after, "unit": facts.get("dose_unit")}
    v.interrogation = bool(live(spans, "EVT_INTERROGATION"))
    v.reprogramming = bool(live(spans, "EVT_REPROGRAM")) or bool(v.changes)


def decide_visit(pump: Mapping[str, Any], meta: Mapping[str, Any] | None = None, text: str | None = None) -> Visit:
    """The visit model for one note, from the pipeline's output, the input columns and the text."""
    meta = meta or {}
    spans: list[Span] = pump.get("spans", [])
    facts: Mapping[str, Any] = pump.get("facts") or {}
    v = Visit()
    _date_changes(spans, pump, text, parse_date(meta.get("service_date")))
    _refill(v, spans, pump, text)
    _change(v, spans, facts)
    v.performer_role, v.performer_source = performer_of(facts, meta.get("author_role"))
    v.supervision = live(spans, "SUPERVISION")
    v.own_npi = live(spans, "OWN_NPI")
    v.purchase = live(spans, "PURCHASE")
    # an invoice to the practice means the practice bought it, whoever compounded or shipped it
    v.outside = [] if v.purchase else live(spans, "OUTSIDE_SUPPLY")
    return v


def incident_to_applies(v: Visit) -> bool:
    """The guideline's test: a non-physician performed it and does not bill under their own number."""
    role = v.performer_role
    return not (role in PHYSICIAN or (role in PRACTITIONER and v.own_npi) or (role is None and not v.supervision))
