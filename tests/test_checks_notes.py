"""Each claim check fires on a realistic note and claim, and stays quiet on a compliant one.

Notes run through the real pipeline (session `nlp`) and audit_rows, then
note_findings, as the audit does.
"""
from __future__ import annotations

from typing import Any

import pytest

from auditor.audit import audit_rows
from auditor.checks import claim_summary, note_findings

MD_REFILL = """ITB REFILL
DOS 09/02/2025
Provider: Alan Reyes, MD (procedure performed personally)
S: 44M T8 SCI. Spasms well controlled on current dose, no drowsiness or weakness. Interval hx: no falls, transfers independently.
Pump: SynchroMed II 20 mL, baclofen 2000 mcg/mL, 400 mcg/day simple continuous.
Pre-refill interrogation: expected reservoir 3.4 mL, no alarms.
Residual aspirated 3.2 mL.
Instilled 20 mL baclofen 2000 mcg/mL (Lioresal 40 mg/20 mL ampule), no waste.
Reservoir updated to 20.0 mL, new alarm date 11/20/2025.
Drug purchased by practice, invoice #HS-2231.
[ ] Specialty pharmacy / patient-supplied
Goals reviewed: independent transfers - met. No change to prescription.
Alan Reyes, MD"""

MD_CHANGE = MD_REFILL.replace(
    "No change to prescription.",
    "Nocturnal spasms waking him twice a night, so dose increased from 400 to 440 mcg/day.",
)
MD_NEW_PROBLEM = MD_REFILL.replace(
    "Goals reviewed:",
    "NEW: L leg numbness x 3 wks; MRI L-spine ordered, separate from pump management.\nGoals reviewed:",
)
MD_RESIDUAL_GAP = MD_REFILL.replace("Residual aspirated 3.2 mL.", "Residual aspirated 1.6 mL.")
MD_RESIDUAL_EXPLAINED = MD_REFILL.replace(
    "Residual aspirated 3.2 mL.",
    "Residual aspirated 1.6 mL; discrepancy explained by two bridge boluses on 08/20 not in this log.",
)
# a form whose "Explanation if > 1 mL" field is left blank: the expected and aspirated fields are read as such
FORM_RESIDUAL_GAP = """[x] Refill   [ ] Interrogation only   [ ] Reprogram                02/25/2025
Pump: SynchroMed II 20 mL -- Infumorph 25 mg/mL -- 5.0 mg/day. Pain 3/10 on pump, no drowsiness.
Expected residual: 3.8 mL     Actual aspirated: 1.9 mL
Explanation if > 1 mL (20 mL pump): ______
Instilled: 20 mL (1 x 500 mg/20 mL amp, no waste)
Reservoir updated: 20.0 mL    Alarm date: 05/26/2025
Drug supplied by: clinic purchased, invoice #MS-4410
Comments: Refill w/o difficulty.
Dr. G. Varga, MD"""
PLAIN_RESIDUAL_GAP = MD_REFILL.replace(
    "Residual aspirated 3.2 mL.",
    "She had 1.2 mL left, a little less than the 3.4 mL the programmer expected.",
)
MD_PARTIAL_WASTE = MD_REFILL.replace(
    "Instilled 20 mL baclofen 2000 mcg/mL (Lioresal 40 mg/20 mL ampule), no waste.",
    "Instilled 15 mL baclofen 2000 mcg/mL from a 40 mg/20 mL Lioresal ampule; 5 mL (10 mg) wasted, witnessed by K. Ruiz RN.",
)
MD_PARTIAL_NO_WASTE_NOTE = MD_REFILL.replace(
    "Instilled 20 mL baclofen 2000 mcg/mL (Lioresal 40 mg/20 mL ampule), no waste.",
    "Instilled 15 mL baclofen 2000 mcg/mL from a 40 mg/20 mL Lioresal ampule.",
)
MD_WHITE_BAG = MD_REFILL.replace(
    "Drug purchased by practice, invoice #HS-2231.",
    "Drug: Gablofen white-bagged by Accredo, billed to pt's plan; pt brought it today.",
)
MD_INTERROGATION = """PUMP INTERROGATION
Provider: Alan Reyes, MD
Pain 3/10, spasms controlled on current dose, no weakness.
SynchroMed II 20 mL interrogated: baclofen 2000 mcg/mL, 400 mcg/day, reservoir 11.2 mL, no alarms.
No refill today. Prescription unchanged. Next refill due 11/20/2025.
Alan Reyes, MD"""

