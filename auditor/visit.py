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
from bisect import bisect_right
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from auditor import rules
from auditor.dates import latest_mentioned, nearest_date, parse_date
from auditor.units import is_mg, mass_unit_after, to_mcg
from auditor.normalize import normalise
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


def _unit_kind(after: str) -> str | None:
    """What the unit written at the start of `after` measures (resources/visit.json value_kinds), if any."""
    return next((k for k, pat in _printouts().kinds.items() if pat.match(after)), None)


def derivation(s: Span, text: str | None) -> bool:
    """A compared change whose two values are of different kinds ("Infumorph 10 mg/mL -> 5 mg/day",
    "0.5 mL/day => 5 mg/day") works one value out from another: it records no change."""
    if "compare" not in s["flags"] or not text:
        return False
    nums = list(_NUMBER.finditer(s["text"]))
    if len(nums) < 2:
        return False
    first = _unit_kind(s["text"][nums[0].end():] + text[s["end"]:s["end"] + 20])
    second = _unit_kind(text[s["start"] + nums[-1].end():s["start"] + nums[-1].end() + 20])
    return first is not None and second is not None and first != second


def same_values(s: Span, text: str | None = None) -> bool:
    """A 'compare' change span whose old and new numbers are equal ('20 -> 20 mL/day'), or the same amount
    restated in other units ('750 mcg/day (was 0.75 mg/day)'), records no change."""
    if "compare" not in s["flags"]:
        return False
    nums = list(_NUMBER.finditer(s["text"]))
    if len(nums) < 2:
        return False
    a, b = (float(n.group(0).replace(",", ".")) for n in (nums[0], nums[1]))
    if a == b:
        return True
    if text is None:
        return False
    units = [mass_unit_after(text[s["start"] + n.end():s["start"] + n.end() + 14]) for n in (nums[0], nums[1])]
    if units[0] is None or units[1] is None or is_mg(units[0]) == is_mg(units[1]):
        return False
    mcg = [to_mcg(a, units[0]), to_mcg(b, units[1])]
    return abs(mcg[0] - mcg[1]) < 1e-6 * max(mcg)


def performer_of(facts: Mapping[str, Any], author_role: str | None, supervised: bool = False) -> tuple[str | None, str]:
    """The performer's role and where it was read: the note's statement, its signatures, then the column.

    When the note documents a physician supervising the service and one of its
    signatures is a non-physician's (an RN's procedure note under an MD's
    attestation), that non-physician performed it: nobody supervises themself.
    """
    column = normalise_role(author_role)
    role = facts.get("performer_role")
    signer = facts.get("signer_role")
    if role and role != "SIGNER":
        return role, "note"
    staff = [r for r in facts.get("signer_roles") or [] if r not in PHYSICIAN]
    if supervised and role != "SIGNER" and staff:
        return staff[0], "signature"
    if supervised and role is None and not staff and column in PHYSICIAN and signer in (None, *PHYSICIAN):
        pass  # the column's physician may be the supervisor; nothing better is known
    if role == "SIGNER":
        return (signer, "signature") if signer else (column, "author_role")
    if column and column not in PHYSICIAN and column in (facts.get("signer_roles") or ()):
        # the note's author signed it and is not a physician: a physician's addendum or attestation
        # signed after it does not make that physician the one who refilled the pump
        return column, "author_role"
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
    performer_evidence: Mapping[str, Any] | None = None
    performer_source: str = "author_role"
    supervision: list[Span] = field(default_factory=list)
    own_npi: list[Span] = field(default_factory=list)
    purchase: list[Span] = field(default_factory=list)
    outside: list[Span] = field(default_factory=list)
    # the pipeline's spans as the visit model read them (dated changes discounted, "carried out
    # today" lifted): copies, so deciding never edits the pipeline's output
    spans: list[Span] = field(default_factory=list)

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
            "performer_evidence": self.performer_evidence,
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
    # "refill deferred", "pump not accessed": put off before any needle went in, so no attempt
    # (every writer of the gold labels such a visit's refill none, not attempted)
    put_off = [n for n in no_refill if "deferred" in n["flags"]]
    # "here for refill" alone is an intention; it counts with a reading of the pump or a volume
    supported = bool(live(spans, "PS_BEFORE")) or any("future_ok" not in s["flags"] for s in live(spans, "PS_AFTER"))
    done = bool(strong) or (bool(refill_live) and supported and not no_refill)
    fills = [s for s in refill_live if "fill" in s["flags"] and not any(overlaps(s, n) for n in no_refill)]
    if done and (failed or put_off) and not fills:
        # "septum not accessed after three passes, refill deferred": the attempt is not a refill,
        # unless drug demonstrably went in ("second pass successful, 20 mL instilled")
        done = False
    final = [n for n in no_refill if "final" in n["flags"]]
    if done and fills and final and max(n["start"] for n in final) > max(s["start"] for s in fills):
        # "Instilled 20 mL ..." (carried forward) then "REFILL NOT COMPLETED TODAY ... No drug instilled":
        # the note's last word on the fill stands
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
    # a row with the reading before and after ("Res Vol   7.0 mL   40.0 mL" under Initial/Final) is both readings
    v.before += [a for a in after if "both" in a["flags"] and not any(overlaps(a, b) for b in v.before)]
    v.after = [s for s in after if s not in earlier] + moved


