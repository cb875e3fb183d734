"""How much of a drug went into the pump today, with the arithmetic a coder can check.

Why a module of its own: the billable amount of a diluted drug is what was
drawn from the vials (equivalently final volume x final concentration), not
the fill volume x the vial's concentration (DOMAIN_REFERENCE 2.4, 4.4). A note
documents it in one of three ways, tried in this order:

1. a preparation: "Prialt 100 mcg/mL 2 mL vial + 18 mL PF NS = 20 mL at 10 mcg/mL"
   (final volume x final concentration; an amount written in the same line,
   "(200 mcg)", or the volume drawn x the vial's concentration, "drew 2 mL of
   Prialt 100 mcg/mL", are equivalent readings);
2. a dilution without the final volume: "diluted to 10 mcg/mL ... instilled 20 mL"
   (fill volume x the diluted concentration);
3. the fill line: "instilled 20 mL morphine 25 mg/mL" (fill volume x the
   concentration stated with it, else the drug's only concentration; with a
   diluted drug, the lowest one stated).

When the note leaves the concentration ambiguous (two concentrations of one
drug, no dilution or fill-line concentration), every reading is kept and the
units check accepts a claim that matches any of them: a false alarm costs a
coder's trust, a doubtful one is not raised.

Patterns are searched in the normalised text (OCR "2O mL", shorthand) and
every span is mapped back to the note as written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator

from auditor.checks.visit import Span, Visit, mcg_per_ml
from auditor.normalize import Normalised
from auditor.units import is_mg, to_mcg

_FILL_CONTEXT_CHARS = 200


@dataclass(frozen=True)
class Amount:
    """One reading of the amount of a drug: mcg, how it was computed and where the note says so."""

    mcg: float
    computation: str
    spans: tuple[Span, ...] = field(default_factory=tuple)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


def _g(x: float) -> str:
    return f"{x:g}"


def _conc_text(val: float, unit: str) -> str:
    return f"{_g(val)} {'mg' if is_mg(unit) else 'mcg'}/mL"


def mcg_ml_text(c: float) -> str:
    """A concentration held in mcg/mL, written as a clinician would (mg/mL from 1 mg/mL up)."""
    return f"{_g(round(c / 1000.0, 6))} mg/mL" if c >= 1000 else f"{_g(round(c, 6))} mcg/mL"


def mcg_text(a: float) -> str:
    return f"{_g(round(a / 1000.0, 6))} mg" if a >= 1000 else f"{_g(round(a, 6))} mcg"


def _drug_before(v: Visit, text: str, pos: int, window: int = _FILL_CONTEXT_CHARS) -> str | None:
    """The last drug named in the `window` characters before `pos` (same paragraph)."""
    from auditor.components.facts import patterns as fact_patterns

    fp = fact_patterns()
    a = max(0, pos - window)
    para = text.rfind("\n\n", a, pos)
    if para >= 0:
        a = para
    names = [fp.drug_of.get(m.group("drug").lower()) for m in fp.drug_name.finditer(text[a:pos])]
    names = [n for n in names if n]
    return names[-1] if names else None


def _line_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    s = text.rfind("\n", 0, a) + 1
    e = text.find("\n", b)
    return s, (e if e >= 0 else len(text))


def _preparations(v: Visit, nt: Normalised, drug: str) -> Iterator[Amount]:
    """Readings from a documented preparation (final volume x final concentration)."""
    pat = v.pat
    alone = set(v.pump_drugs) <= {drug}
    for p in pat["dilution_mixture"]:
        for m in p.finditer(nt.text):
            s, e = _line_bounds(nt.text, m.start(), m.end())
            prev = nt.text.rfind("\n", 0, max(0, s - 1)) + 1  # the preparation may start on the line before
            context = nt.text[prev:m.end()]
            if not pat["dilution_context"].search(context):
                continue
            named = _drug_before(v, nt.text, m.start())
            if named != drug and not (named is None and alone):
                continue
            vol, val, unit = _num(m.group("vol")), _num(m.group("val")), m.group("unit")
            conc = to_mcg(val, unit)
            span = nt.span(m.start(), m.end())
            yield Amount(vol * conc, f"{_g(vol)} mL x {_conc_text(val, unit)} = {mcg_text(vol * conc)} (as prepared)", (span,))
            for d in pat["drawn_amount"].finditer(nt.text, prev, e):
                amt = to_mcg(_num(d.group("val")), d.group("unit"))
                yield Amount(amt, f"{_g(_num(d.group('val')))} {d.group('unit')} drawn", (nt.span(d.start(), d.end()),))


def _draws(v: Visit, nt: Normalised, drug: str) -> Iterator[Amount]:
    """Readings of the amount drawn from the vials for a dilution (volume drawn x vial concentration)."""
    pat = v.pat
    alone = set(v.pump_drugs) <= {drug}
    seen: set[tuple[int, int]] = set()
    for p in pat["dilution_draw"]:
        for m in p.finditer(nt.text):
            s, e = _line_bounds(nt.text, m.start(), m.end())
            if (m.start(), m.end()) in seen or not pat["dilution_context"].search(nt.text[s:e]):
                continue
            seen.add((m.start(), m.end()))
            named = _drug_before(v, nt.text, m.end())
            if named != drug and not (named is None and alone):
                continue
            vol, val, unit = _num(m.group("vol")), _num(m.group("val")), m.group("unit")
            n = int(m.group("n")) if "n" in m.re.groupindex and m.group("n") else 1  # "2 x 2 mL vials"
            amt = n * vol * to_mcg(val, unit)
            times = f"{n} x " if n > 1 else ""
            yield Amount(amt, f"{times}{_g(vol)} mL x {_conc_text(val, unit)} drawn = {mcg_text(amt)}", (nt.span(m.start(), m.end()),))


def _diluted_concentration(v: Visit, nt: Normalised, drug: str) -> tuple[float, str, Span] | None:
    """'diluted to 10 mcg/mL' (of this drug, or of the only drug in the pump)."""
    alone = set(v.pump_drugs) <= {drug}
    for m in v.pat["diluted_to"].finditer(nt.text):
        named = _drug_before(v, nt.text, m.start(), 80)
        if named == drug or (named is None and alone):
            val, unit = _num(m.group("val")), m.group("unit")
            return to_mcg(val, unit), _conc_text(val, unit), nt.span(m.start(), m.end())
    return None


def readings(v: Visit, drug: str) -> list[Amount]:
    """Every credible reading of the amount of `drug` put in the pump today (empty when none)."""
    nt = v.norm
    prep = list(_preparations(v, nt, drug)) + list(_draws(v, nt, drug))
    if prep:
        return prep
    fill = v.fill
    if not fill:
        return []
    vol, fspan = fill["volume_ml"], fill["span"]
    dil = _diluted_concentration(v, nt, drug)
    if dil:
        conc, ctext, cspan = dil
        return [Amount(vol * conc, f"{_g(vol)} mL x {ctext} = {mcg_text(vol * conc)} (diluted)", (fspan, cspan))]
    concs = [d for d in v.facts.get("drugs") or [] if d["drug"] == drug]
    distinct = {round(mcg_per_ml(d["concentration"], d["unit"]), 6): d for d in concs}
    tail_conc = v.concentration_of(drug) if fill.get("tail") else None
    in_tail = tail_conc is not None and any(
        round(mcg_per_ml(_num(m.group("val")), m.group("unit")), 6) == round(tail_conc, 6)
        for m in v.pat["concentration"].finditer(fill["tail"]))
    if fill.get("from_event") and not in_tail and not fill.get("explicit"):
        return []  # a volume read from the refill event alone: its drug's strength must be on the same line
    if in_tail or len(distinct) <= 1:
        stated = v.concentration_of(drug)
        if stated:
            return [Amount(vol * stated, f"{_g(vol)} mL x {mcg_ml_text(stated)} = {mcg_text(vol * stated)}", (fspan,))]
        if fill.get("explicit") and not v.is_admixture:
            val, unit = fill["explicit"]
            amt = val * 1000.0 if unit == "mg" else val
            return [Amount(amt, f"{_g(val)} {unit} instilled", (fspan,))]
        return []
    diluted = any(v.pat["drug_diluted"].search(v.text[max(0, d.get("start", 0) - 40): d.get("end", 0) + 40]) for d in concs if "start" in d)
    options = sorted(distinct)
    if diluted:
        options = options[:1]  # dilution lowers the concentration: the pump holds the lowest one stated
    out = []
    for c in options:
        d = distinct[c]
        span = {k: d[k] for k in ("start", "end", "text")} if "start" in d else None
        out.append(Amount(vol * c, f"{_g(vol)} mL x {mcg_ml_text(c)} = {mcg_text(vol * c)}", tuple(s for s in (fspan, span) if s)))
    return out


def describe(a: Amount, code: str, unit_amount: float, unit: str, billed: float) -> dict[str, Any]:
    """The finding's arithmetic: amount, expected units and the computation string."""
    unit_mcg = unit_amount * (1000.0 if unit == "mg" else 1.0)
    exact = a.mcg / unit_mcg
    amount, amount_unit = (a.mcg / 1000.0, "mg") if unit == "mg" else (a.mcg, "mcg")
    expected = math.ceil(exact - 1e-6)
    computation = (f"{a.computation} -> {code} ({_g(unit_amount)} {unit}/unit) x {_g(round(exact, 3))}"
                   f"{'' if abs(exact - expected) < 1e-6 else f' (bill {expected})'}; billed x {_g(billed)}")
    return {"amount": f"{amount:g}", "amount_unit": amount_unit, "expected_units": expected, "computation": computation}


def waste(v: Visit) -> tuple[float, Span] | None:
    """A discarded drug amount (not the residual aspirated from the pump), read in the normalised text."""
    nt = v.norm
    for p in v.pat["waste_documented"]:
        for m in p.finditer(nt.text):
            line_start = nt.text.rfind("\n", 0, m.start()) + 1
            if v.pat["waste_residual_context"].search(nt.text[line_start:m.start() + len(m.group(0))]):
                continue
            return _num(m.group("val")), nt.span(m.start(), m.end())
    return None
