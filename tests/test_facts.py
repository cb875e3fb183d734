"""Structured facts read from note text (auditor/components/facts.py)."""
from __future__ import annotations

import pytest

from auditor.components.facts import extract_facts, role_of


def test_drug_concentration_and_dose_change_are_read():
    f = extract_facts("Baclofen 2000 mcg/mL. Dose increased from 400 mcg/day to 440 mcg/day.")
    assert f["drugs"][0]["drug"] == "baclofen" and f["drugs"][0]["concentration"] == 2000.0
    assert f["drugs"][0]["unit"] == "mcg/mL"
    assert (f["dose_before"], f["dose_after"], f["dose_unit"]) == (400.0, 440.0, "mcg/day")


def test_expected_and_actual_residual_in_either_order():
    f = extract_facts("2.9 mL expected, 2.7 mL aspirated.")
    assert (f["residual_expected_ml"], f["residual_actual_ml"]) == (2.9, 2.7)
    g = extract_facts("Expected residual 6.4 mL. Residual aspirated: 6.1 mL.")
    assert (g["residual_expected_ml"], g["residual_actual_ml"]) == (6.4, 6.1)


def test_volume_instilled_does_not_reach_across_lines():
    f = extract_facts("residual aspirated 4.8 mL\ninstilled 40 mL")
    assert f["volume_instilled_ml"] == 40.0


def test_pump_model_size_and_type():
    f = extract_facts("SynchroMed II 8637-40, reservoir 3.2 mL")
    assert f["reservoir_ml"] == 40.0 and f["pump_type"] == "programmable"
    assert extract_facts("Codman 3000 constant-flow pump")["pump_type"] == "constant_flow"


def test_alarm_and_next_refill_dates():
    f = extract_facts("New alarm date 04/21/2026. Next refill due 4/14/2026.")
    assert f["alarm_date"] == "04/21/2026" and f["next_refill_date"] == "4/14/2026"


def test_performer_statement_beats_signature():
    f = extract_facts("The refill was performed today by Karen Oduya, RN.\nL. Beck, MD")
    assert f["performer_role"] == "RN" and f["signer_role"] == "MD"


def test_signature_credential_is_read():
    assert extract_facts("Refill done.\n-- K. Lee, LPN")["signer_role"] == "LPN"


def test_role_words():
    assert role_of("Jane Roe, APRN") == "NP"
    assert role_of("J. Smith, PA-C") == "PA"
    assert role_of("BSN, RN") == "RN"
    assert role_of("our clinic") is None


def test_invoice_and_waste():
    f = extract_facts("Invoice #A-2231. 1 mL wasted, witnessed.")
    assert f["invoice_ref"] == "A-2231"
    assert f["wasted_amount"] == 1.0 and f["wasted_unit"] == "ml"



def test_signature_with_hyphenated_credential_and_no_comma():
    assert extract_facts("Refill done.\nQ. Hollis PA-C")["signer_role"] == "PA"


def test_an_aprn_signature_is_a_nurse_practitioners_not_an_rn_inside_it():
    assert extract_facts("Refill done.\n                    A.P. APRN\n")["signer_role"] == "NP"


def test_a_cosignature_names_the_supervisor_and_an_inline_signoff_the_author():
    text = ("ITB refill. Res 3.2 mL (exp 3.5). Filled 20 mL Lioresal 2000 mcg/mL, new vol 20 mL, alarm 10/02, "
            "no change to the rate. Tol proc well. -JM RN\nCosigned: R. Patel MD 07/02/25\n")
    facts = extract_facts(text)
    assert facts["signer_roles"] == ["RN"]


def test_a_physician_called_in_to_do_the_refill_performed_it():
    text = "I stuck twice, no return. Got Dr. Osborne, he did the refill on the first try.\nLisa Gayheart RN\n"
    assert extract_facts(text)["performer_role"] == "MD"


def test_a_scribe_writes_for_the_physician_who_performed_the_procedure():
    text = ("Scribe statement: documentation by T. Reyes, MA, scribing for Dr. M. Alvarez, who performed the "
            "history, exam and procedure.\nRefill: residual 10.6 mL aspirated, 20 mL instilled.\nT. Reyes, MA\n")
    assert extract_facts(text)["performer_role"] == "MD"