# words that place a change at this visit; not "now", which describes a state ("sleeps through the night now")
_NOW = re.compile(r"\b(?:today|this\s+(?:visit|refill|session))\b", re.I)
# what stands just before a statement that opens its own sentence, or a clause after another item's
_OPENS_SENTENCE = re.compile(r"[.!?]\s+$")
_AFTER_CLAUSE = re.compile(r"[;,]\s+$")
_LATE_SECTIONS = frozenset({"addendum", "attestation"})  # written after the note: its word on the visit stands
DATED_BEFORE_DAYS = 7  # a change dated this long before the visit happened at an earlier visit
DATE_REACH = 200  # characters of its sentence either side of a change in which a date places it


def _clause_start(sents: list[list[int]], text: str, k: int) -> int:
    """The first of the sentences that end in ';' or ',' just before sentence k: the splitter cuts
    "At last visit (10/31/2024) pain was worse; dose was increased ..." in two, the writer wrote one.
    So with the cells of one table row ("| 11/14/23 | 3.6 | bupi added |"): the row's date dates its change."""
    while k > 0:
        prev = text[sents[k - 1][0]:sents[k - 1][1]].rstrip()
        if not (prev.endswith((";", ",")) or (prev.endswith("|") and "\n" not in prev.strip())):
            break
        k -= 1
    return k


@lru_cache(maxsize=None)
def _discount_pattern(key: str) -> re.Pattern[str]:
    return rules.compile_checked(rules.discount_table()[key], f"resources/discount.json {key}")


def background_line() -> re.Pattern[str]:
    """resources/discount.json `background_line`: the identification, diagnosis or indication line."""
    return _discount_pattern("background_line")


def change_history_line() -> re.Pattern[str]:
    """resources/discount.json `change_history_line`: the identification or indication line."""
    return _discount_pattern("change_history_line")


def _placed(s: Span, cat: str, why: str) -> None:
    """Discount a change or refill the visit model places at another visit (`cat`: HISTORICAL before
    this one, PLANNED after it), saying why to the reviewer."""
    s["discounted_by"] = [*s["discounted_by"], cat]
    s["mods"] = [*s.get("mods", []), {"cat": cat, "text": why, "start": s["start"], "end": s["start"]}]


def _as_history(s: Span, why: str) -> None:
    _placed(s, "HISTORICAL", why)


def _background_changes(spans: list[Span], pump: Mapping[str, Any], text: str | None) -> None:
    """Discount changes told inside the identification, diagnosis or indication line ("52 M, T6 SCI,
    ... IT morphine stopped for pruritus", "Why she's on Prialt: ... switched to hydromorphone"):
    that line tells how the patient came to this therapy, not what this visit did."""
    if text is None:
        return
    for s in spans:
        if s["label"] != "CHANGE" or s["discounted_by"]:
            continue
        sents = pump.get("sentences") or []
        line = text[sents[_clause_start(sents, text, s["sent"])][0]:sents[s["sent"]][1]] if 0 <= s["sent"] < len(sents) else ""
        if change_history_line().search(line) and not _NOW.search(line):
            _as_history(s, "[background line]")


SINCE_REACH = 40  # characters before a change in which 'since' makes it an earlier change


def _since_changes(spans: list[Span], pump: Mapping[str, Any], text: str | None) -> None:
    """Discount a change told right after 'since' ("word-finding better since decrease to 3.0
    mcg/day"): an earlier change whose effect the note describes (resources/visit.json since_change).
    ConText cannot: the response rule holds 'since' and medspaCy drops a modifier inside a target."""
    if text is None:
        return
    sents = pump.get("sentences") or []
    for s in spans:
        if s["label"] != "CHANGE" or s["discounted_by"] or not 0 <= s["sent"] < len(sents):
            continue
        a = sents[s["sent"]][0]
        if _printouts().since.search(text[max(a, s["start"] - SINCE_REACH):s["start"]]):
            _as_history(s, "[since the change]")


DATED_EVENTS = ("CHANGE", "EVT_REFILL")  # events a date written beside them can place at an earlier visit
_SINCE_AFTER = re.compile(r"\bsince\b", re.I)
_EARLIER_EVENT = re.compile(
    r"\b(?:since|after|following)\s+(?:the|her|his|their|our|my)\s+(?:[\w/.-]+\s+){0,3}?"
    r"(?:increase|decrease|reduction|raise|bump|change|switch|adjustment|titration)\b"
    r"(?:\s+(?:in|on|of|at)\s+[\w/.-]+(?:\s+\d{2,4})?)?"
    r"|\bas\s+(?:planned|agreed|discussed|decided)\b[^;\n]{0,60}?(?:\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|(?:19|20)\d\d"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)", re.I)
_LINE_DATE_HEAD = re.compile(
    r"[ \t]*(?:[-*\u2022]\s*)?(?:(?:19|20)\d\d|\d{1,2}/(?:\d{1,2}/)?\d{2,4})(?=\s*[-:\u2013(]|\s+[A-Za-z])")  # a dated list item