RN_REFILL = """ITB REFILL - NURSING
pt reports spasms controlled on current dose, no lethargy.
SynchroMed II 20 mL, baclofen 2000 mcg/mL @ 400 mcg/day. interrogated: expected res 3.4 mL, no alarms.
residual aspirated 3.3 mL. instilled 20 mL baclofen 2000 mcg/mL.
res vol updated 20.0 mL, LRAD 11/20/25. no change to rx.
drug purchased by practice, inv #BX-4410.
Dr. Reyes present in office suite during procedure.
J. Okafor RN"""
RN_VIRTUAL = RN_REFILL.replace(
    "Dr. Reyes present in office suite during procedure.",
    "Supervision: Dr. Reyes supervised the entire refill by real-time audio-video link from the main campus.",
)
PA_REFILL = RN_REFILL.replace("J. Okafor RN", "Q. Hollis PA-C").replace(
    "Dr. Reyes present in office suite during procedure.", "incident-to Dr. Reyes, in suite")
PA_OWN_NPI = PA_REFILL.replace("incident-to Dr. Reyes, in suite", "I performed this service and bill under my own NPI.")

CODMAN = """CONSTANT-FLOW PUMP REFILL
Physician: Harold Brandt, MD
Device: Codman 3000, 30 mL reservoir, fixed flow 1.0 mL/day
Pain 3/10 with pump, no nausea, no sedation. Walking 1 mile daily; goal to keep working - met.
Expected residual 4.0 mL. Residual withdrawn: 3.8 mL.
Refill: 30 mL morphine PF 5 mg/mL instilled, no pocket fill.
Next refill due 05/13/2025. Morphine purchased by practice, invoice #SCA-20931.
No change in concentration.
H. Brandt MD"""

ADMIX = """PAIN PUMP REFILL
Provider: Samuel Okafor, MD
Pt reports 70% relief with hydromorphone/bupivacaine, no sedation. Goals reviewed: walk 30 min daily - met.
SynchroMed II 20 mL; HM 10 mg/mL + bupi 20 mg/mL; HM 2.0 mg/day; expected reservoir 3.1 mL; no alarms.
Residual aspirated 3.0 mL. Instilled 20 mL compounded admixture.
Reservoir 20.0 mL; alarm date 03/10/2026.
Drug: compounded admixture purchased by practice, QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).
Continue same rx.
S. Okafor MD"""
# a faxed pharmacy invoice pasted as a table under the note: the rows under its header itemise it
ADMIX_VENDOR_FIRST = ADMIX.replace(  # the vendor named between 'invoice' and its number
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "Invoice QuVa #QV-902277 (purchased by practice): hydromorphone 10 mg/mL + bupivacaine 20 mg/mL, 20 mL x1.",
)
ADMIX_INVOICE_TABLE = ADMIX.replace(
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "invoice attached.",
) + """

   KESTREL INFUSION PHARMACY               INVOICE  # 88123
   Bill To: Westgate Pain Clinic (acct WPC-014)       Date: 10/17/2024
   Rx for: Abernathy, Cole
   Item                                    Strength      Qty
   Hydromorphone PF                        10 mg/mL      200 mg
   Bupivacaine HCl PF                      20 mg/mL      400 mg
   Compounded IT syringe, 20 mL                          1
   PAID - ck# 20771   10/21/2024
"""
ADMIX_NO_ITEMS = ADMIX.replace(
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "invoice #QV-902277 on file (amount only; itemized ingredient list not received).",
)

ADMIX_DICTATED_COMMA = ADMIX.replace(
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "The invoice, number R-6620, lists hydromorphone 10 milligrams per milliliter and bupivacaine 20 milligrams per "
    "milliliter, twenty milliliters, and what we paid.",
)
ADMIX_SULF = (
    "Provider: Samuel Okafor, MD\nPt reports 70% relief on the pump, no sedation. Goals reviewed: walk 30 min daily - met.\n"
    "SynchroMed II 20 mL; morphine 20 mg/mL + bupivacaine 10 mg/mL; morphine 4.0 mg/day; expected reservoir 3.1 mL.\n"
    "Residual aspirated 3.0 mL. Instilled 20 mL compounded admixture. Reservoir 20.0 mL; alarm date 03/10/2026.\n"
    "DRUG: COMPOUNDED BY CRESTLINE PHARMACY, PURCHASED BY PRACTICE\n"
    "INVOICE CR-110482: MORPHINE SULF PF 20 MG/ML + BUPIVACAINE PF 10 MG/ML, 20 ML.\nS. Okafor MD\n"
)