@pytest.mark.parametrize("text,kind", [
    ("Codman 3000 constant-flow pump, 50 mL (non-programmable; dose changes by concentration only).", "constant_flow"),
    ("Codman 3000 pump since 2009; family again declined conversion to a programmable pump.", "constant_flow"),
    ("Codman MedStream programmable pump, 40 mL.", "programmable"),
    ("Pump: constant flow, 30 mL reservoir.", "constant_flow"),
    ("SynchroMed II 40 mL.", "programmable"),
])
def test_the_named_pump_model_decides_the_pump_type(text, kind):
    assert extract_facts(text)["pump_type"] == kind


def test_residual_told_in_plain_words_is_read_with_where_it_was_read():
    text = "She had 2.8 mL left, a little less than the 4.5 mL the programmer expected. Instilled 20 mL."
    f = extract_facts(text)
    assert (f["residual_expected_ml"], f["residual_actual_ml"]) == (4.5, 2.8)
    assert text[f["residual_actual"]["start"]:f["residual_actual"]["end"]] == "had 2.8 mL left"


def test_an_expected_field_is_never_also_the_actual_residual():
    f = extract_facts("Expected residual: 3.8 mL     Actual aspirated: 1.9 mL")
    assert (f["residual_expected_ml"], f["residual_actual_ml"]) == (3.8, 1.9)


def test_an_expected_residual_worked_out_in_the_note_is_its_result_not_a_volume_compared_later():
    f = extract_facts("Expected residual 35 - 31.5 = 3.5 mL. Aspirated 3.1 mL -> delivered 31.9 mL vs 31.5 mL predicted.")
    assert (f["residual_expected_ml"], f["residual_actual_ml"]) == (3.5, 3.1)


def test_a_volume_worked_out_on_one_line_is_not_the_expected_residual_labelled_on_the_next():
    """A refill worksheet: the drug used since the last fill, then the expected residual as its own field."""
    f = extract_facts("last fill 12/15/25 = 20.0 mL; 56 d x 0.32 = 17.92 mL\n expected 2.08 mL; withdrawn 1.9 mL (delta -0.18)")
    assert (f["residual_expected_ml"], f["residual_actual_ml"]) == (2.08, 1.9)
    assert extract_facts("Residual 4.4 mL expected, aspirated 4.1 mL.")["residual_expected_ml"] == 4.4


@pytest.mark.parametrize("text, expected, actual", [
    ("Exp res 4.8, withdrew 2.9. Filled 20 mL, res updated.", 4.8, 2.9),
    ("exp 4.2 asp 1.9. inst 20 mL, res upd 20.0", 4.2, 1.9),
    ("Programmer said 6.5 expected and I only got back 3.8, which is less than I expected.", 6.5, 3.8),
    ("Got back 5.5, expected 5.7. Refilled 40.", 5.7, 5.5),
])
def test_a_residual_told_as_an_expected_and_actual_pair_without_units_gives_both(text, expected, actual):
    facts = extract_facts(text)
    assert (facts["residual_expected_ml"], facts["residual_actual_ml"]) == (expected, actual)


@pytest.mark.parametrize("text,role", [
    ("ITB refill — RN (J. Morales) performed, Dr Baptiste in suite throughout.\nRes 6.1 mL.\n", "RN"),
    ("ITB refill — RN Cho, I + Dr Baptiste in clinic\nFilled 20 mL.\n", "RN"),
    ("MA (D. Ruiz) ran intrrogation w/ A810; I was in clinic.\n", "MA"),
    ("Pump refill: LPN Harlan, Dr. Ngo on site\n", "LPN"),
    ("ITP refill (RN A. Cho); Dr Lindqvist in suite.\n", "RN"),
    ("ITP refill \u2014 T. Greer LPN; Dr Lindqvist in clinic\n", "LPN"),
    # a heading naming the clinician's title is not a nurse's refill
    ("IT Pump Refill - Nurse Practitioner\nBrianna Cole, NP; Dr. Becker present in the suite.\nBrianna Cole, NP\n", "NP"),
])
def test_a_headline_or_parenthesised_name_gives_the_performer(text, role):
    facts = extract_facts(text)
    assert (facts.get("performer_role") or facts.get("signer_role")) == role


def test_the_pump_running_dry_is_not_a_nurse_running_the_interrogation():
    assert "performer_role" not in extract_facts("RN said the pump ran dry last week.\n")