_THEN = re.compile(r"[,;]\s*(?:and\s+)?(?:so|therefore|thus|hence|then)\b|\bso\s+(?:I|we)\b", re.I)  # a clause of its own


_PARAGRAPH_END = re.compile(r"\n[ \t]*\n")
_HEADER_DATE = re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/\d{2}(?:\d{2})?(?![\d/])|\d{4}-\d{2}-\d{2}")  # full dates: dates.parse_date reads them


def _late_entries(spans: list[Span], text: str | None, service: dt.date | None) -> None:
    """Discount what a late entry or addendum written after the visit day to answer an outside review says
    (LATE_ENTRY): the guideline counts addenda written the same day; an attestation written weeks later for
    an ADR or a records request documents the review, not the visit (resources/visit.json late_entry)."""
    if text is None or service is None:
        return
    for m in _printouts().late_entry.finditer(text):
        dates = [x for x in (parse_date(d.group(0)) for d in _HEADER_DATE.finditer(m.group(0))) if x is not None]
        if not dates or max(dates) <= service:
            continue
        end = _PARAGRAPH_END.search(text, m.end())
        a, b = m.start(), end.start() if end else len(text)
        for s in spans:
            if a <= s["start"] < b and "LATE_ENTRY" not in s["discounted_by"]:
                _placed(s, "LATE_ENTRY", f"[late entry written {max(dates).isoformat()}, after the visit]")


def _date_changes(spans: list[Span], pump: Mapping[str, Any], text: str | None, service: dt.date | None) -> None:
    """Discount changes and refills the note dates before this visit ("started 04/2024", "lowered in
    March 2025", "At 08/20/2025 refill the dose was increased").

    ConText sees words, not dates; the visit model compares the date written beside
    a change with the service date. A change said to be today is never moved.
    """
    sents = pump.get("sentences") or []
    if text is not None:
        _carried_out_today(spans, sents, text)
    if text is None or service is None:
        return
    # "... put in 20 mL, which shows 20.0 mL and the next alarm on August 29": the date of the next
    # alarm or refill is the state this refill left, not the date of an earlier event
    future = [(f["start"], f["end"]) for f in spans if "future_ok" in f["flags"] and not f["discounted_by"]]
    refilled_before: dict[int, list[Span]] = {}
    for s in spans:
        if s["label"] not in DATED_EVENTS or s["discounted_by"] or not 0 <= s["sent"] < len(sents):
            continue
        if s["label"] == "EVT_REFILL" and _refill_dated(s, text, service):
            if "HISTORICAL" in s["discounted_by"]:
                refilled_before.setdefault(s["sent"], []).append(s)
            continue  # its own date ("Refilled 02/13/2024 (not due today)") outweighs a 'today' beside it
        a, b = sents[_clause_start(sents, text, s["sent"])][0], sents[s["sent"]][1]
        lo, hi = max(a, s["start"] - DATE_REACH), min(b, s["end"] + DATE_REACH)
        line_start = text.rfind("\n", 0, s["start"]) + 1
        if _LINE_DATE_HEAD.match(text, line_start):
            lo = min(lo, line_start)  # "- 2018 SynchroMed II 40 mL ... IT morphine started 1.5 mg/day.": the item's date
        # "decreased to 400 mcg/day ... falls since the December increase": a date after 'since' past the
        # change starts a period the note describes; it does not date this change
        since = _SINCE_AFTER.search(text, s["end"], hi)
        hi = since.start() if since else hi
        # "both started after the March increase, so I have reduced her dose": a date inside a phrase naming
        # an earlier change starts the period the note describes; it does not date this change; nor does the
        # date of the visit where a change was planned ("increased ... as planned at the review on 15/04/2025")
        earlier = [(m.start(), m.end()) for m in _EARLIER_EVENT.finditer(text, lo, hi)
                   if m.start() >= s["end"] or (m.end() <= s["start"] and _THEN.search(text, m.end(), s["start"]))]
        earlier += [(m.start(), m.end()) for m in _printouts().plan_dated.finditer(text, lo, hi)]  # the plan's date
        # read as the rules read it: OCR'd digits repaired ('2O21-2O23' -> '2021-2023')
        window = normalise(_blanked(text, lo, hi, future + earlier)).text
        if _NOW.search(window):
            continue
        when = latest_mentioned(window, service)
        if when is not None and (service - when).days > DATED_BEFORE_DAYS:
            _as_history(s, "[dated before this visit]")
    # "Refilled here 10/7 by RN (20 mL instilled, residual matched expected)", seen 10/8: the volumes
    # told with an earlier day's refill are that refill's
    # but not across a "today" ("Last refilled 10/7 at OSH, today residual 3.2 mL aspirated ...")
    for s in spans:
        if _refill_evidence(s) and not s["discounted_by"] and any(
                not _NOW.search(text, min(r["end"], s["start"]), max(r["start"], s["end"]))
                for r in refilled_before.get(s["sent"], ())):
            _as_history(s, "[told with an earlier refill]")