ADMIX_STATED = ADMIX.replace(
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "invoice QV-CMP-902277 with ingredient, strength and qty attached.",
)
ADMIX_WRAPPED = ADMIX.replace(
    "QuVa invoice #QV-902277 (hydromorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
    "invoice #QV-902277 (hydro-\nmorphone 10 mg/mL, bupivacaine 20 mg/mL, 20 mL).",
)

ZIC = """ZICONOTIDE REFILL
pt doing ok, pain 5/10, no confusion. walks 2 blocks.
pump SynchroMed II 20 mL, Prialt 25 mcg/mL undiluted @ 3.0 mcg/day, no alarms, exp res 8.8 mL.
residual 8.6 mL withdrawn. refill 20 mL Prialt 25 mcg/mL instilled. purchased by practice, inv# PR-2207.
reservoir vol updated 20 mL, LRAD 01/10/26. no changes. goal: keep driving - met.
V. Mendez, MD"""
ZIC_INDICATED = ZIC.replace("ZICONOTIDE REFILL", "ZICONOTIDE REFILL\nOn ziconotide after IT morphine failed (myoclonus); refractory to systemic opioids.")

# case id -> (note text, meta, rule, should it fire)
CASES: dict[str, tuple[str, dict[str, Any], str, bool]] = {
    "clean-md": (MD_REFILL, {"billed_codes": "95991;J0475x4-JZ", "author_role": "MD"}, "*", False),
    "staff-95991": (RN_REFILL, {"billed_codes": "95991;J0475x4-JZ"}, "code-staff-physician-level", True),
    "staff-95990": (RN_REFILL, {"billed_codes": "95990;J0475x4-JZ"}, "code-staff-physician-level", False),
    "reprog-nochange": (MD_REFILL, {"billed_codes": "62370;J0475x4-JZ"}, "code-reprogram-without-change", True),
    "reprog-change": (MD_CHANGE, {"billed_codes": "62370;J0475x4-JZ"}, "code-reprogram-without-change", False),
    "change-as-refill": (MD_CHANGE, {"billed_codes": "95991;J0475x4-JZ"}, "code-change-billed-as-refill", True),
    "change-as-reprog": (MD_CHANGE, {"billed_codes": "62370;J0475x4-JZ"}, "code-change-billed-as-refill", False),
    "refill-none": (MD_INTERROGATION, {"billed_codes": "95991"}, "code-refill-without-refill", True),
    "refill-none-62367": (MD_INTERROGATION, {"billed_codes": "62367"}, "*", False),
    "analysis-with-refill": (MD_REFILL, {"billed_codes": "62367;95991;J0475x4-JZ"}, "code-analysis-with-refill", True),
    "exclusive": (MD_CHANGE, {"billed_codes": "62370;95991;J0475x4-JZ"}, "code-mutually-exclusive", True),
    "exclusive-not-analysis": (MD_CHANGE, {"billed_codes": "62370;95991;J0475x4-JZ"}, "code-analysis-with-refill", False),
    "constant-flow-62369": (CODMAN, {"billed_codes": "62369;J2274x15-JZ"}, "code-programming-constant-flow", True),
    "constant-flow-95991": (CODMAN, {"billed_codes": "95991;J2274x15-JZ"}, "*", False),
    "drug-line-missing": (MD_REFILL, {"billed_codes": "95991"}, "drug-line-missing", True),
    "outside-billed": (MD_WHITE_BAG, {"billed_codes": "95991;J0475x4-JZ"}, "drug-billed-outside-supply", True),
    "outside-not-billed": (MD_WHITE_BAG, {"billed_codes": "95991"}, "*", False),
    "units-wrong": (MD_REFILL, {"billed_codes": "95991;J0475x8-JZ"}, "drug-units-mismatch", True),
    # issue 12: the admixture's single-drug line carries the one error; no unit finding is stacked on it
    "units-ucodes-hm": (ADMIX, {"billed_codes": "95991;J1171x200-JZ"}, "drug-compound-single-code", True),
    "single-code-admixture": (ADMIX, {"billed_codes": "95991;J1171x2000-JZ"}, "drug-compound-single-code", True),
    "noc-admixture-itemised": (ADMIX, {"billed_codes": "95991;J7999x1"}, "*", False),
    "noc-admixture-not-itemised": (ADMIX_NO_ITEMS, {"billed_codes": "95991;J7999x1"}, "drug-compound-invoice-missing", True),
    "noc-admixture-invoice-table": (ADMIX_INVOICE_TABLE, {"billed_codes": "95991;J7999x1"}, "drug-compound-invoice-missing", False),
    "noc-admixture-invoice-says-itemised": (ADMIX_STATED, {"billed_codes": "95991;J7999x1"}, "*", False),
    "noc-admixture-itemised-over-a-line-break": (ADMIX_WRAPPED, {"billed_codes": "95991;J7999x1"}, "*", False),
    "noc-admixture-invoice-vendor-before-number": (ADMIX_VENDOR_FIRST, {"billed_codes": "95991;J7999x1"}, "*", False),
    "noc-admixture-invoice-dictated-with-a-comma": (ADMIX_DICTATED_COMMA, {"billed_codes": "95991;J7999x1"}, "*", False),
    "noc-admixture-invoice-sulf-abbreviated": (ADMIX_SULF, {"billed_codes": "95991;J7999x1"}, "*", False),
    "jw-jz-missing": (MD_REFILL, {"billed_codes": "95991;J0475x4", "service_date": "2025-09-02"}, "drug-jw-jz-missing", True),
    "jw-jz-before-rule": (MD_REFILL, {"billed_codes": "95991;J0475x4", "service_date": "2023-01-15"}, "drug-jw-jz-missing", False),
    "jw-waste-documented": (MD_PARTIAL_WASTE, {"billed_codes": "95991;J0475x3;J0475x1-JW"}, "*", False),
    "jw-waste-undocumented": (MD_PARTIAL_NO_WASTE_NOTE, {"billed_codes": "95991;J0475x3;J0475x1-JW"}, "drug-jw-waste-undocumented", True),
    "em25-routine": (MD_REFILL, {"billed_codes": "95991;J0475x4-JZ;99213-25"}, "em25-not-separate", True),
    "em25-new-problem": (MD_NEW_PROBLEM, {"billed_codes": "95991;J0475x4-JZ;99213-25"}, "*", False),
    "em25-oral-bridge": (MD_REFILL + "Plan: oral baclofen 10 mg q8h x 48 h as a bridge; withdrawal precautions reviewed.\n",
                         {"billed_codes": "95991;J0475x4-JZ;99213-25"}, "em25-not-separate", False),
    "em25-injection-planned": (MD_REFILL + "R S1 radiculopathy follow-up: MRI reviewed, SLR positive. Plan: R L5-S1 TFESI scheduled 03/20.\n",
                               {"billed_codes": "95991;J0475x4-JZ;99213-25"}, "em25-not-separate", False),
    "em25-separate-problem": (MD_REFILL + "Separate problem - knee pain: PDMP reviewed, renewed oxycodone 5 mg #30.\n",
                              {"billed_codes": "95991;J0475x4-JZ;99213-25"}, "em25-not-separate", False),
    "virtual-2019": (RN_VIRTUAL, {"billed_codes": "95990;J0475x4-JZ", "payer": "medicare", "service_date": "2019-06-04"}, "incident-to-virtual-not-allowed", True),
    "virtual-2025": (RN_VIRTUAL, {"billed_codes": "95990;J0475x4-JZ", "payer": "medicare", "service_date": "2025-06-04"}, "*", False),
    "payer-no-incident-to": (PA_REFILL, {"billed_codes": "95991;J0475x4-JZ", "payer": "bcbs_tx"}, "incident-to-payer-not-recognised", True),
    "payer-own-npi": (PA_OWN_NPI, {"billed_codes": "95991;J0475x4-JZ", "payer": "bcbs_tx"}, "*", False),
    "payer-needs-sa": (PA_REFILL, {"billed_codes": "95991;J0475x4-JZ", "payer": "uhc"}, "incident-to-payer-not-recognised", True),
    "payer-with-sa": (PA_REFILL, {"billed_codes": "95991-SA;J0475x4-JZ", "payer": "uhc"}, "*", False),
    "payer-medicare": (PA_REFILL, {"billed_codes": "95991;J0475x4-JZ", "payer": "medicare"}, "*", False),
    "residual-gap": (MD_RESIDUAL_GAP, {"billed_codes": "95991;J0475x4-JZ"}, "residual-discrepancy-unexplained", True),
    "residual-explained": (MD_RESIDUAL_EXPLAINED, {"billed_codes": "95991;J0475x4-JZ"}, "*", False),
    "residual-unable-to-explain": (MD_REFILL.replace("Residual aspirated 3.2 mL.", "Residual aspirated 1.6 mL. Unable to explain "
                                                     "the discrepancy; re-aspirated, no further return."),
                                   {"billed_codes": "95991;J0475x4-JZ"}, "residual-discrepancy-unexplained", True),
    "residual-expected-corrected": (
        MD_REFILL + "Correction (S.P. 09/02/2025 15:45): expected reservoir volume should read 5.4 mL, not 3.4 mL.\n",
        {"billed_codes": "95991;J0475x4-JZ"}, "residual-discrepancy-unexplained", True),
    "residual-corrected-in-attestation": (
        MD_RESIDUAL_GAP + "Attestation: I agree, with one correction: the residual aspirated was 3.2 mL, not 1.6 mL.\n",
        {"billed_codes": "95991;J0475x4-JZ"}, "residual-discrepancy-unexplained", False),
    "residual-form-fields": (FORM_RESIDUAL_GAP, {"billed_codes": "95990;J2274x50-JZ"}, "residual-discrepancy-unexplained", True),
    "residual-form-explained-later": (
        FORM_RESIDUAL_GAP.replace("Comments: Refill w/o difficulty.", "Comments: Residual 1.9 mL under expected; last refill "
                                  "note shows only 18 mL instilled (short fill), so this is consistent."),
        {"billed_codes": "95990;J2274x50-JZ"}, "residual-discrepancy-unexplained", False),
    "residual-plain-words": (PLAIN_RESIDUAL_GAP, {"billed_codes": "95991;J0475x4-JZ"}, "residual-discrepancy-unexplained", True),
    "zic-no-indication": (ZIC, {"billed_codes": "95991;J2278x500-JZ"}, "ziconotide-indication-missing", True),
    "zic-indicated": (ZIC_INDICATED, {"billed_codes": "95991;J2278x500-JZ"}, "*", False),
}


