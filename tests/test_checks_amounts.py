"""Drug amounts with dilutions, admixtures billed with single-drug lines, failed refills, E/M-25 and the arithmetic shown."""
from __future__ import annotations

import pytest

from auditor.audit import audit_note

ZIC_DILUTED = (
    "IT pump refill. SynchroMed II 20 mL. Ziconotide (Prialt) diluted 5 mcg/mL, 1.2 mcg/day. "
    "Indication: refractory to IT morphine (pruritus) and oral opioids.\n"
    "Residual aspirated 10.8 mL (expected 11.1 mL).\n"
    "Prialt 100 mcg/mL 1 mL vial (100 mcg, entire vial used) + 19 mL PF NS = 20 mL at 5 mcg/mL.\n"
    "Instilled 20 mL. Reservoir updated 20.0 mL. Prialt purchased by practice, invoice #TR-1.\n"
    "Pain 4/10, no confusion. Goals reviewed: walk 20 min daily, met. Continue current settings.\n"
)


def _rules(rec) -> list[str]:
    return sorted(f["rule"] for f in rec["findings"])


@pytest.fixture(scope="module")
def audit(nlp):
    def run(text: str, billed: str, **meta):
        meta.setdefault("author_role", "MD")
        meta.setdefault("payer", "medicare")
        meta.setdefault("service_date", "2025-10-01")
        return audit_note(text, nlp, billed_codes=billed, **meta)

    return run


def test_diluted_ziconotide_billed_as_drawn_from_the_vial_is_correct(audit):
    assert "drug-units-mismatch" not in _rules(audit(ZIC_DILUTED, "95991;J2278x100-JZ"))


def test_diluted_ziconotide_billed_at_fill_volume_times_vial_concentration_is_flagged_with_its_arithmetic(audit):
    rec = audit(ZIC_DILUTED, "95991;J2278x2000-JZ")
    units = [f for f in rec["findings"] if f["rule"] == "drug-units-mismatch"]
    assert len(units) == 1
    f = units[0]
    assert f["facts"]["expected_units"] == 100
    assert f["facts"]["computation"].startswith("20 mL x 5 mcg/mL = 100 mcg (as prepared) -> J2278 (1 mcg/unit) x 100")
    assert f["facts"]["computation"].endswith("billed x 2000")
    assert f["facts"]["claim_lines"] == "J2278x2000-JZ"
    ev = f["evidence"][0]
    assert ZIC_DILUTED[ev["start"]:ev["end"]] == ev["text"] and "20 mL at 5 mcg/mL" in ev["text"]


def test_fill_volume_is_not_the_residual_aspirated_on_the_line_before(audit):
    text = ("Pump (SynchroMed II 40 mL, morphine 25 mg/mL, 7.5 mg/day):\n- expected reservoir 5.3 mL, aspirated 5.1 mL\n"
            "- 20 mL morphine 25 mg/mL instilled\nDrug purchased by practice, invoice 77. Settings unchanged.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95991;J2274x50-JZ"))
    assert "drug-units-mismatch" in _rules(audit(text, "95991;J2274x13-JZ"))


def test_a_correct_jw_split_leaves_the_administered_line_without_a_modifier(audit):
    text = ("Prialt refill, SynchroMed II 20 mL, ziconotide diluted 12 mcg/mL. Refractory to IT morphine.\n"
            "Prialt 100 mcg/mL 5 mL vial, practice purchased inv PR-7012: drew 2.4 mL (240 mcg) + 17.6 mL PF NS -> "
            "20 mL @ 12 mcg/mL; remaining 2.6 mL (260 mcg) wasted, witnessed T. Nilsen RN\ninst 20 mL\n")
    rules = _rules(audit(text, "95991;J2278x240;J2278x260-JW"))
    assert not {"drug-units-mismatch", "drug-jw-jz-missing", "drug-jw-waste-undocumented"} & set(rules)


def test_admixture_billed_with_single_drug_lines_raises_that_once_and_nothing_derived_from_the_lines(audit):
    text = ("Pump refill. SynchroMed II 20 mL with compounded morphine 20 mg/mL + bupivacaine 10 mg/mL + clonidine 100 mcg/mL.\n"
            "Residual aspirated 4.0 mL (expected 4.2 mL). Instilled 20 mL. Reservoir updated.\n"
            "Compound purchased by practice, invoice 55.\n")
    rules = _rules(audit(text, "95991;J2274x7;J0735x9"))
    assert rules.count("drug-compound-single-code") == 1
    assert not {"drug-units-mismatch", "drug-jw-jz-missing"} & set(rules)