def _refill_evidence(s: Span) -> bool:
    """A refill, or a reading that by itself says a refill was done ('residual 8.9 mL withdrawn')."""
    return s["label"] == "EVT_REFILL" or (s["label"] in ("PS_BEFORE", "PS_AFTER") and "refill" in s["flags"])


DATED_AFTER_DAYS = 3  # a refill dated this long after the visit is one to come


def _refill_dated(s: Span, text: str, service: dt.date) -> bool:
    """Discount a refill whose own date, written inside or right after it, is another day's ("Refilled here
    10/14", "refill as sched 11/10", "routine refill 11/2023", "1st refill 3/14 done"; resources/visit.json
    refill_date_within, refill_date, refill_date_before: "the 7/20 refill"). True when it did."""
    m = (_printouts().refill_date_within.search(text, s["start"], s["end"]) or _printouts().refill_date.match(text, s["end"])
         or _printouts().refill_date_before.search(text, max(0, s["start"] - 40), s["start"]))
    when = nearest_date(m, service) if m else None
    if when is None:
        return False
    days = (when - service).days
    if days < 0:  # its own date: any earlier day is another visit's refill ("Refilled here 10/7", seen 10/8)
        _as_history(s, "[dated before this visit]")
    elif days > DATED_AFTER_DAYS:
        _placed(s, "PLANNED", "[dated after this visit]")
    else:
        return False
    return True


def _blanked(text: str, lo: int, hi: int, stretches: Iterable[tuple[int, int]]) -> str:
    """text[lo:hi] with the given stretches blanked (same length): words that must not count there
    (next-alarm dates, an earlier change's date, a no-change statement's own "today")."""
    chars = list(text[lo:hi])
    for a, b in stretches:
        for k in range(max(a, lo), min(b, hi)):
            chars[k - lo] = " "
    return "".join(chars)


class _Printouts:
    """resources/visit.json: regimen rows of pasted programmer printouts and before/after lines."""

    def __init__(self) -> None:
        cfg = rules.load_json("visit.json")
        self.row = rules.compile_checked(cfg["regimen_row"], "resources/visit.json regimen_row", 0)
        self.pair = rules.compile_checked(cfg["before_after_lines"], "resources/visit.json before_after_lines", 0)
        self.same = rules.compile_checked(cfg["same_words"], "resources/visit.json same_words", 0)
        self.since = rules.compile_checked(cfg["since_change"], "resources/visit.json since_change")
        self.regimen_words = rules.compile_checked(cfg["regimen_words"], "resources/visit.json regimen_words", 0)
        self.regimen_object = rules.compile_checked(rules.expand(cfg["regimen_object"]), "resources/visit.json regimen_object", 0)
        self.carried_out_today = rules.compile_checked("|".join(f"(?:{x})" for x in cfg["carried_out_today"]),
                                                       "resources/visit.json carried_out_today", re.I)
        self.kinds = {k: rules.compile_checked(v, f"resources/visit.json value_kinds {k}", re.I)
                      for k, v in cfg["value_kinds"].items() if not k.startswith("_")}
        self.refill_date = rules.compile_checked(cfg["refill_date"], "resources/visit.json refill_date", re.I)
        self.refill_date_before = rules.compile_checked(cfg["refill_date_before"], "resources/visit.json refill_date_before", re.I)
        self.refill_date_within = rules.compile_checked(cfg["refill_date_within"], "resources/visit.json refill_date_within", re.I)
        self.late_entry = rules.compile_checked(cfg["late_entry"], "resources/visit.json late_entry", 0)
        self.away_today = rules.compile_checked(cfg["supervisor_away_today"], "resources/visit.json supervisor_away_today", 0)
        self.left = rules.compile_checked(cfg["supervisor_left"], "resources/visit.json supervisor_left", 0)
        self.left_not = rules.compile_checked(cfg["supervisor_left_not"], "resources/visit.json supervisor_left_not", re.I)
        self.named_physician = rules.compile_checked(cfg["named_physician"], "resources/visit.json named_physician", 0)
        self.stands_in_for = rules.compile_checked(cfg["stands_in_for"], "resources/visit.json stands_in_for", re.I)
        self.on_site = rules.compile_checked(cfg["on_site_words"], "resources/visit.json on_site_words", 0)
        self.trainee = rules.compile_checked(cfg["trainee_supervisor"], "resources/visit.json trainee_supervisor", 0)
        self.plan_dated = rules.compile_checked(cfg["plan_dated"], "resources/visit.json plan_dated", re.I)
        self.past_performer = rules.compile_checked(cfg["past_performer"], "resources/visit.json past_performer", 0)
        self.whole_no_change = rules.compile_checked(cfg["whole_no_change"], "resources/visit.json whole_no_change", 0)
        self.whole_no_change_prefix = rules.compile_checked(cfg["whole_no_change_prefix"],
                                                            "resources/visit.json whole_no_change_prefix", 0)
        self.whole_no_change_object = rules.compile_checked(cfg["whole_no_change_object"],
                                                            "resources/visit.json whole_no_change_object", 0)
        self.footnote_mark = rules.compile_checked(cfg["footnote_mark"], "resources/visit.json footnote_mark", 0)
        self.footnote_cancels = rules.compile_checked(cfg["footnote_cancels"], "resources/visit.json footnote_cancels", re.I)


