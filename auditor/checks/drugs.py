"""Drug-line checks: who paid, units, compounds, JW/JZ (DOMAIN_REFERENCE 1.4, 1.7, 2.4, 2.5)."""
from __future__ import annotations

import re

from auditor.checks import amounts, tables
from auditor.checks.claims import ClaimLine, fmt
from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import Visit


def drug_lines(v: Visit) -> list[ClaimLine]:
    """Claim lines that bill a drug (HCPCS level II codes)."""
    return [ln for ln in v.lines if ln.code[0].isalpha()]


def _refill_codes(v: Visit) -> set[str]:
    return v.codes & set(tables.codes()["families"]["with_refill"])


_SALINE = re.compile(r"\b(?:saline|nacl|sodium\s+chloride)\b", re.I)
_STRENGTH = re.compile(r"\d\s*(?:mg|mcg|ug|µg)\s*/\s*(?:ml|cc)\b", re.I)


def _saline_only(v: Visit) -> bool:
    """The pump was filled with saline alone (a drug holiday, a catheter kept open): no drug to bill."""
    fill = (v.fill or {}).get("span") or {}
    said = fill.get("text", "") + " " + (v.fill or {}).get("tail", "")
    return bool(_SALINE.search(said)) and not _STRENGTH.search(said)


@note_check("drug-supply")
def supply(v: Visit) -> list[Finding]:
    lines = drug_lines(v)
    if v.supplier == "outside" and lines:
        return [make("drug-billed-outside-supply", v.text, [v.outside_supply], codes=fmt(lines))]
    if v.supplier == "practice" and v.refill and _refill_codes(v) and not lines and not _saline_only(v):  # a failed refill instilled nothing
        return [make("drug-line-missing", v.text, [v.fill["span"] if v.fill else v.refill_span], codes=",".join(sorted(_refill_codes(v))))]
    return []


def admixture_single_lines(v: Visit) -> list[ClaimLine]:
    """Single-drug lines billed for a compounded admixture (no NOC line): the one error those lines carry.

    Their units and JW/JZ are derived from the wrong code, so no unit or
    modifier finding is stacked on them (issue 12, kind 2).
    """
    noc = set(tables.codes()["noc_drug_codes"])
    table = tables.drugs()["hcpcs"]
    if not v.is_admixture or any(ln.code in noc for ln in v.lines):
        return []
    return [ln for ln in drug_lines(v) if (table.get(ln.code) or {}).get("drug")]


@note_check("drug-units")
def units(v: Visit) -> list[Finding]:
    """Units billed (JW lines apart) against every credible reading of the amount put in the pump."""
    table = tables.drugs()["hcpcs"]
    tol = tables.thresholds().get("units_tolerance", 0.02)
    if not v.refill:  # nothing instilled (interrogation, failed or deferred refill): no amount to compare with
        return []
    skip = {ln.code for ln in admixture_single_lines(v)}
    out: list[Finding] = []
    for code in sorted({ln.code for ln in drug_lines(v)} - skip):
        row = table.get(code)
        if not row or not row.get("drug"):
            continue
        lines = [ln for ln in v.lines if ln.code == code and not ln.has("JW")]
        billed = sum(ln.units for ln in lines)
        found = amounts.readings(v, row["drug"]) if billed > 0 else []
        if not found:
            continue
        unit_mcg = row["unit_amount"] * (1000.0 if row["unit"] == "mg" else 1.0)

        def ok(a: amounts.Amount) -> bool:
            exact = a.mcg / unit_mcg
            return abs(billed - exact) < 1 or abs(billed - exact) <= tol * exact

        if any(ok(a) for a in found):
            continue
        a = found[0]
        arithmetic = amounts.describe(a, code, row["unit_amount"], row["unit"], billed)
        out.append(make("drug-units-mismatch", v.text, list(a.spans), code=code, billed_units=f"{billed:g}",
                        unit_amount=f"{row['unit_amount']:g}", unit=row["unit"], claim_lines=fmt(lines), **arithmetic))
    return out