def test_failed_refill_billed_as_a_refill_is_refill_without_refill_not_a_missing_drug_line(audit):
    text = ("Pump refill attempted. SynchroMed II 20 mL, baclofen 2000 mcg/mL, 300 mcg/day. Port could not be accessed "
            "after three attempts; no drug instilled. Rescheduled for fluoroscopic refill tomorrow. "
            "Reservoir 3.1 mL, alarm date 10/20.\n")
    rules = _rules(audit(text, "95991"))
    assert "code-refill-without-refill" in rules
    assert "drug-line-missing" not in rules


def test_modifier_25_on_pump_work_only_is_not_separate_but_a_work_up_ordered_is(audit):
    base = ("Ziconotide hallucinations at 4.8 mcg/day, pump reprogrammed 4.8 -> 3.6 mcg/day for the side effect. "
            "Pump SynchroMed II, reservoir 12.9 mL, no alarms. No refill today.\n")
    assert "em25-not-separate" in _rules(audit(base, "62368;99214-25"))
    workup = base + "A: r/o delirium from diphenhydramine; UA/culture, CK ordered. Stop diphenhydramine.\n"
    assert "em25-not-separate" not in _rules(audit(workup, "62368;99214-25"))


def test_a_saline_fill_for_a_drug_holiday_needs_no_drug_line(audit):
    text = ("Drug holiday. Aspirated 12.1 mL (expected 12.5); hydromorphone wasted with witness. Instilled 20 mL "
            "preservative-free 0.9% saline (clinic supply). Reprogrammed: drug = saline, minimum rate. Reservoir 20.0 mL.\n")
    assert "drug-line-missing" not in _rules(audit(text, "62370"))
    drug = text.replace("preservative-free 0.9% saline (clinic supply)", "hydromorphone 10 mg/mL (clinic supply)")
    assert "drug-line-missing" in _rules(audit(drug, "62370"))


HEAD = ("IT pump refill, SynchroMed II 20 mL. Refractory to IT morphine and oral opioids. Pain 4/10 on current dose. "
        "Drug purchased by practice, invoice 12345.\n")


@pytest.mark.parametrize("body, code, right", [
    ("Ziconotide 25 mcg/mL diluted by pharmacy to 5 mcg/mL. Residual aspirated 3 mL. Instilled 20 mL.", "J2278", 100),
    ("Morphine 25 mg/mL diluted by the pharmacy to 10 mg/mL. 20 mL instilled.", "J2274", 20),
    ("Prialt 100 mcg/mL 1 mL vial mixed with PF NS, final concentration 5 mcg/mL, total volume 20 mL. Instilled 20 mL.", "J2278", 100),
    ("Prialt 100 mcg/mL, 2 mL (200 mcg) drawn up and qs'd with NS to 20 mL (10 mcg/mL). Instilled 20 mL.", "J2278", 200),
    ("Drew 2 mL of Prialt 100 mcg/mL and diluted with 18 mL PF NS. Instilled 20 mL.", "J2278", 200),
    ("Lioresal 2000 mcg/mL 10 mL + 10 mL PF NS, instilled 20 mL.", "J0475", 2),
    ("Prialt 100 mcg/mL 5 mL vial: drew 2.4 mL + 17.6 mL PF NS; instilled 20 mL.", "J2278", 240),
    ("Instilled 20 mL Prialt 25 mcg/mL undiluted.", "J2278", 500),
    ("Refilled 20 mL: Prialt 100 mcg/mL 2 mL vial + 18 mL PF NS = 10 mcg/mL.", "J2278", 200),
    ("Filled 20ml (Prialt 100mcg/ml 2ml vial + 18ml PF NS -> 10mcg/ml). Res updated 20ml.", "J2278", 200),
    ("Prialt 100 mcg/mL 2 mL vial (200 mcg, full vial) + 18 mL PF NS, 10 mcg/mL, refilled with 20 mL.", "J2278", 200),
    ("Refilled with 40 mL fresh dilution (Prialt 100 mcg/mL 2 x 2 mL vials + PF NS to 40 mL; both vials fully used).", "J2278", 400),
    ("Ziconotide diluted 10 mcg/mL. Instilled 20 mL.", "J2278", 200),
    ("Prialt 100 mcg/mL diluted with 0.9% NaCl to 5 mcg/mL. Instilled 20 mL.", "J2278", 100),
])
def test_dilution_wordings_accept_the_right_units_and_flag_tenfold(audit, body, code, right):
    def units_findings(units: int):
        return [f for f in audit(HEAD + body, f"95991;{code}x{units}-JZ")["findings"] if f["rule"] == "drug-units-mismatch"]

    assert units_findings(right) == []
    wrong = units_findings(right * 10)
    assert len(wrong) == 1 and wrong[0]["facts"]["expected_units"] == right