@lru_cache(maxsize=1)
def _printouts() -> _Printouts:
    return _Printouts()


def _differ(a: str, b: str, same: re.Pattern[str]) -> bool:
    """Do two cells of a before/after row hold different settings?"""
    # a run-on line holds several fields ("Daily dose 4.0 mg/day -> 4.0 mg/day. Rate 0.400 -> 0.400 mL/day"):
    # each cell ends where its sentence does
    a, b = _CELL_END.split(a.strip(), 1)[0], _CELL_END.split(b.strip(), 1)[0]
    if same.match(b) or same.match(a) or ":" in a or ":" in b:
        return False  # "unchanged", or another field ("Bolus: none") in the next column
    if _VALUE.match(a) and _VALUE.match(b):
        return _numbers(a) != _numbers(b)
    if _MODE.fullmatch(a) and _MODE.fullmatch(b):
        return re.sub(r"\W+", " ", a).strip().lower() != re.sub(r"\W+", " ", b).strip().lower()
    return False  # a value against a label ("fentanyl 300 mcg/day" vs "Res. volume 11.2 mL"): no comparison


_VALUE = re.compile(r"[~<>\u2248]?\s*\d")
_CELL_END = re.compile(r"(?<=[A-Za-z)\]])\.\s+(?=[A-Z])")
_MODE = re.compile(r"(?i)(?:simple|complex|flex\w*|periodic|continuous|cont\.?|day/night|multiple[- ]rate|bolus|off|on|\s)+")


def printout_changes(text: str | None, pump: Mapping[str, Any]) -> list[Span]:
    """Regimen rows of a pasted printout, or before/after lines, whose values differ: changes today."""
    if not text:
        return []
    p = _printouts()
    sents = pump.get("sentences") or []
    starts = [a for a, _ in sents]
    out: list[Span] = []
    for pat in (p.row, p.pair):
        for m in pat.finditer(text):
            if pat is p.pair:
                if not (p.regimen_words.search(m["a"]) and p.regimen_words.search(m["b"])):
                    continue
                if _numbers(m["a"]) == _numbers(m["b"]) and m["a"].strip().lower() == m["b"].strip().lower():
                    continue
            elif not _differ(m["a"], m["b"], p.same):
                continue
            start, end = m.start("a") if pat is p.pair else m.start("label"), m.end("b")
            out.append({
                "label": "CHANGE", "rule": "visit-printout-row" if pat is p.row else "visit-before-after",
                "start": start, "end": end, "text": text[start:end], "sect": "",
                "sent": max(0, bisect_right(starts, start) - 1), "mods": [], "discounted_by": [],
                "polarity": "", "virtual": False, "flags": [],
            })
    return out


def _carried_out_today(spans: list[Span], sents: list[list[int]], text: str) -> None:
    """A change decided earlier but carried out at this visit is a change at this visit (guideline).

    ConText reads "approved last week" or "planned at the last visit" as history or a plan;
    when the same sentence says the change was carried out today, that discount is lifted.
    """
    for s in spans:
        if s["label"] != "CHANGE" or not s["discounted_by"] or not 0 <= s["sent"] < len(sents):
            continue
        if set(s["discounted_by"]) <= {"HISTORICAL", "PLANNED"}:
            a, b = sents[s["sent"]]
            if _printouts().carried_out_today.search(text[a:b]):
                s["discounted_by"] = []


def _without_object(c: Span, pump: Mapping[str, Any], text: str | None) -> bool:
    """A bare change verb ('reduced because ...', rule flag regimen_sentence) in a sentence that names no
    part of the regimen and no pump drug ('walking reduced since knee injury'): not a change of the pump."""
    return "regimen_sentence" in c["flags"] and not _printouts().regimen_object.search(sentence_text(pump, text, c["sent"]))


def _change(v: Visit, spans: list[Span], pump: Mapping[str, Any], printed: list[Span], text: str | None) -> None:
    v.unchanged = live(spans, "NO_CHANGE")
    v.changes = [
        c for c in live(spans, "CHANGE")
        if not any(overlaps(c, n) for n in v.unchanged) and not same_values(c, text) and not derivation(c, text)
        and not _without_object(c, pump, text)
    ]
    if any("overrides" in n["flags"] for n in v.unchanged):
        v.changes = []  # "unable to complete programming; pump left at prior settings": nothing was changed
    elif text is not None and any("today" in n["flags"] for n in v.unchanged):
        # "Dose unchanged today": a change written without saying it was made today is copied or another visit's
        # ... unless an addendum or attestation after it makes the change: the note's last word stands
        # ("Plan: no changes today." then "Attending addendum: ... I increased the myPTM bolus ...")
        last_no = max(n["end"] for n in v.unchanged if "today" in n["flags"])
        v.changes = [c for c in v.changes if _said_today(c, text, v.unchanged)
                     or (c.get("sect") in _LATE_SECTIONS and c["start"] > last_no)]
    if text is not None and v.changes and _last_word_unchanged(v.changes, v.unchanged, text):
        v.changes = []
    # a printout that shows a new setting is a change, whatever a "no changes" line says
    v.changes += [r for r in printed if not any(overlaps(r, c) for c in v.changes)]
    v.changes.sort(key=lambda s: s["start"])
    facts: Mapping[str, Any] = pump.get("facts") or {}
    before, after = facts.get("dose_before"), facts.get("dose_after")
    if v.changes and before is not None and after is not None and before != after:
        v.change_values = {"daily_dose_before": before, "daily_dose_after": after, "unit": facts.get("dose_unit")}
    v.interrogation = bool(live(spans, "EVT_INTERROGATION"))
    v.reprogramming = bool(live(spans, "EVT_REPROGRAM")) or bool(v.changes)