@pytest.fixture(scope="module")
def audited(nlp) -> dict[str, tuple[dict[str, Any], dict[str, Any], str]]:
    rows = [{"note_id": cid, "text": text, **meta} for cid, (text, meta, _, _) in CASES.items()]
    recs = audit_rows(nlp, rows)
    return {r["note_id"]: (rec, meta, text) for r, rec, (text, meta, _, _) in zip(rows, recs, CASES.values())}


@pytest.mark.parametrize("case", list(CASES))
def test_check_fires_on_its_note_and_stays_quiet_on_a_compliant_one(audited, case):
    rec, meta, text = audited[case]
    rule, fires = CASES[case][2], CASES[case][3]
    rules = [f["rule"] for f in note_findings(rec, meta, text)]
    if rule == "*":
        assert rules == [], f"{case}: expected a clean claim, got {rules}"
    elif fires:
        assert rule in rules
    else:
        assert rule not in rules


def test_findings_carry_the_contract_fields_and_exact_evidence(audited):
    seen = 0
    for rec, meta, text in audited.values():
        for f in note_findings(rec, meta, text):
            assert set(f) == {"rule", "severity", "message", "evidence", "facts", "fix"}
            assert f["severity"] in ("error", "warning") and "\n" not in f["message"] and "?" not in f["message"]
            for ev in f["evidence"]:
                assert text[ev["start"]:ev["end"]] == ev["text"]
                seen += 1
    assert seen >= 5