@pytest.mark.parametrize("body, flagged", [
    ("New onset nausea after the last dose increase; dose decreased to 4.5 mg/day.", True),
    ("Increased pruritus since the rate increase; rate reduced 10% to 4.5 mg/day.", True),
    ("New right hip pain x 2 weeks, worse with weight bearing; x-ray of the hip ordered.", False),
    ("Worsening diabetic neuropathy in the feet; started gabapentin 300 mg at night.", False),
])
def test_a_new_symptom_tied_to_the_pump_dose_is_pump_work_not_a_separate_em(audit, body, flagged):
    base = ("IT pump refill, SynchroMed II 20 mL, morphine 25 mg/mL. Residual 3.0 mL (expected 3.1). Instilled 20 mL. "
            "Reservoir updated 20 mL. Purchased by practice, invoice 88.\n")
    rules = _rules(audit(base + body, "95991;J2274x50-JZ;99213-25"))
    assert ("em25-not-separate" in rules) is flagged


def test_the_fill_line_is_read_with_spoken_numbers_and_quoted_as_written():
    """'aspirated 26.3 mL and instilled forty mL' fills 40 mL, not the aspirated 26.3."""
    from auditor.checks.visit import Visit

    text = ("Expected reservoir 26.5 mL. I aspirated 26.3 mL and instilled forty mL of Infumorph 10 mg/mL, "
            "two 20 mL ampules, purchased by our practice.\n")
    v = Visit(text=text, record={"facts": {}, "elements": {}}, meta={"billed_codes": "95991;J2274x40-JZ"})
    assert v.fill is not None and v.fill["volume_ml"] == 40.0
    assert v.fill["span"]["text"].startswith("instilled forty mL")


def test_a_units_word_before_a_tens_word_is_two_numbers():
    from auditor.normalize import normalise

    assert normalise("two twenty mL ampules").text == "two twenty mL ampules"
    assert normalise("twenty two mL").text == "22 mL"


def test_waste_said_in_plain_words_documents_the_jw_line(audit):
    text = ("Pump refill, SynchroMed II 40 mL, morphine 10 mg/mL 0.5 mL/day. Took out 3.1 mL.\n"
            "Put in 24 mL Infumorph 10 mg/mL from two 20 mL ampules, bought by the practice, invoice 55.\n"
            "16 mL left in the second ampule thrown out, Donna LPN witnessed.\n")
    assert "drug-jw-waste-undocumented" not in _rules(audit(text, "95991;J2274x24-JZ;J2274x16-JW"))
    assert "drug-jw-waste-undocumented" in _rules(audit(text.replace(" thrown out", ""), "95991;J2274x24-JZ;J2274x16-JW"))


@pytest.mark.parametrize("line", [
    "40 mL of preservative-free morphine 10 mg/mL (Infumorph, 2 x 20 mL ampules, lot 4D117A, exp 09/2026) instilled.",
    "Infumorph 10 mg/mL 20 mL x2 ampules - full, 40 mL (400 mg) instilled.",
    "Pump refilled without difficulty with 40 mL Infumorph 10 mg/mL, lot 25C118.",  # an adverb before 'with'
    "Filled w/ Infumorph 10 mg/mL 40 mL (two ampules, none wasted).",  # the drug before the volume
])
def test_the_fill_is_the_volume_put_in_however_told_not_the_ampules_it_came_in(audit, line):
    text = ("Pump refill, SynchroMed II 40 mL, morphine 10 mg/mL, 4 mg/day. Residual aspirated 6.9 mL.\n" + line +
            "\nReservoir 40 mL. Drug purchased by practice, invoice 12. Settings unchanged.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95990;J2274x40-JZ"))
    assert "drug-units-mismatch" in _rules(audit(text, "95990;J2274x20-JZ"))