def _whole_no_change(n: Span, text: str) -> bool:
    """Is this no-change span a statement that nothing about the regimen changed (visit.json whole_no_change),
    opening its line or sentence?"""
    p = _printouts()
    m = p.whole_no_change.match(text, n["start"])
    if not m:
        return False
    before = text[text.rfind("\n", 0, n["start"]) + 1:n["start"]]
    # its own line (after a bullet or a label), or its own sentence; after ';' or ',' only when it names the
    # whole pump regimen ("..., no programming change"), not a bare "no change" that ends another item's clause
    return bool(p.whole_no_change_prefix.match(before) or _OPENS_SENTENCE.search(before)
                or (_AFTER_CLAUSE.search(before) and p.whole_no_change_object.search(m.group())))


def _last_word_unchanged(changes: list[Span], unchanged: list[Span], text: str) -> bool:
    """A single change statement (one sentence: two statements corroborate a change), not said to be today's
    and without before/after values, followed by a statement that nothing about the regimen changed: the
    note's last word stands (visit.json whole_no_change)."""
    if len({c["sent"] for c in changes}) > 1:
        return False
    if any(c["rule"].startswith("visit-") or len(set(_numbers(c["text"]))) > 1 or _said_today(c, text, unchanged)
           for c in changes):
        return False
    last = max(c["end"] for c in changes)
    return any(n["start"] >= last and _whole_no_change(n, text) for n in unchanged)


def _said_today(s: Span, text: str, unchanged: Iterable[Span] = ()) -> bool:
    """Does the line around a change say it was made today ('DECREASED today to 3.8 mg/day', 'at this refill')?

    The "today" of a no-change statement on the same line ("a new rate takes weeks to judge;
    no change made today") says the opposite, so those words are left out of the line.
    """
    a = text.rfind("\n", 0, s["start"]) + 1
    b = text.find("\n", s["end"])
    line = _blanked(text, a, b if b >= 0 else len(text), [(n["start"], n["end"]) for n in unchanged])
    return bool(_NOW.search(line) or _printouts().carried_out_today.search(line))


def _in_copied_section(row: Mapping[str, Any], spans: list[Span]) -> bool:
    """A printout row inside a copied-forward section (judged by the target spans around it)."""
    near = [s for s in spans if s.get("sect") and abs(s["start"] - row["start"]) < 200]
    return bool(near) and min(near, key=lambda s: abs(s["start"] - row["start"])).get("sect") == "previous_visit"


def _copied(at: Mapping[str, Any], spans: list[Span], pump: Mapping[str, Any]) -> bool:
    """Does this stretch of text sit in a copied-forward section, or a sentence whose spans are copied forward?"""
    if _in_copied_section(at, spans):
        return True
    starts = [a for a, _ in pump.get("sentences") or []]
    k = bisect_right(starts, at["start"]) - 1
    return k >= 0 and any(s["sent"] == k and "COPIED_FORWARD" in s["discounted_by"] for s in spans)


def _current_performer(facts: Mapping[str, Any], spans: list[Span], pump: Mapping[str, Any],
                       text: str | None = None, service: dt.date | None = None) -> Mapping[str, Any]:
    """The facts with the first performer statement that is not copied forward from an earlier visit
    ("Carried forward 04/29 note: Refill performed by J. Moran, RN ..." does not say who refilled today)
    nor about another day's service ("Failed access by RN yesterday": visit.json past_performer)."""
    statements = facts.get("performer_statements") or []
    sents = pump.get("sentences") or []
    starts = [a for a, _ in sents]

    def elsewhen(st: Mapping[str, Any]) -> bool:  # copied forward, or in a sentence about another day's service
        if _copied(st, spans, pump):
            return True
        k = bisect_right(starts, st["start"]) - 1
        if text is None or k < 0:
            return False
        a, b = sents[k]
        # the statement's own clause: "Performed by: J. Moran, RN   Last refill: 05/20" is today's RN
        left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, a, st["start"])), default=a)
        right = next((m.start() for m in _CLAUSE_BREAK.finditer(text, st["start"], b)), b)
        for m in _printouts().past_performer.finditer(text[left:right]):
            day = m.group("date")
            if day and service is not None and [int(x) for x in day.split("/")] == [service.month, service.day]:
                continue  # "For the 11/05/2024 refill: performed by me, L. Chen, RN" on 11/05/2024 is today's
            return True
        return False

    if not statements or not elsewhen(statements[0]):
        return facts
    fresh = [st for st in statements if not elsewhen(st)]
    out = {k: v for k, v in facts.items() if k not in ("performer_role", "performer_evidence")}
    if fresh:
        out["performer_role"] = fresh[0]["role"]
        out["performer_evidence"] = {k: fresh[0][k] for k in ("start", "end", "text")}
    return out


