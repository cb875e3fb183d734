"""Claim-line parsing: units after x, modifiers after -, in either order."""
from __future__ import annotations

from auditor.checks.claims import ClaimLine, parse_claim, parse_line


def test_units_and_modifiers_parse_in_the_contract_order():
    lines = parse_claim("95990;J0475x4-JZ;99213-25")
    assert [(ln.code, ln.units, ln.modifiers) for ln in lines] == [
        ("95990", 1.0, ()),
        ("J0475", 4.0, ("JZ",)),
        ("99213", 1.0, ("25",)),
    ]


def test_modifiers_before_units_parse_the_same():
    assert parse_line("J0475-JZx4") == ClaimLine("J0475", 4.0, ("JZ",), "J0475-JZx4")


def test_several_modifiers_and_decimal_units_are_kept():
    line = parse_line(" j1171x2.5-jw-kd ")
    assert (line.code, line.units, line.modifiers) == ("J1171", 2.5, ("JW", "KD"))
    assert line.has("kd") and not line.has("JZ")


def test_empty_missing_and_junk_claims_give_no_lines():
    assert parse_claim(None) == []
    assert parse_claim("") == []
    assert parse_claim(";;  ;") == []
    assert [ln.code for ln in parse_claim("see chart;62367")] == ["62367"]


def test_commas_and_spaces_separate_lines_too():
    assert [ln.code for ln in parse_claim("62370, J2274x50-JZ")] == ["62370", "J2274"]


def test_an_invoice_written_nr_with_its_contents_is_an_itemised_compound_invoice(nlp):
    from auditor.audit import audit_note

    text = ("Pump refill. SynchroMed II 20 ml, hydromorphone 10 mg/ml, 1,20 mg/day. Residual 9,5 ml aspirated.\n"
            "Filled 20 ml hydromorphone 10 mg/ml. Reservoir 20,0 ml, alarm date 12.07.2025.\n"
            "Medication: hydromorphone 10 mg/ml compounded by Nordic Compounding; invoice nr. NC-44817 "
            "(hydromorphone HCl 10 mg/ml, 20 ml) paid by the practice.\n")
    rec = audit_note(text, nlp=nlp, author_role="MD", service_date="2025-04-08", billed_codes="95991;J7999x1")
    assert "drug-compound-invoice-missing" not in {f["rule"] for f in rec["findings"]}
    assert rec["elements"]["drug_cost"]["status"] == "met"