def test_the_fill_is_the_volume_written_next_to_instilled_not_an_earlier_one(audit):
    text = ("Pump refill, SynchroMed II 40 mL, Lioresal 2000 mcg/mL, 700 mcg/day. Residual aspirated 5.0 mL.\n"
            "Fill: 2 amps 4O mg/2O mL opened; 35 mL instilled per order. WASTE: 5 mL (1O mg) discarded, witnessed.\n"
            "Reservoir 35 mL. Drug purchased by practice, PO 66. Settings unchanged.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95990;J0475x7;J0475x1-JW"))
    assert "drug-units-mismatch" in _rules(audit(text, "95990;J0475x4;J0475x1-JW"))


def test_the_expected_volume_before_refill_is_not_the_fill(audit):
    text = ("Expected reservoir volume before refill: 29.5 mL; no alarms\nResidual aspirated: 29.0 mL\n"
            "Instilled: 40 mL (Infumorph 25 mg/mL 20 mL ampules x2, fully used)\nReservoir updated to 40.0 mL. "
            "Purchased by practice, invoice 9. Settings unchanged.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95990;J2274x100-JZ"))


@pytest.mark.parametrize("why", [
    "(He's on Prialt because morphine and hydromorphone in the pump both made him swell and itch.)",
    "Why she's on Prialt: IT morphine, legs swelled; hydromorphone, not much relief.",
])
def test_a_ziconotide_indication_in_plain_words_is_documented(audit, why):
    text = ZIC_DILUTED.replace("Indication: refractory to IT morphine (pruritus) and oral opioids.", why)
    assert "ziconotide-indication-missing" not in _rules(audit(text, "95991;J2278x100-JZ"))
    bare = ZIC_DILUTED.replace("Indication: refractory to IT morphine (pruritus) and oral opioids.", "")
    assert "ziconotide-indication-missing" in _rules(audit(bare, "95991;J2278x100-JZ"))


def test_drug_withdrawn_from_the_vial_is_not_the_residual(audit):
    text = ("Prialt 100 mcg/mL 5 mL vial. Withdrew 2.0 mL (200 mcg) and diluted with 18 mL PF NS = 20 mL at 10 mcg/mL.\n"
            "Refractory to IT morphine. Expected reservoir 6.6 mL; no alarms. Residual withdrawn 6.3 mL.\n"
            "Refilled 20 mL ziconotide 10 mcg/mL. Purchased by practice, invoice 7. Settings unchanged.\n")
    assert "residual-discrepancy-unexplained" not in _rules(audit(text, "95991;J2278x200-JW"))


def test_a_gap_within_the_pumps_stated_accuracy_is_explained(audit):
    text = ("SynchroMed II 20 mL. Residual aspirated 3.2 mL (expected 4.6 mL). Instilled 20 mL morphine 10 mg/mL.\n"
            "1.4 mL is within the labeled SynchroMed II volume accuracy. Purchased by practice, invoice 3.\n")
    assert "residual-discrepancy-unexplained" not in _rules(audit(text, "95991;J2274x20-JZ"))
    bare = text.replace("1.4 mL is within the labeled SynchroMed II volume accuracy. ", "")
    assert "residual-discrepancy-unexplained" in _rules(audit(bare, "95991;J2274x20-JZ"))


@pytest.mark.parametrize("plan", [
    "New L foot drop, absent ankle jerk; MRI L-spine and pelvis w/wo contrast ordered.",
    "Stage 2 pressure injury R ischium: off-loading, hydrocolloid dressing; seating clinic (PT/KT) consult.",
    "Naloxone 0.04 mg IV x2 with improved alertness. Observed 2.5 h with continuous pulse ox.",  # an overdose treated
    "Oral bridge: oxycodone IR 5 mg q6h PRN, #12, no refills. PDMP reviewed.",  # a bridge prescribed
    "Pocket red and warm, temp 100.9. Started him on cephalexin 500 four times a day.",  # an infection treated
    "2) Separate: acute cystitis. Urine culture sent; cath hygiene reviewed.",  # a problem headed as separate
    "Oral opioid taper: oxycodone 10 mg BID x 4 wk then 10 mg qAM.",  # systemic opioids managed
    "Dx acute cystitis - nitrofurantoin 100 bid x5d.",  # a course of a systemic drug with its length
    "Withdrawal: clonidine 0.1 mg PO given; loperamide prn.",  # a systemic drug given now
    "T 37.8, HR 104. CK drawn, CBC/BMP drawn.",  # labs drawn for a work-up
    "Meds reviewed: stop gabapentin 300 TID given renal function.",  # a systemic drug stopped
])
def test_modifier_25_with_a_separate_problem_worked_up_is_separate(audit, plan):
    base = ("Ziconotide hallucinations at 4.8 mcg/day, pump reprogrammed 4.8 -> 3.6 mcg/day for the side effect. "
            "Pump SynchroMed II, reservoir 12.9 mL, no alarms. No refill today.\n")
    assert "em25-not-separate" not in _rules(audit(base + plan + "\n", "62368;99214-25"))