def _itemised(v: Visit) -> bool:
    """An invoice reference with each ingredient's strength and a quantity next to it.

    Read in the normalised text (dictated "ten milligrams per milliliter times
    forty milliliters"); the itemisation may run on to the next line.
    """
    p = v.pat
    text = v.norm.text
    if any(x.search(text) for x in p["invoice_not_itemised"]):
        return False
    if any(x.search(text) for x in p["invoice_itemised_statement"]):
        return True  # "invoice with ingredient, strength and qty attached"
    # the ingredients in the pump (drugs with a concentration); names alone may include oral medicines
    in_pump = {d["drug"] for d in v.facts.get("drugs") or []}
    intrathecal = set(tables.drugs()["stability_days"])
    # without concentrations the names may over-count (a dictated 'hydro morphine'): ask for two at most
    want = len(in_pump) if in_pump else max(1, min(2, len(set(v.pump_drugs) & intrathecal)))
    for m in p["invoice"].finditer(text):
        a = max(text.rfind("\n", 0, m.start()), text.rfind("~", 0, m.start()), m.start() - 160) + 1
        first = [i for i in (text.find("\n", m.end()), text.find("~", m.end())) if i >= 0]
        nl = min(first) if first else len(text)
        nxt = [i for i in (text.find("\n", nl + 1), text.find("~", nl + 1)) if i >= 0]
        b = min([m.end() + 260, len(text), *(nxt or [len(text)])])
        # an invoice pasted as a table ('INVOICE # 88123' / 'Item  Strength  Qty' / one row per ingredient)
        # itemises in the rows under its header, down to the end of its block
        block = _BLOCK_END.search(text, m.end(), min(len(text), m.end() + TABLE_REACH))
        table_end = block.start() if block else min(len(text), m.end() + TABLE_REACH)
        for lo, hi in ((a, b), (m.start(), table_end)):
            window = _LINE_BREAK_HYPHEN.sub("", text[lo:hi])  # "(mor-\nphine 20 mg/mL"
            # with no concentrations read, the note's drug names may include one switched away from today:
            # no more strengths are asked for than the invoice names intrathecal drugs
            named = {d for d in intrathecal if re.search(rf"\b{re.escape(d)}", window, re.I)}
            need = max(1, min(want, len(named))) if named and not in_pump else want
            if len(p["ingredient_with_strength"].findall(window)) >= need and p["quantity"].search(window):
                return True
    return False


TABLE_REACH = 800  # characters under an invoice header that its rows may take
_BLOCK_END = re.compile(r"\n[ \t]*\n")


_LINE_BREAK_HYPHEN = re.compile(r"(?<=[A-Za-z])-[ \t]*(?:\n|~)[ \t]*(?=[a-z])")


@note_check("drug-compound")
def compound(v: Visit) -> list[Finding]:
    noc = set(tables.codes()["noc_drug_codes"])
    out: list[Finding] = []
    noc_lines = [ln for ln in v.lines if ln.code in noc]
    single = admixture_single_lines(v)
    if single:
        out.append(make("drug-compound-single-code", v.text, [v.compounded], codes=fmt(single), drugs="/".join(v.pump_drugs)))
    if noc_lines and v.supplier != "outside" and not _itemised(v):
        out.append(make("drug-compound-invoice-missing", v.text, [v.compounded], codes=fmt(noc_lines)))
    return out


@note_check("drug-jw-jz")
def jw_jz(v: Visit) -> list[Finding]:
    conf = tables.drugs()
    rule = conf["jw_jz"]
    payers = rule.get("payers", "all")
    if payers != "all" and v.payer not in payers:
        return []
    out: list[Finding] = []
    start = rule["required_from"]
    dated_in = v.service_date is None or v.service_date.isoformat() >= start
    single = set(conf["single_dose_codes"]) - {ln.code for ln in admixture_single_lines(v)}
    for code in sorted({ln.code for ln in v.lines if ln.code in single}):
        lines = [ln for ln in v.lines if ln.code == code]
        if dated_in and not any(ln.has("JW") or ln.has("JZ") for ln in lines):
            when = f"service {v.service_date.isoformat()} >= {start}" if v.service_date else f"no service date (rule from {start})"
            out.append(make("drug-jw-jz-missing", v.text, [], codes=fmt(lines), service_date=v.meta.get("service_date"),
                            computation=f"{code} is a single-dose-container drug; {when}; no line of {code} carries JW or JZ"))
    jw = [ln for ln in v.lines if ln.has("JW")]
    wasted = amounts.waste(v)
    if jw and not (wasted and wasted[0] > 0):
        out.append(make("drug-jw-waste-undocumented", v.text, [], codes=fmt(jw)))
    return out