def decide_visit(pump: Mapping[str, Any], meta: Mapping[str, Any] | None = None, text: str | None = None) -> Visit:
    """The visit model for one note, from the pipeline's output, the input columns and the text."""
    meta = meta or {}
    spans: list[Span] = [dict(s) for s in pump.get("spans", [])]
    facts: Mapping[str, Any] = pump.get("facts") or {}
    v = Visit(spans=spans)
    service = parse_date(meta.get("service_date"))
    _late_entries(spans, text, service)
    _date_changes(spans, pump, text, service)
    _background_changes(spans, pump, text)
    _since_changes(spans, pump, text)
    _footnoted(spans, text)
    _refill(v, spans, pump, text)
    _change(v, spans, pump, [s for s in printout_changes(text, pump) if not _in_copied_section(s, spans)], text)
    _away_is_another(spans, pump, text)
    v.supervision = _not_trainee(_not_away(live(spans, "SUPERVISION"), pump, text, v.refill_spans), pump, text)
    facts = _current_performer(facts, spans, pump, text, service)
    v.performer_role, v.performer_source = performer_of(facts, meta.get("author_role"), bool(v.supervision))
    v.performer_evidence = facts.get("performer_evidence")
    v.own_npi = live(spans, "OWN_NPI")
    v.purchase, v.outside = _supplier(live(spans, "PURCHASE"), live(spans, "OUTSIDE_SUPPLY"), facts)
    return v


_FOOTNOTED = ("CHANGE", "EVT_REFILL")


def _footnoted(spans: list[Span], text: str | None) -> None:
    """Discount a change or refill whose line carries a footnote mark when the footnote, a later line
    opening with that mark, says it was not carried out ("Dose \u2191 5%*" ... "* NOT done - mom prefers
    to wait"): the writer put the qualifier at the foot of the note (resources/visit.json footnote_mark)."""
    p = _printouts()
    if not text or not p.footnote_mark.search(text):
        return
    for s in spans:
        if s["label"] not in _FOOTNOTED or s["discounted_by"]:
            continue
        line_end = text.find("\n", s["end"])
        line_end = len(text) if line_end < 0 else line_end
        for mark in p.footnote_mark.finditer(text, s["start"], line_end):
            foot = re.search(r"(?m)^[ \t]*" + re.escape(mark.group(0)) + r"(?![*])[ \t]*(.+)$", text[line_end:])
            if foot and p.footnote_cancels.match(foot.group(1)):
                _placed(s, "NOT_DONE", f"[footnote {mark.group(0)}: not carried out]")
                break


def _supplier(purchase: list[Span], outside: list[Span], facts: Mapping[str, Any]) -> tuple[list[Span], list[Span]]:
    """Who supplied the drug: the practice's purchase statements, or an outside pharmacy's.

    An invoice to the practice means the practice bought it, whoever compounded or shipped it. A purchase
    claimed without any invoice ("Drug source | Practice purchased | (default)", "Medication source:
    practice-purchased stock") yields to a later statement that an outside pharmacy supplied it: typed
    text after a template's default is the writer correcting it.
    """
    if not purchase:
        return [], outside
    if outside and not facts.get("invoice_ref") and max(o["start"] for o in outside) > max(p["start"] for p in purchase):
        return [], outside
    return purchase, []


def _not_away(supervision: list[Span], pump: Mapping[str, Any], text: str | None,
              refills: Sequence[Span] = ()) -> list[Span]:
    """Supervision statements, less those naming a physician the note says was away today: the narrative's
    "Dr. Iyer out of office today" outweighs the template's "Supervising physician: Ramesh Iyer, MD   Present".
    A statement naming no physician ("[x] Supervising MD on site") yields to the away statement too.
    A physician who left before the refill is told ("1440 Dr. Patel left clinic for OR" ... "1515 Refilled")
    is away for it (resources/visit.json supervisor_left)."""
    if text is None or not supervision:
        return supervision
    away = {m["name"] for m in _printouts().away_today.finditer(text)}
    left = _left_before_refill(text, refills)
    if left:
        # a departure outweighs only what was said before it: "Dr. Patel present in suite" after it stands
        first = min(m.start() for m in left)
        supervision = [s for s in supervision if s["start"] > first or not _about_departed(sentence_text(pump, text, s["sent"]), left)]
    if not away:
        return supervision
    kept = []
    sents = pump.get("sentences") or []
    for s in supervision:
        sentence = sentence_text(pump, text, s["sent"])
        named = _nearest_physician(sentence, s["start"] - sents[s["sent"]][0], s["end"] - sents[s["sent"]][0]) if sentence else None
        if named is not None and not any(re.search(rf"\b{re.escape(n)}\b", named) for n in away):
            kept.append(s)  # "was Dr. Alvarez, present in the suite - not Dr. Chen (Dr. Chen was off site today)"
            continue
        if any(re.search(rf"\b{re.escape(n)}\b", sentence) for n in away):
            continue  # names the physician who was away
        if not _printouts().named_physician.search(sentence) and _printouts().on_site.search(sentence):
            continue  # "[x] Supervising MD on site" names nobody: the away physician is the one it means
        kept.append(s)
    return kept