@pytest.mark.parametrize("line", [
    "No new symptoms. ROS negative.",
    "Denies new weakness or numbness.",
    "BILLING QUERY: 99213-25 billed. Please document any separately identifiable E/M work.",
])
def test_modifier_25_is_not_supported_by_a_denied_symptom_or_a_billing_query(audit, line):
    base = ("Pump refill. SynchroMed II 20 mL, morphine 10 mg/mL, 2.0 mg/day. Expected 4.0 mL, aspirated 3.9 mL.\n"
            "Instilled 20 mL morphine 10 mg/mL. Reservoir 20 mL. Purchased by practice, invoice 3.\n"
            "Pain 3/10 on the pump, no sedation. ")
    assert "em25-not-separate" in _rules(audit(base + line + "\n", "95991;J2274x20-JZ;99213-25"))


@pytest.mark.parametrize("reading", [
    "Programmer says 6.0 mL should be left. Withdrew 2.9 mL.",
    "Reservoir per pump 6.0 mL. Aspirated 2.9 mL.",
    "reservoir (expected) = 6.0 mL; alarms = none. Residual aspirated 2.9 mL.",
    "resid 2.9ml exp 6.0ml ?? dr aware.",
    "Reservoir Vol:   6.0 mL (expected)\nResidual aspirated      2.9 mL",
    "Interrogation: morphine 10 mg/mL, reservoir 6.0 mL (programmer), no alarms. Residual 2.9 mL aspirated.",
    "Programmer reservoir 6.0 mL. Residual aspirated 2.9 mL.",
    "Expected reservoir 6.0 mL. Residual withdrawn: 2.9 mL. Discrepancy 3.1 mL; Dr. Okafor notified.",  # telling the doctor is not explaining
])
def test_the_expected_residual_is_read_in_the_programmers_words(audit, reading):
    text = f"SynchroMed II 40 mL. {reading}\nRefilled 40 mL morphine 10 mg/mL. Purchased by practice, invoice 3.\n"
    assert "residual-discrepancy-unexplained" in _rules(audit(text, "95991;J2274x400-JZ"))


def test_a_reading_after_the_refill_is_not_the_expected_residual(audit):
    text = ("SynchroMed II 20 mL. Residual aspirated: 4.0 mL. Refill: 20 mL Lioresal 500 mcg/mL.\n"
            "Post: programmer reservoir 20.0 mL; new alarm date 03/29/2025. Lioresal purchased by practice, invoice 3.\n")
    assert "residual-discrepancy-unexplained" not in _rules(audit(text, "95990;J0475x4-JZ"))


def test_a_gap_within_expected_variance_is_explained(audit):
    text = ("Prometra II 20 mL. Residual aspirated 8.5 mL (expected 9.9 mL). Instilled 20 mL morphine 10 mg/mL.\n"
            "Discrepancy 1.4 mL: Prometra flow accuracy is about +/-15% of delivered volume, so within expected variance.\n"
            "Purchased by practice, invoice 3.\n")
    assert "residual-discrepancy-unexplained" not in _rules(audit(text, "95990;J2274x200-JZ"))


def test_a_short_fill_at_the_last_refill_explains_the_gap(audit):
    text = ("SynchroMed II 20 mL. Programmer expected reservoir 8.2 mL. Aspirated 5.6 mL.\n"
            "Reviewed last refill record: only 17.5 mL instilled (second ampule cracked).\n"
            "Refilled 20 mL morphine 10 mg/mL. Purchased by practice, invoice 3.\n")
    assert "residual-discrepancy-unexplained" not in _rules(audit(text, "95991;J2274x200-JZ"))


def test_a_fill_told_only_in_the_refill_event_is_counted_with_the_strength_on_its_line(audit):
    text = ("ITB refill log. SynchroMed II 20 mL, Lioresal IT 2000 mcg/mL 500 mcg/d.\n"
            "0834 RN: res 2.2 (exp 2.3) aspirated\n"
            "0837 RN: 20 mL Lioresal 2000 mcg/mL (amp, 40 mg) in, no swelling\n"
            "0839 RN: res 20.0 updated. Lioresal practice-purchased, inv 66481. Dr. Voss in suite.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95990;J0475x4-JZ"))
    units = [f for f in audit(text, "95990;J0475x40-JZ")["findings"] if f["rule"] == "drug-units-mismatch"]
    assert len(units) == 1 and "40 mg" in units[0]["message"]


