"""One note seen by the checks: pipeline facts, claim lines and what the
checks read from the text themselves (rules as data in patterns.json).

The pipeline's facts are reused where they are reliable; the extra facts the
checks need (a documented reason, a fill line's concentration, who did the
refill when the sentence is unusual) are read here so the pipeline stays
untouched. Every extracted value keeps its span for evidence.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from auditor.checks import tables
from auditor.checks.claims import ClaimLine, parse_claim
from auditor.dates import parse_date  # noqa: F401  re-exported for the interval checks
from auditor.normalize import Normalised, normalise
from auditor.textscan import TextView
from auditor.units import to_mcg

from auditor.roles import PHYSICIAN, PRACTITIONER, STAFF  # noqa: F401  the guideline's role sets, defined once

Span = dict[str, Any]


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _span(m: re.Match[str], group: int | str = 0) -> Span:
    return {"start": m.start(group), "end": m.end(group), "text": m.group(group)}


def mcg_per_ml(value: float, unit: str) -> float:
    return to_mcg(value, unit)


@dataclass
class Visit:
    """A note with its record and meta; properties are computed on first use."""

    text: str
    record: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)

    # ---- inputs ---------------------------------------------------------------------
    @cached_property
    def facts(self) -> Mapping[str, Any]:
        return self.record.get("facts") or {}

    @cached_property
    def lines(self) -> list[ClaimLine]:
        return parse_claim(self.meta.get("billed_codes"))

    @cached_property
    def codes(self) -> set[str]:
        return {ln.code for ln in self.lines}

    @cached_property
    def service_date(self) -> dt.date | None:
        return parse_date(self.meta.get("service_date"))

    @cached_property
    def payer(self) -> str:
        return str(self.meta.get("payer") or "").strip().lower()

    @cached_property
    def pat(self) -> dict[str, Any]:
        return tables.patterns()

    @cached_property
    def g(self) -> TextView:
        """The note seen through the checks' pattern gate: `self.g.finditer(p)` skips what cannot match."""
        return tables.pattern_gate().view(self.text)

    def _guarded(self, m: re.Match[str]) -> bool:
        """True when the match sits in planned/conditional wording ('will consider increasing')."""
        return self._guarded_at(m.start())

    def _guarded_at(self, start: int, key: str = "future_guard") -> bool:
        """The same test for a match starting at `start` in the note as written."""
        return any(g.search(self._clause_before(start)) for g in self.pat[key])

    def _clause_before(self, start: int) -> str:
        """The text of the clause before `start`, from its line start (a '~' ends a line in flattened exports)."""
        line_start = max(self.text.rfind("\n", 0, start), self.text.rfind("~", 0, start)) + 1
        return re.split(r"[.;]\s", self.text[line_start:start])[-1]

    def guarded_by(self, m: re.Match[str], key: str) -> bool:
        """True when the clause before the match matches a pattern of `key` (patterns.json)."""
        return self._guarded_at(m.start(), key)

    def _first(self, key: str, guard: bool = False) -> re.Match[str] | None:
        hits = [m for p in self.pat[key] for m in self.g.finditer(p) if not (guard and self._guarded(m))]
        return min(hits, key=lambda m: m.start()) if hits else None

    def _line_of(self, pos: int) -> str:
        a = self.text.rfind("\n", 0, pos) + 1
        b = self.text.find("\n", pos)
        return self.text[a: b if b >= 0 else len(self.text)]

    # ---- what happened: the visit model's decisions (auditor/visit.py), read, never re-decided ----
    @cached_property
    def events(self) -> Mapping[str, list[Span]]:
        return self.facts.get("events") or {}

    @cached_property
    def refill(self) -> bool:
        """Refilled at this visit (a failed or deferred attempt is not a refill)."""
        return bool(self.facts.get("refill"))

    @cached_property
    def refill_status(self) -> str:
        return self.facts.get("refill_status") or ("done" if self.refill else "none")

    @cached_property
    def refill_span(self) -> Span | None:
        spans = self.events.get("refill") or []
        return spans[0] if spans else None

    @cached_property
    def change_spans(self) -> list[Span]:
        return list(self.events.get("regimen_change") or [])

    @cached_property
    def concentration_change(self) -> bool:
        """The same drug at two concentrations (both stated as today's)."""
        by_drug: dict[str, set[float]] = {}
        for d in self.facts.get("drugs") or []:
            by_drug.setdefault(d["drug"], set()).add(round(mcg_per_ml(d["concentration"], d["unit"]), 3))
        return any(len(v) > 1 for v in by_drug.values())

    @cached_property
    def regimen_change(self) -> bool:
        return bool(self.facts.get("regimen_change"))

    @cached_property
    def performer(self) -> tuple[str | None, Span | None]:
        """Who did the service, as the visit model decided, with the span it read it from."""
        ev = self.facts.get("performer_evidence") or self.facts.get("signer_evidence")
        return self.facts.get("performer_role"), ev

    @cached_property
    def outside_supply(self) -> Span | None:
        """Evidence that an outside pharmacy or the patient supplied the drug."""
        if self.facts.get("drug_supplier") != "outside":
            return None
        spans = self.events.get("supplier") or []
        return spans[0] if spans else None

    @cached_property
    def supplier(self) -> str | None:
        return self.facts.get("drug_supplier")

    # ---- drugs -----------------------------------------------------------------------
    @cached_property
    def pump_drugs(self) -> list[str]:
        """Drugs with a stated concentration (in the pump), else the drugs named."""
        named = [d["drug"] for d in self.facts.get("drugs") or []]
        return sorted(set(named)) if named else list(self.facts.get("drug_names") or [])

    @cached_property
    def compounded(self) -> Span | None:
        """An admixture (two drugs in the pump) or compounding stated."""
        m = self.g.search(self.pat["compounded"])
        if m:
            return _span(m)
        drugs = self.facts.get("drugs") or []
        if len({d["drug"] for d in drugs}) > 1:
            return {k: drugs[1].get(k) for k in ("start", "end", "text")} if "start" in drugs[1] else None
        return None

    @cached_property
    def is_admixture(self) -> bool:
        """Two drugs in the pump, or compounding stated, except one drug said to be diluted: a pharmacy's
        dilution of a single drug ("morphine 12 mg/mL diluted from Infumorph 25 mg/mL by a 503B") keeps
        its own code, billed as the drug drawn from the vials (issue 12)."""
        drugs = {d["drug"] for d in self.facts.get("drugs") or []}
        if len(drugs) > 1:
            return True
        return bool(self.compounded) and not (len(drugs) == 1 and self.g.search(self.pat["drug_diluted"]))

    @cached_property
    def norm(self) -> Normalised:
        """The note as the rules read it (auditor/normalize.py), with the map back to the note as written:
        the fill line and the amounts read spoken and shorthand numbers ("instilled forty mL") as the rules do."""
        return normalise(self.text)

    @cached_property
    def fill(self) -> dict[str, Any] | None:
        """The fill line, read in the normalised text ("instilled forty mL" is 40 mL): volume, and a
        concentration or explicit amount stated with it; the span quotes the note as written."""
        best: tuple[int, dict[str, Any]] | None = None
        nt = self.norm
        for p in self.pat["fill"]:  # in priority order: verb-first wording wins
            if best:
                break
            for m in (p.finditer(nt.text) if nt.changed else self.g.finditer(p)):
                if self._guarded_at(nt.to_original(m.start())):
                    continue
                tail = m.group("tail") or ""
                out: dict[str, Any] = {"volume_ml": _num(m.group("vol")), "span": nt.span(m.start(), m.end()), "tail": tail}
                amt = self.pat["explicit_amount"].search(tail)
                if amt:
                    out["explicit"] = (_num(amt.group("val")), amt.group("unit").lower())
                if best is None or m.start() < best[0]:
                    best = (m.start(), out)
        return best[1] if best else self._fill_of_refill_event()

    def _fill_of_refill_event(self) -> dict[str, Any] | None:
        """The volume inside the visit model's refill event ("Put in 20 cc's of Gablofen ...", "20 mL Lioresal
        2000 mcg/mL (amp, 40 mg) in"), when no fill line pattern reads one: the refill is decided once, in the
        visit model, and its wording is not learnt twice. The tail is the rest of the line, as on a fill line."""
        events = (self.facts.get("events") or {}).get("refill") or []
        for ev in sorted((e for e in events if self.pat["fill_event_rule"].fullmatch(str(e.get("rule", "")))), key=lambda e: e["start"]):
            m = self.pat["event_volume"].search(self.text, ev["start"], ev["end"])
            if not m or self._guarded_at(m.start()):
                continue
            end = self.text.find("\n", m.end())
            tail = normalise(self.text[m.end(): min(end if end >= 0 else len(self.text), m.end() + 90)]).text
            out: dict[str, Any] = {"volume_ml": _num(m.group("vol")), "span": _span(m), "tail": tail, "from_event": True}
            amt = self.pat["explicit_amount"].search(tail)
            if amt:
                out["explicit"] = (_num(amt.group("val")), amt.group("unit").lower())
            return out
        return None

    def concentration_of(self, drug: str) -> float | None:
        """mcg/mL of `drug` as filled today: the fill line's, else the only (or last) one stated."""
        from auditor.components.facts import patterns as fact_patterns

        fp = fact_patterns()
        fill = self.fill
        alone = {d["drug"] for d in self.facts.get("drugs") or []} <= {drug}
        if fill:
            tail = fill["tail"]
            for m in self.pat["concentration"].finditer(tail):
                named = [fp.drug_of.get(n.group("drug").lower()) for n in fp.drug_name.finditer(tail[max(0, m.start() - 40):m.start()])]
                if named and named[-1] == drug:
                    return mcg_per_ml(_num(m.group("val")), m.group("unit"))
                if not named and alone:
                    return mcg_per_ml(_num(m.group("val")), m.group("unit"))
        concs = [mcg_per_ml(d["concentration"], d["unit"]) for d in self.facts.get("drugs") or [] if d["drug"] == drug]
        if not concs:
            return None
        return concs[-1]

    def amount_mcg(self, drug: str) -> tuple[float, Span | None] | None:
        """Amount of `drug` put in the pump today, in mcg (volume x concentration, else an explicit amount)."""
        fill = self.fill
        if not fill:
            return None
        conc = self.concentration_of(drug)
        if conc:
            return fill["volume_ml"] * conc, fill["span"]
        if fill.get("explicit") and not self.is_admixture:
            val, unit = fill["explicit"]
            return (val * 1000.0 if unit == "mg" else val), fill["span"]
        return None

    @cached_property
    def waste(self) -> tuple[float, Span] | None:
        """A discarded drug amount (not the residual aspirated from the pump)."""
        for p in self.pat["waste_documented"]:
            for m in self.g.finditer(p):
                line_start = self.text.rfind("\n", 0, m.start()) + 1
                if self.pat["waste_residual_context"].search(self.text[line_start:m.start() + len(m.group(0))]):
                    continue
                return _num(m.group("val")), _span(m)
        return None

    # ---- volumes -----------------------------------------------------------------------
    def _fact_value(self, key: str) -> tuple[float, Span] | None:
        """A volume the facts component read once, with where (components/facts.py `_residuals`)."""
        val, span = self.facts.get(f"{key}_ml"), self.facts.get(key)
        return (float(val), span) if val is not None and span else None

    @cached_property
    def residual_expected(self) -> tuple[float, Span] | None:
        return self._fact_value("residual_expected")

    @cached_property
    def residual_actual(self) -> tuple[float, Span] | None:
        return self._fact_value("residual_actual")

    @cached_property
    def reservoir_ml(self) -> float | None:
        r = self.facts.get("reservoir_ml")
        if r:
            return float(r)
        m = re.search(r"\b(?:synchromed(?:\s*ii)?|prometra(?:\s*ii)?|isomed|codman\s*3000)[^\n.]{0,15}?\b(10|18|20|30|35|40)\s*(?:ml|cc)\b", self.text, re.I)
        return float(m.group(1)) if m else None

    @cached_property
    def has_claim(self) -> bool:
        return bool(self.lines)
