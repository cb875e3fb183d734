"""Drug-line checks: who paid, units, compounds, JW/JZ (DOMAIN_REFERENCE 1.4, 1.7, 2.4, 2.5)."""
from __future__ import annotations

import math

from auditor.checks import tables
from auditor.checks.claims import ClaimLine, fmt
from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import Visit


def drug_lines(v: Visit) -> list[ClaimLine]:
    """Claim lines that bill a drug (HCPCS level II codes)."""
    return [ln for ln in v.lines if ln.code[0].isalpha()]


def _refill_codes(v: Visit) -> set[str]:
    return v.codes & set(tables.codes()["families"]["with_refill"])


@note_check("drug-supply")
def supply(v: Visit) -> list[Finding]:
    lines = drug_lines(v)
    if v.supplier == "outside" and lines:
        return [make("drug-billed-outside-supply", v.text, [v.outside_supply], codes=fmt(lines))]
    if v.supplier == "practice" and _refill_codes(v) and not lines:
        return [make("drug-line-missing", v.text, [v.fill["span"] if v.fill else v.refill_span], codes=",".join(sorted(_refill_codes(v))))]
    return []


@note_check("drug-units")
def units(v: Visit) -> list[Finding]:
    table = tables.drugs()["hcpcs"]
    tol = tables.thresholds().get("units_tolerance", 0.02)
    out: list[Finding] = []
    for code in sorted({ln.code for ln in drug_lines(v)}):
        row = table.get(code)
        if not row or not row.get("drug"):
            continue
        billed = sum(ln.units for ln in v.lines if ln.code == code and not ln.has("JW"))
        got = v.amount_mcg(row["drug"])
        if not got or billed <= 0:
            continue
        amount_mcg, span = got
        unit_mcg = row["unit_amount"] * (1000.0 if row["unit"] == "mg" else 1.0)
        exact = amount_mcg / unit_mcg
        expected = math.ceil(exact - 1e-6)
        if abs(billed - exact) < 1 or abs(billed - exact) <= tol * exact:
            continue
        amount, amount_unit = (amount_mcg / 1000.0, "mg") if row["unit"] == "mg" else (amount_mcg, "mcg")
        out.append(make("drug-units-mismatch", v.text, [span], code=code, billed_units=f"{billed:g}", amount=f"{amount:g}",
                        amount_unit=amount_unit, expected_units=expected, unit_amount=f"{row['unit_amount']:g}", unit=row["unit"]))
    return out


def _itemised(v: Visit) -> bool:
    """An invoice reference with each ingredient's strength and a quantity next to it."""
    p = v.pat
    if any(v.g.search(x) for x in p["invoice_not_itemised"]):
        return False
    want = max(1, len(set(v.pump_drugs)))
    for m in v.g.finditer(p["invoice"]):
        a = max(v.text.rfind("\n", 0, m.start()), v.text.rfind("~", 0, m.start()), m.start() - 160) + 1
        nl = [i for i in (v.text.find("\n", m.end()), v.text.find("~", m.end())) if i >= 0]
        b = min([m.end() + 220, len(v.text), *nl])
        window = v.text[a:b]
        if len(p["ingredient_with_strength"].findall(window)) >= want and p["quantity"].search(window):
            return True
    return False


@note_check("drug-compound")
def compound(v: Visit) -> list[Finding]:
    noc = set(tables.codes()["noc_drug_codes"])
    table = tables.drugs()["hcpcs"]
    out: list[Finding] = []
    noc_lines = [ln for ln in v.lines if ln.code in noc]
    single = [ln for ln in drug_lines(v) if (table.get(ln.code) or {}).get("drug")]
    if v.is_admixture and single and not noc_lines:
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
    single = set(conf["single_dose_codes"])
    for code in sorted({ln.code for ln in v.lines if ln.code in single}):
        lines = [ln for ln in v.lines if ln.code == code]
        if dated_in and not any(ln.has("JW") or ln.has("JZ") for ln in lines):
            out.append(make("drug-jw-jz-missing", v.text, [], codes=fmt(lines), service_date=v.meta.get("service_date")))
    jw = [ln for ln in v.lines if ln.has("JW")]
    if jw and not (v.waste and v.waste[0] > 0):
        out.append(make("drug-jw-waste-undocumented", v.text, [], codes=fmt(jw)))
    return out