def test_one_drug_diluted_by_a_503b_pharmacy_keeps_its_own_code(audit):
    text = ("Refill: 17.5 mL aspirated (expected 17.9 mL). Instilled 40.0 mL morphine PF 12 mg/mL (diluted from Infumorph "
            "25 mg/mL by Central Admixture Pharmacy Services 503B; practice-purchased, invoice CAPS-556610).\n"
            "Reservoir updated 40.0 mL. Pain 3/10 on the pump. Continue same.\n")
    assert "drug-compound-single-code" not in _rules(audit(text, "95991;J2274x48-JZ"))
    mixed = text.replace("morphine PF 12 mg/mL (diluted from Infumorph 25 mg/mL", "morphine 12 mg/mL + bupivacaine 5 mg/mL (compounded")
    assert "drug-compound-single-code" in _rules(audit(mixed, "95991;J2274x48-JZ"))


@pytest.mark.parametrize("history", [
    "On Prialt since 2021 -- could not tolerate IT morphine (urinary retention, pruritus).",
    "On IT ziconotide since 2023 after IT morphine was stopped for myoclonus and leg edema.",
    "Morphine in the pump made his sleep apnea worse, so Prialt was what was left.",
])
def test_a_ziconotide_indication_told_in_other_words_is_documented(audit, history):
    text = (f"{history}\nRefill: residual 10.8 mL (expected 11.1 mL). Instilled 20 mL Prialt 5 mcg/mL (diluted). "
            "Reservoir 20.0 mL. Purchased by practice, invoice 4.\n")
    assert "ziconotide-indication-missing" not in _rules(audit(text, "95990;J2278x100-JZ"))


def test_the_diluent_in_a_preparation_line_is_not_the_fill_volume(audit):
    text = ("Prialt refill. SynchroMed II 20 mL, Prialt 5 mcg/mL (diluted), 1.2 mcg/day. Residual 6.3 mL withdrawn, discarded.\n"
            "new: Prialt 100 mcg/mL \u00d7 1 mL + PF NS 19 mL = 5 mcg/mL, 20 mL instilled\n"
            "Prialt 1 mL vial - practice purchased, inv #PR-3320. Settings unchanged.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95991;J2278x100-JZ"))
    assert "drug-units-mismatch" in _rules(audit(text, "95991;J2278x1000-JZ"))


BACLOFEN_SYRINGES = (
    "Baclofen 500 mcg/mL, 240 mcg/day. Residual 6.1 mL withdrawn. 40 mL Gablofen 500 mcg/mL (2 x 20 mL prefilled "
    "syringes, nothing discarded) instilled. Reservoir updated to 40 mL. Gablofen purchased by the clinic, invoice #G-1.\n"
)


def test_a_fill_volume_before_prefilled_syringes_is_the_fill_not_one_syringe(audit):
    assert "drug-units-mismatch" not in _rules(audit(BACLOFEN_SYRINGES, "95990;J0475x2-JZ"))


def test_a_discarded_volume_on_the_line_after_instilled_is_not_the_fill(audit):
    text = ("Infumorph 25 mg/mL. Residual 2.4 mL aspirated.\nFill 12 mL only -> 300 mg instilled\n"
            "8 mL (200 mg) discarded from 20 mL ampule, witnessed.\nReservoir 12.0 mL. Infumorph purchased by practice, invoice #I-9.\n")
    assert "drug-units-mismatch" not in _rules(audit(text, "95990;J2274x30;J2274x20-JW"))


def test_an_invoice_that_itemizes_each_drug_by_amount_is_itemised(audit):
    text = ("Admixture fentanyl 1500 mcg/mL + bupivacaine 40 mg/mL. Pump refilled with 10 mL. Residual 1.0 mL.\n"
            "The admixture was purchased by the practice. Invoice number 11803 itemizes fentanyl citrate fifteen thousand "
            "micrograms, bupivacaine hydrochloride four hundred milligrams.\n")
    assert "drug-compound-invoice-missing" not in _rules(audit(text, "95991;J7999x1"))


def test_review_a_fill_label_with_its_value_on_the_next_line_is_read(audit):
    text = "Baclofen 2000 mcg/mL. Volume instilled:\n20 mL. Aspirated 2 mL. Invoice #4471.\n"
    assert "drug-units-mismatch" in _rules(audit(text, "95990;J0475x8-JZ"))