def test_units_message_states_the_arithmetic(audited):
    rec, meta, text = audited["units-wrong"]
    (f,) = [f for f in note_findings(rec, meta, text) if f["rule"] == "drug-units-mismatch"]
    assert f["message"] == "J0475 billed x8 but the note documents 40 mg = 4 units of 10 mg"


def test_a_note_without_a_claim_gets_no_claim_findings(audited):
    rec, _, text = audited["units-wrong"]
    assert note_findings(rec, {"billed_codes": None}, text) == []


def test_an_errored_record_gets_no_findings():
    assert note_findings({"error": "empty text", "facts": {}}, {"billed_codes": "95991"}, "") == []


def test_claim_summary_answers_the_coders_questions(audited):
    rec, meta, text = audited["staff-95990"]
    s = claim_summary(rec, {**meta, "payer": "medicare"}, text)
    assert s["service"] == "refill" and s["performer"] == "RN" and s["incident_to"] is True
    assert s["drug_supplier"] == "practice" and s["drug_expense"] == "practice"
    assert s["medicare"] is True and s["separate_em_billed"] == [] and s["drug_lines"] == ["J0475x4-JZ"]
    rec, meta, text = audited["outside-not-billed"]
    s = claim_summary(rec, meta, text)
    assert s["drug_supplier"] == "outside" and s["physician_performed"] is True and s["incident_to"] is False
    rec, meta, text = audited["change-as-refill"]
    assert claim_summary(rec, meta, text)["service"] == "refill and reprogramming"