def _left_before_refill(text: str, refills: Sequence[Span]) -> list[re.Match[str]]:
    """Departures told before the last refill span ("1440 Dr. Patel left clinic for OR"), less those whose line
    says the physician came back or left afterwards (visit.json supervisor_left_not)."""
    p = _printouts()
    last_fill = max((r["start"] for r in refills), default=-1)
    out = []
    for m in p.left.finditer(text):
        line_end = text.find("\n", m.end())
        if m.start() < last_fill and not p.left_not.search(text, m.start(), len(text) if line_end < 0 else line_end):
            out.append(m)
    return out


def _about_departed(sentence: str, left: list[re.Match[str]]) -> bool:
    """Does a supervision sentence name a departed physician, or no physician at all?"""
    return not _printouts().named_physician.search(sentence) or any(
        re.search(rf"\b{re.escape(m['name'])}\b", sentence) for m in left)


def _nearest_physician(sentence: str, start: int, end: int) -> str | None:
    """The physician the sentence names nearest a statement (at `start`:`end` in it), if it names any."""
    found = list(_printouts().named_physician.finditer(sentence))
    if not found:
        return None
    near = min(found, key=lambda m: max(0, m.start() - end, start - m.end()))
    rest = _MORE_NAME.match(sentence, near.end())  # "Dr. Samuel" -> "Dr. Samuel Ames"
    return sentence[near.start():rest.end() if rest else near.end()]


_MORE_NAME = re.compile(r"(?:\s+[A-Z][\w'-]+){0,2}")


_CLAUSE_BREAK = re.compile(r"[.;:()\[\],]|\s[-\u2013]\s|[ \t]{2,}|\n")


_TITLES = frozenset({"Dr", "MD", "DO", "M", "D", "O"})


def _surname(name: str) -> str:
    words = [w for w in re.findall(r"[A-Z][\w'-]*", name) if w.rstrip(".") not in _TITLES]
    return words[-1] if words else name


def _away_is_another(spans: list[Span], pump: Mapping[str, Any], text: str | None) -> None:
    """Clear an off-site cue that belongs to another physician: in "Supervising physician in clinic: Dr. Tran
    (Dr. Haines, pt's physician, at the hospital today)" the hospital is Dr. Haines's, not the supervisor's.
    A cue belongs to the physician named last before it, unless that name is the one stood in for ("Dr. Tran
    for Dr. Haines, available by pager"; resources/visit.json stands_in_for); the statement's physician is the one it names, or the first named
    after it ("... in clinic: Dr. Tran")."""
    if text is None:
        return
    sents = pump.get("sentences") or []
    names = _printouts().named_physician
    for s in spans:
        if s["label"] != "SUPERVISION" or set(s["discounted_by"]) != {"INDIRECT_SUPERVISION"} or not 0 <= s["sent"] < len(sents):
            continue
        lo, hi = sents[s["sent"]]
        found = [(lo + m.start(), lo + m.end(), _surname(m.group(0))) for m in names.finditer(text[lo:hi])]
        owner = [n for n in found if s["start"] <= n[0] < s["end"]] or [n for n in found if n[0] >= s["end"]][:1]
        cues = [m for m in s.get("mods", []) if m["cat"] == "INDIRECT_SUPERVISION"]
        if not owner or not cues:
            continue
        cue_owners = [[n for n in found if n[1] <= c["start"]][-1:] for c in cues]
        if all(o and o[0][2] != owner[0][2] and not _printouts().stands_in_for.search(text, max(lo, o[0][0] - 30), o[0][0]) for o in cue_owners):
            s["discounted_by"] = []


def _not_trainee(supervision: list[Span], pump: Mapping[str, Any], text: str | None) -> list[Span]:
    """Supervision statements, less those whose sentence names only a physician in training as present
    (resources/visit.json trainee_supervisor): 'Dr. Patel (PGY3) present' supervises nobody for incident-to."""
    if text is None or not supervision:
        return supervision
    p = _printouts()
    kept = []
    for s in supervision:
        sentence = sentence_text(pump, text, s["sent"])
        trainees = list(p.trainee.finditer(sentence))
        named = [m for m in p.named_physician.finditer(sentence) if not any(t.start() <= m.start() < t.end() for t in trainees)]
        if trainees and not named:
            continue
        kept.append(s)
    return kept


def incident_to_applies(v: Visit) -> bool:
    """The guideline's test: a non-physician performed it and does not bill under their own number."""
    role = v.performer_role
    return not (role in PHYSICIAN or (role in PRACTITIONER and v.own_npi) or (role is None and not v.supervision))
