"""The visit model's events as clinicians tell them: changes of another day, plans, settings and
explicit "no change today" are not changes at this visit; a refill said not completed after a
copied fill is not a refill; pump status and response told in plain words (ANNOTATION_GUIDELINE)."""
from __future__ import annotations

import pytest

from auditor.audit import audit_note

REFILL = "Pump refilled with 20 mL baclofen 2000 mcg/mL. Reservoir 20.0 mL, alarm date updated.\n"


def visit_facts(nlp, text: str, **meta) -> dict:
    """The visit model's facts for a whole note (no refill line put before it)."""
    rec = audit_note(text, nlp=nlp, **meta)
    assert rec["error"] is None
    return rec["facts"]


def changed(nlp, line: str, service_date: str = "2025-06-17") -> bool:
    return visit_facts(nlp, REFILL + line, author_role="MD", service_date=service_date)["regimen_change"]


def status(nlp, line: str, element: str, role: str = "MD") -> str:
    """An element's status for a refill note with `line` after the refill."""
    return audit_note(REFILL + line, nlp=nlp, author_role=role)["elements"][element]["status"]


def reassessment_parts(nlp, line: str) -> set[str]:
    """The parts (condition, goals) reassessment evidence covers in a refill note with `line` after it."""
    rec = audit_note(REFILL + line, nlp=nlp, author_role="MD")
    return {e.get("part") for e in rec["elements"]["reassessment"]["evidence"]}


@pytest.mark.parametrize("line", [
    "Titration history:\n- 2023: dose 220 -> 250 mcg/day for extensor spasms during transfers. Good effect.",
    "Dose went up to 400 mcg/day at Feb refill for night spasms.",
    "Dr. Reyes lowered her baclofen on Monday from 240 to 200 mcg/day; she feels steadier.",
    "She is back for her refill two months after we bumped up the baclofen. Evenings are better.",
    "Residual 2.5 mL higher than expected, consistent with 12 days at reduced rate during admission.",
    "Since the 5/6 increase to 900 mcg/day: sleeping through the night, spasms 1/day.",
    "Titrated 250 -> 350 mcg/day over the last 3 visits; spasms down to 1-2/day.",
    "He is eating better. His Creon dose was increased by his gastroenterologist.",
])
def test_a_change_the_note_places_at_another_day_is_not_todays(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", [
    "Ordinarily I would increase 10%, but with new myoclonus I am holding the dose.",
    "If a granuloma is confirmed we will discuss with neurosurgery switching to saline or reducing the baclofen.",
    "Came in expecting a dose increase; spasms are controlled, so the dose is left as is.",
    "A/P: nocturnal spasms - plan raise ITB 10% to 330 mcg/day or switch to flex dosing with more overnight.",
])
def test_a_change_only_thought_of_or_asked_for_is_not_made(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", [
    "PTM: Disabled",
    "40 mL new solution instilled with aspiration checks every 5 mL.",
    "IT baclofen restored at home dose after the hospital stay.",
    "Hospice RN reports sleeping more. Feeds reduced to 3 cans/day (vomiting with more).",
    "Still walking with wife but cut back to 3x/wk because of the hip.",
    "Pain 3-4/10 on current dose (was 8/10 before pump), walks 2 blocks.",
    "She uses her patient-activated bolus once or twice a day, mostly in the evenings.",
    "Pump: flex schedule running as programmed; reservoir 6.4 mL (calc); no alarms.",
    "Goals: stay on light duty and walk 20 min daily; walking reduced since knee injury.",
    "She called on Monday because her baclofen pump had started beeping.",
    "Prialt 100 micrograms/mL diluted with 19 mL of preservative-free saline, instilled all 20 mL.",
    "Leg burning has stayed around 4/10 with the bupivacaine added, vs 7/10 on morphine alone.",
    "She said the new dose has been a godsend for her legs; burning is way down.",
    "Saw her PCP, thyroid dose adjusted, otherwise no changes to her meds.",
    "Band-like burning much reduced since clonidine added last year.",
    "She has restarted hydrotherapy weekly and cut back to part-time work (3 days) by choice.",
    "New solution prepared in the clean room by our pharmacist from a Prialt 100 mcg/mL vial.",
    "Interval: leg pain 5/10 since the increase to 2.4 mcg/day (was 7/10). Walking 2 blocks.",
    "Pain in feet 4/10, down from 7/10 before starting Prialt; no confusion.",
    "Oral breakthrough: oxycodone 5 mg. Using ~1/day; reduced Rx from #60 to #45 per month.",
    "Reservoir set to 20.0 mL; infusion resumed at 280 mcg/day, no change in rx.",
    "Rx before: 2.0 mg/d      Rx after: 2.0 mg/d",
    "Burning much better since the addition of clonidine in May.",
])
def test_a_setting_a_fresh_fill_a_response_or_another_medicines_change_is_not_a_change(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("statement", ["Dose unchanged today.", "A/P: improved evening control. Continue 2.75 mg/day, no changes today."])
def test_dose_unchanged_today_outweighs_a_change_line_not_said_to_be_today(nlp, statement):
    copied = "Post-refill: reprogrammed per Dr. Okafor order - 400 -> 440 mcg/day for nocturnal spasms.\n"
    assert changed(nlp, copied) is True
    assert changed(nlp, copied + statement) is False


def test_no_change_made_today_outweighs_a_change_named_only_in_an_explanation(nlp):
    line = "I explained a new rate takes 2-3 weeks to judge; no change made today. Will reassess at refill.\n"
    assert changed(nlp, "Reprogrammed 400 -> 440 mcg/day for nocturnal spasms.\n") is True
    assert changed(nlp, "Reprogrammed 400 -> 440 mcg/day for nocturnal spasms.\n" + line) is False


def test_an_admixture_component_halved_under_its_short_name_is_a_change(nlp):
    assert changed(nlp, "NEW mix: HM 10 mg/mL + bupi 10 mg/mL (bupi halved for retention; HM unchanged)\n") is True


def test_a_change_said_to_be_made_today_stands_beside_no_change_to_the_prescription(nlp):
    line = "Baclofen 2000 mcg/mL 440 mcg/day -> DECREASED today to 400 mcg/day for drowsiness.\nNo change to prescription today."
    assert changed(nlp, line) is True


def test_a_decimal_after_dose_changed_is_a_new_value_not_a_zero_change_field(nlp):
    assert changed(nlp, "Reprogram: myPTM dose changed 0.05 -> 0.08 mg, lockout unchanged.") is True


def test_a_refill_not_completed_after_a_carried_forward_fill_is_not_a_refill(nlp):
    text = ("Procedure: template, 22 G Huber. Residual 6.1 mL aspirated (expected 6.0). Instilled 20 mL admixture. "
            "Reservoir updated to 20.0 mL.\nREFILL NOT COMPLETED TODAY: 3 passes, could not seat needle. No drug instilled.\n"
            "Plan: fluoroscopy-guided refill on Friday.\n")
    rec = audit_note(text, nlp=nlp, author_role="MD", service_date="2025-03-12", billed_codes="95991;J7999")
    assert rec["facts"]["refill"] is False
    assert "code-refill-without-refill" in {f["rule"] for f in rec["findings"]}
    second_pass = text.replace("No drug instilled.\n", "No drug instilled.\nSecond pass under ultrasound: instilled 20 mL admixture.\n")
    assert audit_note(second_pass, nlp=nlp, author_role="MD", service_date="2025-03-12")["facts"]["refill"] is True


def test_last_procedures_values_are_not_todays_refill(nlp):
    text = ("Pump check for alarm. Last procedure (03/14/2025): fluoro-guided refill, residual 5.4 mL, 20 mL instilled.\n"
            "Interrogation today: reservoir 15.3 mL, infusing as programmed. No refill, no programming change.\n")
    assert audit_note(text, nlp=nlp, author_role="MD", service_date="2025-04-02")["facts"]["refill"] is False


@pytest.mark.parametrize("text", [
    "I drew back 4.8 cc's, and by the chart the expected was 5.3. Then I filled it with 30 cc's of morphine 14 mg/mL. "
    "The pump is full now at 30 cc's and she's due back in 7 weeks.",
    "The programmer said 30.9 cc's should be in it and I drew out 30.6 cc's, and then I put in 35 cc's of Lioresal. "
    "Updated the volume to 35 and the alarm date came back as the middle of next January.",
    "asp 4.8 mL (exp ~5). inst 35 mL, res now 35, next fill ~8 wk.",
    "interrog: res 2.2 mL exp, no alarms, batt ok. asp 2.0.\ninst 20 → 20.0, next empty 3/1, pt given card.",
    "I pulled back 4.5 mL; the math from his last refill said about 5. Filled with 20 mL. He's back to about 24 mL.",
    "Expected 4.4, got 4.2. Refilled 20, reservoir updated, alarm 6/28.",
    "Programmer said 6.5 expected and I only got back 3.8, so I called Dr. Patel. New alarm date 4/18.",
    "Got back 5.5, expected 5.7. Filled her up with 40 and the new alarm date came up 8/22.",
    "Refilled 40 mL.\nClinician Programmer - Session Summary\n                   Initial           Final\n"
    "Res Vol          7.0 mL            40.0 mL\nAlarm date       10/16/2025       12/21/2025\n",
])
def test_pump_status_told_in_plain_words_before_and_after(nlp, text):
    assert audit_note(text, nlp=nlp, author_role="MD")["elements"]["pump_status"]["status"] == "met"


def test_better_than_before_the_pump_is_todays_response(nlp):
    text = REFILL + 'Pt reports spasms "way better than before the pump," sleeping through the night.\n'
    assert audit_note(text, nlp=nlp, author_role="MD")["elements"]["dose_response"]["status"] == "met"


def test_an_addendum_written_after_the_visit_for_a_records_request_does_not_supervise(nlp):
    note = ("Refill performed by C. Jennings, RN. Residual 3.1 mL (expected 3.3 mL). Instilled 20 mL baclofen 2000 mcg/mL; "
            "reservoir 20.0 mL, alarm date 10/22/2025. Spasms controlled on 300 mcg/day.\n\n"
            "ADDENDUM {header}\n"
            "I was physically present in the clinic suite during the 08/14/2025 refill.\nMartin Cole, MD\n")
    def incident_to(header: str) -> str:
        rec = audit_note(note.format(header=header), nlp=nlp, author_role="RN", service_date="2025-08-14")
        return rec["elements"]["incident_to"]["status"]
    assert incident_to("11/04/2025 - entered in response to Medicare ADR (records request dated 10/28/2025)") == "missing"
    assert incident_to("08/14/2025 16:40 - M. Cole, MD") == "met"


@pytest.mark.parametrize("line", [
    "Drug: purchased by Olmstead Family Medicine, Cardinal invoice #CH-2252276, lot L4988A.",
    "Morphine compounded by Apex, purchased by the practice, invoice AX-52277 listing preservative free morphine 15 mg/mL.",
])
def test_a_practice_named_family_medicine_and_a_preservative_free_drug_are_not_a_relative_or_a_negation(nlp, line):
    assert status(nlp, line, "drug_cost") == "met"


def test_a_physician_said_to_be_away_today_is_not_supervising_whatever_the_template_says(nlp):
    note = ("Performed by: Kayla Soto, MA\nSupervising physician: Ramesh Iyer, MD   Present in suite: Yes\n"
            "Pump interrogated, reservoir 12.2 mL, no alarms. Pain at her usual level on the pump, about 4/10.\n"
            "{line}\n")
    def incident_to(line: str) -> str:
        return audit_note(note.format(line=line), nlp=nlp, author_role="MA")["elements"]["incident_to"]["status"]
    assert incident_to("Dr. Iyer out of office today; printout routed to him for review.") == "missing"
    assert incident_to("Dr. Halvorsen in the OR today; printout routed to him.") == "met"  # another physician's absence


@pytest.mark.parametrize("line", [
    "About 5 days without intrathecal opioid, so loss of tolerance is likely - restarted at 2.5 mg/day to avoid respiratory depression.",
    "Refill 20 mL of NEW conc: morphine 20 mg/mL + clonidine 100 mcg/mL. Reason for change: ______",
    "A fill at 2 mg/mL only lasts about 2 months, so we went to the stronger 4 mg/mL at the same daily dose.",
    "Dr. Whitcomb saw her before I started and ordered the stronger mix: morphine 10 -> 12 mg/mL.",
    "Pump restarted at 2.5 mg/day (50% of prior dose) after the withdrawal.",
    "Rx before: 2.0 mg/d      Rx after: 1.6 mg/d   (crossed out: 1.5)",
    "Pump refill with addition of clone a dean 50 micrograms per mL for the burning leg pain.",
])
def test_a_change_after_a_possibility_or_told_as_a_new_conc_is_made(nlp, line):
    assert changed(nlp, line) is True


def test_a_circled_or_unmarked_yes_no_field_is_read_as_its_answer():
    from auditor.normalize import normalise

    assert normalise("Dose change: Y / (N)          Reason for change: ____").text.startswith("Dose change: No ")
    assert normalise("Supervising provider in suite: (Y) / N").text == "Supervising provider in suite: Yes"
    assert normalise("Dose change:  Y / N\nDrug supplied by: clinic").text == "Dose change: ____\nDrug supplied by: clinic"
    assert normalise("pt answers yes/no with eye blinks").text == "pt answers yes/no with eye blinks"


@pytest.mark.parametrize("field", ["Dose change:  Y / (N)", "Dose change:  Y / N", "Dose change   Y / (N)"])
def test_a_dose_change_field_answered_no_or_left_unmarked_is_not_a_change(nlp, field):
    assert changed(nlp, field + "\nReason for change: ________\n") is False


def test_a_circled_yes_in_a_dose_change_field_is_a_change(nlp):
    assert changed(nlp, "Dose change: (Y) / N   Reason for change: night spasms\n") is True


def test_an_unnamed_on_site_box_yields_to_the_physician_said_to_be_away(nlp):
    body = REFILL + "Performed by K. Alvarez RN.\n[x] Supervising MD on site\n"
    away = "Comment: Dr. Reyes in OR at main hospital today - available by phone for questions.\n"
    rec = audit_note(body, nlp=nlp, author_role="RN", service_date="2025-06-17")
    assert rec["elements"]["incident_to"]["status"] == "met"
    rec = audit_note(body + away, nlp=nlp, author_role="RN", service_date="2025-06-17")
    assert rec["elements"]["incident_to"]["status"] == "missing"


def test_live_video_supervision_is_not_undone_by_the_physician_being_off_site(nlp):
    text = REFILL + ("Performed by K. Alvarez RN.\nSupervision: Dr. Whitcomb is off site today; tele-supervised via "
                     "real-time audio-video for the duration of the refill.\nAddendum: Supervised by live video.\n")
    rec = audit_note(text, nlp=nlp, author_role="RN", service_date="2025-06-17")
    assert rec["facts"]["supervision"] is not None


def test_a_correction_that_the_named_physician_was_elsewhere_this_morning_undoes_his_presence(nlp):
    body = REFILL + "Performed by O. Hart RN.\nDr. Samuel Ames in suite.\n"
    fix = "Addendum: Correction: Dr. Ames was at the surgery center this morning and was available by phone only.\n"
    assert audit_note(body, nlp=nlp, author_role="RN")["elements"]["incident_to"]["status"] == "met"
    assert audit_note(body + fix, nlp=nlp, author_role="RN")["elements"]["incident_to"]["status"] == "missing"


def test_a_change_made_because_of_what_followed_an_earlier_change_is_todays(nlp):
    line = ("Swelling and drowsiness both started after the March increase, so I have reduced her daily dose "
            "from 6.0 back to 5.0 mg.\n")
    assert changed(nlp, line) is True
    assert changed(nlp, "Seen 2 weeks after the concentration change on 2/27 (Gablofen 1000 -> 2000 mcg/mL).\n") is False


def refill_of(nlp, text: str) -> str:
    rec = audit_note(text, nlp=nlp, author_role="RN", service_date="2025-07-01")
    assert rec["error"] is None
    return rec["facts"]["refill_status"]


def test_a_block_between_copied_from_and_end_copy_is_an_earlier_visits_refill(nlp):
    text = ("Interrogation: reservoir 9.5 mL, alarm date 09/18/25. ERI reached 06/28/25.\n\n"
            "copied from 4/22/25:\nRefill: template, 22G. Residual aspirated 7.0 mL (expected 7.4). Instilled 20 mL "
            "morphine 20 mg/mL. Reservoir updated 20.0 mL.\nend copy\n\nA/P: referred for pump replacement, no change today.\n")
    assert refill_of(nlp, text) == "none"


@pytest.mark.parametrize("line", [
    "last fill 11/19, exp 16.6 asp 16.3, no alarms.\ninst 20 → res 20.0, LRAD capped 4/20 (84d).",
    "Checked the site, got in fine on the first try, emptied it and filled him with his usual mix from the compounding pharmacy.",
])
def test_a_refill_in_shorthand_or_plain_words_is_a_refill(nlp, line):
    assert refill_of(nlp, line) == "done"


def test_a_drug_switch_in_shorthand_is_a_change(nlp):
    assert changed(nlp, "switch MS → HM today 2/2 LE edema on IT MS (2+ bilat)\n") is True


def test_a_change_an_arrow_leads_to_from_a_negated_criterion_is_made(nlp):
    line = "Titration step 3 per protocol: NRS >= 4 and no AE >= Gr 2 → dose increased 1.0 → 1.5 mcg/day.\n"
    assert changed(nlp, line) is True


def test_a_change_the_patient_would_like_but_is_told_is_not_made_today_is_no_change(nlp):
    line = ("Says his pain is creeping up in the evenings and he'd like the pump turned up. Told him we weren't changing "
            "anything today and I'd pass it along to Dr. Okafor.\n")
    assert changed(nlp, line) is False


def test_a_last_fill_date_field_does_not_make_todays_readings_on_its_line_history(nlp):
    text = "Codman 3000 (30mL) const flow - refill.\nlast fill 8/13, exp ~2 mL, asp 2.3 mL.\ninst 30 mL.\n"
    rec = audit_note(text, nlp=nlp, author_role="MD", service_date="2025-10-01")
    assert rec["elements"]["pump_status"]["status"] == "partial"


def test_a_drug_the_patient_brought_from_a_specialty_pharmacy_is_not_the_practices_cost(nlp):
    text = REFILL + "drug pt brought (SP delivered to home), lot/exp checked.\n"
    assert audit_note(text, nlp=nlp, author_role="NP")["elements"]["drug_cost"]["status"] == "not_applicable"


def test_the_date_of_the_visit_that_planned_a_change_does_not_date_the_change(nlp):
    line = ("Dose increased by 10 per cent from 412 to 453 mcg/day as planned at Dr. Okafor's review on 15/04/2025. "
            "Reservoir updated 20 mL; new alarm date 31/07/2025.\n")
    assert changed(nlp, line, service_date="2025-05-13") is True


def test_changes_in_a_pump_history_opened_by_years_are_not_todays(nlp):
    line = ("Pump history: implanted 2020 after a 50 mcg trial. 2021 increased to 160 mcg/day. "
            "2022 concentration changed to 1000 mcg/mL.\nToday: refill only, no change.\n")
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", [
    "- 2018 SynchroMed II 40 mL for failed back surgery syndrome. IT morphine started 1.5 mg/day.",
    "2023 - sufentanil 30 -> 35 mcg/day for leg pain.",
    "We came so we could make sure his baclofen pump started up again after the MRI.",
    "Nothing about his dose changed, and on this pump it can't change without a different strength.",
])
def test_a_dated_history_item_a_pump_restart_or_nothing_changed_is_no_change_today(nlp, line):
    assert changed(nlp, line + "\n") is False


def test_a_signed_percent_to_a_new_dose_is_a_change(nlp):
    assert changed(nlp, "Reprogrammed: +10% to hydromorphone 2.64 mg/day / clonidine 22 mcg/day.\n") is True


@pytest.mark.parametrize("line, status", [
    ("Baclofen 2000 mcg/mL, comprado por la clínica, factura #VPS-25-0218.", "met"),
    ("Instilled 20 mL Infumorph 25 mg/mL (hospital pharmacy).", "not_applicable"),
])
def test_who_paid_for_the_drug_in_spanish_or_at_a_hospital_bedside(nlp, line, status):
    assert audit_note(REFILL + line + "\n", nlp=nlp, author_role="MD")["elements"]["drug_cost"]["status"] == status


def test_a_pump_history_heading_covers_its_paragraph_and_no_more(nlp):
    history = "Pump history: implanted for failed back surgery; morphine dose was increased from 1.4 to 1.5 mg/day for leg pain.\n\n"
    assert changed(nlp, history + "Interval: doing well on the current dose.\n") is False
    assert changed(nlp, history + "Today: morphine 1.5 -> 1.65 mg/day for evening leg pain.\n") is True


@pytest.mark.parametrize("line", [
    "IT hydromorphone 10 mg/mL (SynchroMed II 20 mL, refilled at home by Cardinal Home Infusion 04/01). Pain 3/10.",
    "Zic started 3/03. 1st refill 3/14 done. Pain still 7/10.",
    "Settings reviewed - no changes made. Refill ~11/2025.",
    "Synchro med two forty mL placed in twenty nineteen with intrathecal morphine.",
])
def test_a_refill_or_implant_the_note_dates_to_another_day_is_not_todays_refill(nlp, line):
    """Interrogation-only visits that mention an earlier fill by someone else, a dated first refill,
    the next refill's month, or a dictated implant year: nothing went into the pump today."""
    text = line + "\nInterrogation: reservoir 16.6 mL, no alarms.\n"
    assert audit_note(text, nlp=nlp, author_role="MD", service_date="2025-04-22")["facts"]["refill"] is False


def test_an_attestation_headed_by_its_physician_says_who_i_is(nlp):
    """"I personally performed the refill" under a physician's attestation heading, after a nurse's note and
    signature: the physician performed it, whoever signs last."""
    text = ("Pump Refill - Nursing documentation\nPt says her back is good as long as the pump is going.\n"
            "Dr. Abiola accessed the pump; RN assisted. 18 mL Infumorph 10 mg/mL instilled. Reservoir 18.0 mL.\n"
            "D. Foley, RN\n\n"
            "Attestation - Grace Abiola, MD, 07/18/2023: I personally performed the refill. Agree with RN documentation.\n")
    rec = audit_note(text, nlp=nlp, author_role="RN", service_date="2023-07-18")
    assert rec["facts"]["performer_role"] == "MD"
    assert rec["elements"]["incident_to"]["status"] == "not_applicable"


def test_an_attached_prior_encounter_is_an_earlier_visits_refill(nlp):
    text = ("PHYSICIAN ITB VISIT\nInterrogation: reservoir 12.5 mL, no alarms. No refill today; no changes made.\n"
            "H. Kaur, MD\n"
            "** Attached prior encounter (08/06/2024, nursing) **\n"
            "Residual withdrawn 2.1 mL. Refilled 20 mL. Reservoir vol entered 20.0 mL.\nT. Brandt, RN\n")
    assert audit_note(text, nlp=nlp, author_role="MD", service_date="2024-11-05")["facts"]["refill"] is False


def test_a_resident_named_as_present_does_not_supervise_but_an_attending_does(nlp):
    base = ("RN refill: residual 2.1 mL (expected 2.3 mL) aspirated, instilled 20 mL, reservoir updated to 20.0 mL.\n"
            "{}\nK. Lane, RN\n")
    resident = audit_note(base.format("Dr. Patel (PGY3) present in clinic during the refill."), nlp=nlp,
                          author_role="RN", service_date="2025-09-02")
    assert resident["elements"]["incident_to"]["status"] == "missing"
    attending = audit_note(base.format("Dr. Patel (PGY3) and Dr. Gruber present in clinic during the refill."), nlp=nlp,
                           author_role="RN", service_date="2025-09-02")
    assert attending["elements"]["incident_to"]["status"] == "met"


@pytest.mark.parametrize("text, service_date", [
    ("Refilled 02/13/2024 (not due today). Interrogation: reservoir 13.7 mL, no alarms.\n", "2024-03-26"),
    ("Refilled here 4/29/25 with hydromorphone 20 mg/mL. Seen today for itching. Reservoir 36.2 mL, no alarms.\n",
     "2025-05-02"),
    ("Refilled here 10/7 by RN (20 mL instilled, residual matched expected). Back today with a tender pocket. "
     "Interrogation: reservoir 18.4 mL calc, no alarms.\n", "2024-10-08"),
    ("Refill 05/02/25: residual 8.9 mL withdrawn, instilled 20 mL ziconotide 10 mcg/mL.\n"
     "Today: dizzy x5 days. Interrogation: reservoir 15.7 mL, no alarms.\n", "2025-05-20"),
    ("Sleepy since yesterday. At the 7/20 refill the concentration was changed 5 -> 10 mg/mL. "
     "Interrogation: reservoir 19.2 mL.\n", "2025-07-22"),
    ("Pump interrogated only: reservoir 9.1 mL, no alarms. Dr. Amari decided not to access the pump today. "
     "No needle was placed.\n", "2025-06-10"),
    ("Interrogation: reservoir 11.8 mL expected. Aspirated 11.4 mL until no further return; drug wasted, witnessed. "
     "Flow programmed to 0 mcg/day (therapy suspended) before the MRI.\n", "2025-06-10"),
])
def test_a_refill_dated_days_earlier_put_off_or_an_emptying_is_not_todays_refill(nlp, text, service_date):
    assert audit_note(text, nlp=nlp, author_role="MD", service_date=service_date)["facts"]["refill"] is False


def test_a_flowsheet_row_answered_na_or_a_dash_is_not_a_refill_or_a_goal(nlp):
    text = ("Row | Value | Time | User\nVisit type | Post-MRI pump check | 06/24/25 1505 | BT MA\n"
            "Reservoir volume | 9.8 mL | 06/24/25 1508 | BT MA\nResidual / instilled | N/A | |\n"
            "Volume instilled | N/A | |\nGoals | \u2014 | |\nComment: pump read after MRI, infusing as programmed.\n")
    rec = audit_note(text, nlp=nlp, author_role="MA", service_date="2025-06-24")
    assert rec["facts"]["refill"] is False
    assert rec["elements"]["pump_status"]["status"] == "not_applicable"
    assert not [e for e in rec["elements"]["reassessment"]["evidence"] if e.get("part") == "goals"]


def test_a_typed_outside_supply_after_a_default_purchase_field_wins_unless_an_invoice_is_named(nlp):
    base = ("Instilled 30 mL morphine 15 mg/mL. Reservoir volume updated to 30.0 mL, alarm date 06/26/2025.\n"
            "Medication source: practice-purchased stock.\n")
    outside = ("NOTE: drug for this pt is white-bagged - shipped by his plan's specialty pharmacy (Accredo), "
               "billed by Accredo to his UHC plan. Not clinic stock.\n")
    rec = audit_note(base + outside, nlp=nlp, author_role="MD", service_date="2025-06-03")
    assert rec["facts"]["drug_supplier"] == "outside"
    assert rec["elements"]["drug_cost"]["status"] == "not_applicable"
    invoiced = base.replace("stock.", "stock, invoice #MCP-88213.")
    rec = audit_note(invoiced + outside, nlp=nlp, author_role="MD", service_date="2025-06-03")
    assert rec["facts"]["drug_supplier"] == "practice"


@pytest.mark.parametrize("line", [
    "Urinary retention since the last increase. Baclofen back to 300 mcg/day.",  # a return to an earlier dose
    # 'Goal per pt:' is not the identification line
    "Goal per pt: eat lunch with family. myPTM ADDED for meal-related breakthrough pain: 40 mcg, lockout 2 h.",
    # a two-column printout read line by line: the next column's 'not yet' does not reach across the gap
    "Goal: stay up through afternoon   Instilled 40 mL\nto care for husband - not yet   HM increased to 1.65 mg/day (+10%)\n"
    "met.   for afternoon pain.\n",
])
def test_a_change_made_today_is_read_whatever_stands_beside_it(nlp, line):
    assert changed(nlp, line) is True


@pytest.mark.parametrize("line", [
    "Dose increased 10% to 330 mcg/day per titration plan from the July visit for persistent spasms.",
    "Per plan from the August visit, rate increased 1.0 -> 1.1 mg/day for evening pain.",
])
def test_a_plan_dated_by_the_visit_that_made_it_is_carried_out_today(nlp, line):
    assert changed(nlp, line, service_date="2024-10-29") is True


@pytest.mark.parametrize("line", [
    "Pt here for pump refill. Pump read: res 6.6 ml, alarm date 7/08/25. T 100.9. Holding refill until afebrile; resched 7/1.",
    "Interrogation: reservoir 2.1 mL, low reservoir alarm. Febrile today, so deferring refill; reservoir adequate to 4/18.",
    "Interrogation: reservoir 2.0 mL, low reservoir alarm.\nRefill appt moved up to 12/05 w/ RN.",
    "Interrogation: reservoir 9.5 mL, no alarms.\nRefill booked tomorrow 0800 with RN; drug ordered.",
])
def test_a_refill_held_deferred_or_booked_for_another_day_is_not_todays_refill(nlp, line):
    assert refill_of(nlp, line) == "none"


def _incident_to(nlp, text: str) -> str:
    return audit_note(text, nlp=nlp, author_role="RN", service_date="2025-03-01")["elements"]["incident_to"]["status"]


def test_off_site_words_about_another_named_physician_do_not_undo_the_supervisor(nlp):
    body = "\nPt reports pain 3/10 on the pump. Refilled 20 mL; reservoir 20 mL.\n"
    assert _incident_to(nlp, "Supervising physician in clinic: Dr. Tran (Dr. Haines, pt's physician, at the hospital today)." + body) == "met"
    assert _incident_to(nlp, "Supervising physician: Dr. Tran (at the hospital today, available by phone)." + body) == "missing"
    assert _incident_to(nlp, "Supervising physician on site: Dr. Tran for Dr. Haines, available by pager." + body) == "missing"
    assert _incident_to(nlp, "Dr. Haines (pt's physician) is at the hospital today, so Dr. Tran was present in the suite." + body) == "met"


def test_a_colon_answer_in_a_later_clause_does_not_negate_the_physicians_presence(nlp):
    text = ("3 puncture attempts, no fluid aspirated, procedure stopped, no medication instilled.\n"
            "Dr. M. Okafor (MD) present in suite, examined the site: no haematoma.\n")
    assert _incident_to(nlp, text) == "met"
    assert _incident_to(nlp, "Refilled 20 mL; reservoir 20 mL.\nPhysician present in suite: no\n") == "missing"
    assert _incident_to(nlp, "Refilled 20 mL; reservoir 20 mL.\nPhysician in office suite, immediately available: No.\n") == "missing"


@pytest.mark.parametrize("line, made", [
    ("Follow-up after Sept dose increase (550 -> 605 mcg/day). Spasms much improved.", False),
    ("Follow-up after the last dose increase. Doing well.", False),
    ("Plan: pruritus and urinary retention since the increase -> dose decreased to 1.7 mg/day. Reprogrammed.", True),
    ("Reprogramming: loss of extensor tone after the increase - dose decreased 170 -> 150 mcg/day.", True),
    ("Decision: remove clonidine from the admixture today. Refilled with hydromorphone-only 2 mg/mL, same rate.", True),
    ("At last visit - dose increased 10% to 330 mcg/day for night spasms.", False),
    ("At last refill -> rate increased 10% for spasms.", False),
    ("Spasms persist. Observed 30 min after the dose increase to 330 mcg/day; no sedation.", True),
    ("Residual: removed the hydromorphone from the pump, 3.2 mL, discarded. Refilled with same, no changes.", False),
])
def test_a_change_named_as_what_came_before_is_history_but_what_an_arrow_or_dash_leads_to_is_made(nlp, line, made):
    assert changed(nlp, line) is made


@pytest.mark.parametrize("line", [
    "0940 Dr. Osei at chairside, remained through procedure.",
    "Dr. Ruiz in infusion center today (procedure session, room 2).",
])
def test_a_physician_at_chairside_or_in_the_infusion_center_is_present(nlp, line):
    assert _incident_to(nlp, line + "\nPt reports pain 3/10 on the pump. Refilled 20 mL; reservoir 20 mL.\n") == "met"


def test_a_refill_under_fluoroscopy_planned_after_a_failed_attempt_is_not_a_fill(nlp):
    text = ("Interrogation: reservoir 4.8 mL, no alarms.\nProcedure: three passes with 22G Huber needle, unable to engage "
            "central port. Aborted. No drug instilled.\nPlan discussed with Dr. Abrams: refill under fluoroscopy in the "
            "procedure room Thursday 1/30 with Dr. Abrams.\n")
    assert refill_of(nlp, text) == "attempted"
    assert refill_of(nlp, "Pump refilled under sterile technique with 20 mL baclofen 2000 mcg/mL. Reservoir 20.0 mL.\n") == "done"


def test_a_previous_encounter_printed_for_reference_does_not_supervise_today(nlp):
    text = ("07/16/2024 10:20 Refill note - Rosa Delgado, RN\nInterrogation: reservoir 3.1 mL, no alarms. Residual 2.9 mL "
            "aspirated. Refilled 20 mL. Pt reports pain 2/10 on the pump.\n\n"
            "Previous encounter 05/21/2024 for reference:\n----- Addendum ----- Joseph Whitcomb, MD 05/21/2024\n"
            "I was physically present in the suite during the refill.\n")
    assert _incident_to(nlp, text) == "missing"


@pytest.mark.parametrize("line", [
    "Reservoir volume reprogrammed from 2.7 mL to 20 mL. Alarm date updated 03/15/2026.",
    "Res vol reprogrammed 3.3 -> 20.0 mL; alarm date updated.",
    "Pump reservoir reset from 3.1 to 40 mL.",
    "Daily dose 4.0 mg/day -> 4.0 mg/day. Rate 0.400 mL/day -> 0.400 mL/day. Programmed per current Rx.",
    "Basal and PTM: 4.0 basal + 4 x 0.2 = 4.8 mg/day maximum; both unchanged.",
])
def test_a_reservoir_volume_update_or_restated_same_values_is_not_a_change(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", [
    "Reservoir volume 40 mL, basal increased from 4.0 to 4.4 mg/day for pain.",
    "Titration step per protocol for ongoing pain: +0.6 mcg/day (+50%) -> 1.8 mcg/day.",
    "We increased your dose because your leg pain was keeping you up at night.",
])
def test_a_change_beside_a_reservoir_volume_or_told_as_a_signed_step_or_to_the_patient_is_made(nlp, line):
    assert changed(nlp, line) is True


def test_a_sentence_about_the_last_visits_note_does_not_make_the_rest_of_the_note_copied(nlp):
    text = ("IT PUMP REFILL - RN\nBasal only: 4.0 mg/day.\n"
            "** Last visit's note listed \"4.8 mg/day\" - that was the total incl. max PTM. Not a dose change. **\n"
            "Residual aspirated 4.4 mL. Infumorph 40 mL instilled. Reservoir volume updated to 40.0 mL; next refill 05/05/2026.\n"
            "Dr. Nakamura in the office suite during the refill.\n")
    rec = audit_note(text, nlp=nlp, author_role="RN", service_date="2026-02-10")
    assert rec["elements"]["pump_status"]["status"] == "met"
    assert rec["elements"]["incident_to"]["status"] == "met"


def test_the_physician_named_beside_a_presence_statement_decides_whose_absence_matters(nlp):
    note = ("Nursing - IT pump refill. Residual aspirated 2.9 mL. Refilled 20 mL; reservoir updated 20.0 mL, new LRAD 03/09/2026.\n"
            "{line}\n")
    def incident_to(line: str) -> str:
        return audit_note(note.format(line=line), nlp=nlp, author_role="RN")["elements"]["incident_to"]["status"]
    assert incident_to("Addendum: supervising physician for this refill was Dr. Miguel Alvarez, present in the office suite "
                       "throughout - not Dr. Chen (listed in error; Dr. Chen was off site today).") == "met"
    assert incident_to("Dr. Samuel Ames in suite.\nCorrection: Dr. Ames was at the surgery center this morning and was "
                       "available by phone only.") == "missing"


@pytest.mark.parametrize("line", ["Enabled Prometra PTC: bolus 0.25 mg, lockout 6 h, max 2/day, for the activity-related flares.",
                                  "For the evening breakthrough pain we added a my PTM bolus of 0.1 mg, lockout 3 hours."])
def test_a_patient_activated_dose_set_up_today_is_a_change(nlp, line):
    assert changed(nlp, line) is True


@pytest.mark.parametrize("line", [
    "Morphine 10 mg/mL; dose 2.5 mg/day 2015 reduced to 2.0 mg/day 2020 (constipation/ileus admission). Unchanged since.",
    "IT dose history: morphine 25 mg/mL: 1.0 mg/day 2017 -> 3.5 mg/day 2018 -> 5.0 mg/day 2019 (flare after a car accident).",
    "Accessed first pass; pt coughed and the needle pulled back out of the septum before aspiration. Second pass fine.",
])
def test_a_change_dated_by_a_year_or_a_needle_pulled_back_is_not_todays_change(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", ["Lioresal 2000 mcg/mL: dose increased 1800 -> 1980 mcg/day for spasms.",
                                  "bac 2000   TDD 520 -> 470 (-10%) for floppiness"])
def test_a_baclofen_dose_or_concentration_of_2000_is_not_a_year(nlp, line):
    assert changed(nlp, line) is True


@pytest.mark.parametrize("line,role", [
    ("Procedure under fluoroscopy. Failed access by RN yesterday (blood-tinged aspirate x2). Residual 5.1 mL withdrawn; 20 mL instilled.", "MD"),
    ("Reviewed the 06/03 refill record and called the RN who did it: 16 mL was instilled. Residual 3.0 mL; 20 mL instilled today.", "MD"),
    ("For the 06/17/2025 refill: needle access, aspiration and fill were performed by me, L. Chen, RN. Dr. Hale in the room throughout.", "RN"),
])
def test_a_performer_named_for_another_days_service_is_not_todays(nlp, line, role):
    rec = audit_note(line, nlp=nlp, author_role="MD", service_date="2025-06-17")
    assert rec["facts"]["performer_role"] == role


@pytest.mark.parametrize("line,expected", [
    ("Res vol reset, rate increased 10% to 660 mcg/day for spasms.", True),
    ("s/p pump replacement 2023, increased 10% today to 660 mcg/day for spasms.", True),
    ("New afternoon drowsiness, so we backed her off out of caution.", True),
    ("PTC log reviewed: patient activated her PTC 14 times since last visit. Continue current settings, no changes.", False),
    ("Bolus options:\n- 50 mcg to 100 mcg bolus if needed before PT\nContinue current settings.", False),
])
def test_a_change_beside_a_reservoir_reset_or_a_year_is_made_and_a_patients_use_or_a_list_dash_is_not(nlp, line, expected):
    assert changed(nlp, line) is expected


@pytest.mark.parametrize("line", ["Performed by: J. Moran, RN   Last refill: 05/20/2025",
                                  "Refill done today by J. Moran, RN - pt had called yesterday with a low-reservoir alarm.",
                                  "Performed by J. Moran, RN, same settings as the previous visit."])
def test_a_performer_statement_beside_another_days_words_is_still_todays(nlp, line):
    rec = audit_note("Residual 3.0 mL. Refilled 20 mL; reservoir 20.0 mL.\n" + line + "\n", nlp=nlp, author_role="MD",
                     service_date="2025-06-17")
    assert rec["facts"]["performer_role"] == "RN"


def test_a_negation_in_a_lead_in_does_not_reach_the_change_after_its_colon(nlp):
    assert changed(nlp, "Titration step per protocol for ongoing pain with no adverse effects: +0.6 mcg/day (+50%) -> 1.8 mcg/day.") is True
    assert changed(nlp, "Not increased today: basal stays 4.0 mg/day.") is False


def test_an_attending_who_defers_the_trainees_proposed_change_leaves_no_change(nlp):
    text = ("Pump refilled, 20 mL instilled. Reservoir 20.0 mL.\nPlan: increase by 10% to 2.64 mcg/day for persistent foot pain.\n"
            "S. Pike MD\n\nAttending: I was present. Agree with the above except the dose increase, which we deferred given her "
            "new orthostatic dizziness; pump left at 2.4 mcg/day.\n")
    assert visit_facts(nlp, text, author_role="MD")["regimen_change"] is False


def test_a_change_in_an_addendum_after_a_no_changes_today_plan_is_todays_change(nlp):
    text = ("Interrogation: reservoir 32.2 mL, no alarms.\nPlan: no changes today.\nS. Pike MD\n\n"
            "Attending addendum: she says the myPTM doses barely touch the pain. I increased the myPTM bolus from 0.05 mg to "
            "0.08 mg, lockout unchanged; printout confirms.\n")
    assert visit_facts(nlp, text, author_role="MD")["regimen_change"] is True
    assert visit_facts(nlp, text.split("\n\n")[0] + "\n", author_role="MD")["regimen_change"] is False


def test_a_doctor_named_as_performer_takes_the_credential_the_note_gives_that_name(nlp):
    text = ("Fellow: Lena Hsu, MD\nAttending: Henrik Valdez, DO\n"
            "Refill: performed personally by Dr. Valdez. Residual 6.9 mL removed; 40 mL instilled.\n")
    assert visit_facts(nlp, text, author_role="MD")["performer_role"] == "DO"
    plain = "Refill performed by Dr. Lim. Residual 3 mL removed; 20 mL instilled.\nA. Lim, MD\n"
    assert visit_facts(nlp, plain, author_role="RN")["performer_role"] == "MD"


@pytest.mark.parametrize("line", [
    "Dose has been increased 4 times since 2023; relief good.\nPump interrogated. No changes made.",
    "Increase concentration.\nProgramming: no changes.",
    "Spasms better since the taper began.\nReviewed log, no programming change.",
])
def test_a_lone_unvalued_change_followed_by_a_whole_no_change_statement_is_not_todays(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line", [
    "Daily dose 400 -> 440 mcg/day for spasms.\nNo changes.",                  # before/after values shown
    "Rate increased today for breakthrough pain.\nNo changes.",               # said to be today's
    "Rate increased 10% for breakthrough pain.\nPlan: no changes to oral meds.",  # another thing unchanged
    "Rate increased 10% for breakthrough pain.\nDM2 stable on metformin; no change.",  # another problem's clause
    "Rate increased 10% for breakthrough pain. PTM settings unchanged.",      # a part of the regimen unchanged
])
def test_a_change_stands_beside_a_no_change_about_something_else_or_after_its_values(nlp, line):
    assert changed(nlp, line) is True


def test_an_old_pain_score_in_parentheses_is_not_a_previous_dose(nlp):
    line = "Today: burning feet 4/10 on current 3.6 mcg/day (was 8/10 on hydromorphone). Rate unchanged."
    assert changed(nlp, line) is False


def test_the_increased_dose_named_by_its_participle_is_an_earlier_change(nlp):
    assert changed(nlp, "The increased dose is working well; no sedation.") is False


@pytest.mark.parametrize("line", [
    "Dose has been increased several times over the years; relief good.",
    "Goal remains walking; this now takes priority over any further dose increase.",
    "Decided against adding clonidine given bradycardia.",
])
def test_a_change_told_as_history_in_general_declined_or_awaiting_something_is_not_made(nlp, line):
    assert changed(nlp, line) is False


def test_a_change_today_stands_beside_any_further_increase_waiting(nlp):
    assert changed(nlp, "Rate increased 10% today for breakthrough pain; any further increase will wait.") is True


@pytest.mark.parametrize("line", [
    "Tolerated well, VSS, left ambulatory with daughter.",
    "Procedure: pt supine after w/c-to-table transfer w/ 2 assist.",
    "Pt 38 yo M, BMI 44. Reports spasms were well controlled until this week.",
])
def test_leaving_the_clinic_positioning_or_a_bmi_next_to_another_sentence_is_no_overall_condition(nlp, line):
    assert not reassessment_parts(nlp, line) & {"condition"}


def test_a_change_in_the_main_clause_after_a_negated_reason_clause_is_made(nlp):
    line = "Because the rate of this pump cannot be changed, concentration increased to morphine 12 mg/mL."
    assert changed(nlp, line) is True


def test_spasms_minimal_at_the_old_dose_is_no_reason_for_an_increase(nlp):
    increase = "\nIncreased to 450 mcg/day."
    assert status(nlp, "Pt doing well, spasms minimal at 410 mcg/day, no drowsiness." + increase, "change_reason") == "missing"
    assert status(nlp, "Minimal relief at 410 mcg/day, spasms at night." + increase, "change_reason") == "met"


def test_a_bolus_no_longer_needed_is_the_reason_it_was_removed(nlp):
    line = "myPTM log: 0 activations since October; he no longer needs the bolus. myPTM bolus disabled today."
    assert status(nlp, line, "change_reason") == "met"


@pytest.mark.parametrize("line", [
    "Filled 30 mL morphine 12 mg/mL -> 12 mg/day, +20%, for progression of cancer pain.",
    "- HM 8 mg/mL -> 2.4 mg/d (-20%, taper step)",
    "Dr. Lang said to go ahead with the 5 percent bump like we talked about last time, so I took her from 7.5 to 7.9 mg a day.",
])
def test_a_signed_step_after_the_new_dose_or_a_change_done_as_talked_about_last_time_is_made_today(nlp, line):
    assert changed(nlp, line) is True


def test_a_battery_percentage_beside_a_dose_is_no_change(nlp):
    assert changed(nlp, "Battery 80%, pump 4.0 mg/day, residual 2 mL.") is False


@pytest.mark.parametrize("macro, element", [
    ("Goals of care addressed.", "reassessment"),
    ("Patient's response to therapy reviewed.", "dose_response"),
])
def test_a_compliance_macro_that_names_nothing_documents_nothing(nlp, macro, element):
    assert status(nlp, "I attest that all requirements were met.\n" + macro, element) == "missing"


def test_a_goals_of_care_macro_followed_by_the_goals_counts(nlp):
    rec = audit_note(REFILL + "Goals of care addressed: stay at home, walk daily.", nlp=nlp, author_role="MD")
    assert any(e.get("part") == "goals" for e in rec["elements"]["reassessment"]["evidence"])


def test_a_change_asked_as_a_question_is_not_made(nlp):
    assert changed(nlp, "Can the basal rate be turned down until the replacement? Dr. L is calling the rep.") is False


@pytest.mark.parametrize("line", [
    "Writer: K. Grant, RN - oncology infusion, helping in pain clinic while they're short.",
    "Pt and son aware of withdrawal signs (itching, fever, increased stiffness) and to call if they occur.",
])
def test_a_nurses_job_or_warning_signs_taught_are_no_response_to_the_dose(nlp, line):
    assert status(nlp, line, "dose_response", role="RN") == "missing"


@pytest.mark.parametrize("line", [
    "Dose increased by 10% for spasticity.\nOral meds: no change.",
    "Dose increased by 10% for spasticity.\nPlan: no changes.",
    "Worst spasms since 2020, so increased the dose 15% today.",
    "Tone has crept up over the past year, dose increased by 10% today.",
    "Spasms waking her 2-3 times during the night, increased dose 10%.",
    "Rate decreased by 20% due to ?oversedation.",
    "Increased basal 10% - ? tolerance developing.",
    "Dose increased 10% today, bolus to be added once she is stable.",
    "Decided against surgical revision, increased the dose by 10% instead.",
    "Any changes: dose increased for spasms.",
    "Did well with any prior increases, increased dose 10%.",
    "Like we talked about at her last visit, I increased the rate by 10%.",
    "Reprogrammed to the new bupivacaine concentration, rate unchanged 0.2 mL/day.",
])
def test_review_a_change_made_today_survives_cues_about_something_else(nlp, line):
    assert changed(nlp, line) is True


@pytest.mark.parametrize("line", [
    "Pain 4/10 at 400 mcg/day, -40% from pre-pump baseline.",
    "Continue 500 mcg/day, -2% reservoir error noted on interrogation.",
    "Spasms much better on the increased dose.",
])
def test_review_a_signed_percentage_or_the_increased_dose_is_no_change_today(nlp, line):
    assert changed(nlp, line) is False


@pytest.mark.parametrize("line, part", [
    ("DM2 on insulin per Dr. Shah, well controlled.", "condition"),
    ("HTN; controlled.", "condition"),
])
def test_review_an_abbreviation_or_semicolon_does_not_end_a_comorbidity_statement(nlp, line, part):
    assert part in reassessment_parts(nlp, line)


@pytest.mark.parametrize("line", [
    "Patient left the clinic ambulatory with her daughter.",
])
def test_review_how_the_patient_left_is_no_overall_condition(nlp, line):
    assert not reassessment_parts(nlp, line) & {"condition"}


def test_review_warning_signs_known_do_not_hide_symptoms_the_patient_has(nlp):
    line = "Patient aware of withdrawal signs and reports itching and sweats for 3 days before refill."
    assert status(nlp, line, "dose_response") == "met"


def test_review_relief_minimal_is_a_reason_for_an_increase(nlp):
    assert status(nlp, "Relief minimal on current settings, dose increased 10%.", "change_reason") == "met"


@pytest.mark.parametrize("line", [
    "Per outside records (received 1/5/26): IT morphine started at 2.0 mg/day, titrated to 6.0 mg/day by 2022.",
    "Per Dr. Sato's records (2019-2025): trial 50 mcg bolus with MAS reduction 4 -> 2.",
    "Last dose change 8/2023 (5.5 -> 6.0 mg/day for increased axial pain).",
    "She asked about increasing the clonidine; told her I would pass this on to Dr. Vance.",
    "She asked whether we can increase it today.",
    "Pharmacist recommends lowering bupivacaine; will d/w Dr. Ross.",
])
def test_another_clinics_records_the_last_change_and_a_request_are_no_change_today(nlp, line):
    assert not changed(nlp, line)


@pytest.mark.parametrize("line", [
    "Last dose change 5/2024 (480 -> 520). Today increased 520 -> 560 mcg/day for night spasms.",
    "Pt asked for more relief; rate increased 10%.",
])
def test_a_change_made_today_beside_an_earlier_one_or_a_request_is_still_a_change(nlp, line):
    assert changed(nlp, line)


@pytest.mark.parametrize("text", [
    "Interrogation only today, reservoir 12 mL.\nRefill visit scheduled 3/16/2026 with Dr. Haas.",
    "Pump at ERI. Referral placed to Dr. Yusuf in neurosurgery for pump replacement.",
])
def test_a_refill_visit_booked_or_a_referral_for_the_pump_is_no_refill(nlp, text):
    assert visit_facts(nlp, text, author_role="MD")["refill_status"] != "done"


def test_saline_named_as_a_diluent_before_a_semicolon_is_no_change(nlp):
    line = "Prialt 100 mcg/mL 4 mL diluted with 16 mL PF normal saline to 20 mcg/mL; 20 mL instilled. No dose change."
    assert not changed(nlp, line)


def test_a_change_whose_footnote_says_not_done_is_no_change(nlp):
    line = "Dose \u2191 5%*\nPost: res vol 20.0 mL entered.\n\n* NOT done - mom prefers to wait until after Botox. Left at 480 mcg/day."
    assert not changed(nlp, line)


def test_a_change_whose_footnote_gives_its_reason_is_still_a_change(nlp):
    assert changed(nlp, "Dose \u2191 5%*\n\n* for night spasms waking her")


def test_a_refill_whose_footnote_says_deferred_is_no_refill(nlp):
    text = ("Nurse visit - ITB refill\u2020\nInterrogation: reservoir 4.1 mL, no alarms.\nRefill\u2020\n\n"
            "\u2020 DEFERRED - pt declined today (copay). Rescheduled 4/13.\n* supervising MD present")
    assert visit_facts(nlp, text, author_role="RN")["refill_status"] == "none"


@pytest.mark.parametrize("line", [
    "Rotated today: morphine 25 mg/mL out, hydromorphone 10 mg/mL in (pruritus).",
    "Flex removed; back to simple continuous at 280 mcg/day.",
    "Attending came in after the fellow's refill and increased HM 10%.",
])
def test_a_rotation_a_mode_switched_off_or_a_drug_named_by_its_abbreviation_is_a_change(nlp, line):
    assert changed(nlp, line)


def test_the_reservoir_volume_reprogrammed_is_no_change(nlp):
    assert not changed(nlp, "Reservoir volume reprogrammed to 20.0 mL; new alarm date 02/11/2026.")


def test_how_a_change_could_be_made_explained_is_no_change(nlp):
    line = "I explained that this pump runs at a fixed rate and the only way to raise the dose is a stronger solution."
    assert not changed(nlp, line)


@pytest.mark.parametrize("text, role", [
    ("Refill performed by Maureen Kelly, R.N. Dr. Kenneth Obi was present in the office suite.\nPump refilled with 20 mL.", "RN"),
    ("Refill performed by Dana Ruiz, L.P.N. Dr. Obi present.\nPump refilled with 20 mL.", "LPN"),
    ("Pump refilled with 20 mL.\nMaureen Kelly, R.N.\nReviewed: Kenneth Obi, D.O.", "RN"),
])
def test_a_credential_written_with_dots_names_the_performer(nlp, text, role):
    assert visit_facts(nlp, text)["performer_role"] == role


def test_the_timed_entry_that_fills_the_pump_names_the_performer(nlp):
    text = ("0915 T. Gomez MA: Roomed. Vitals stable.\n"
            "1315 M. Stowe RN - Interrogation: reservoir 6.0 mL, no alarms.\n"
            "1500 Shift change -> R. Haskins RN.\n"
            "1510 R. Haskins RN - Refill: accessed, aspirated 5.7 mL. Instilled 40 mL. Dr. Nguyen in clinic suite.\n"
            "1600 T. Nguyen MD: Goal reviewed.")
    assert visit_facts(nlp, text, author_role="MD")["performer_role"] == "RN"


def test_a_timed_entry_that_only_interrogates_names_its_staff_performer(nlp):
    text = "0925 K. Ames RN: Interrogated SynchroMed II. Reservoir 11.2 mL.\n0950 H. Lo MD: Pt seen and examined with RN."
    assert visit_facts(nlp, text, author_role="MD")["performer_role"] == "RN"


def test_a_physician_who_left_before_the_refill_did_not_supervise_it(nlp):
    text = ("1340 A. Brandt RN\nInterrogated: reservoir 3.0 mL. Dr. Patel in clinic, aware pt here for refill.\n"
            "1440 Dr. Patel left clinic for OR.\n1515 D. Mercer RN\nRefilled 20 mL Lioresal IT 2000 mcg/mL (40 mg).")
    assert visit_facts(nlp, text, author_role="RN")["supervision"] is None


def test_a_physician_who_left_after_the_refill_supervised_it(nlp):
    text = ("1340 A. Brandt RN\nDr. Patel in clinic suite during the refill.\nRefilled 20 mL Lioresal IT 2000 mcg/mL (40 mg).\n"
            "1440 Dr. Patel left clinic for OR.")
    assert visit_facts(nlp, text, author_role="RN")["supervision"] is not None


def test_a_clarification_written_weeks_later_for_a_records_request_gives_no_reason(nlp):
    note = ("Pump refilled with 20 mL. Daily dose increased 4.4 -> 4.8 mg/day as planned at last visit.\nS. Whitaker, NP\n\n"
            "Clarification {date} per records request - S. Whitaker, NP: the increase was part of a slow titration for residual leg pain.")
    def reason(date: str) -> str:
        rec = audit_note(note.format(date=date), nlp=nlp, author_role="NP", service_date="2025-04-15")
        return rec["elements"]["change_reason"]["status"]
    assert reason("06/09/2025") == "missing"
    assert reason("04/15/2025") == "met"


def test_a_rate_told_with_the_rate_it_replaced_is_a_change(nlp):
    assert changed(nlp, "New program (flex, 2 steps):\n step 1 rate 18 mcL/h\n = 0.368 mL/d total (was 0.35 mL/d).")
    assert not changed(nlp, "Rate 0.35 mL/d (was 0.35 mL/d), unchanged.")


@pytest.mark.parametrize("line", [
    "Pain 7/10 evenings. Diary suggests evening breakthrough, so basal increased 10% to 4.4 mg/day.",
    "PharmD recommends 10% steps, so basal increased 10% to 4.4 mg/day for pain 7/10 at old dose.",
    "Wants to turn over in bed w/o spasms - rate increased 8% to 430 mcg/day.",
    "Best way to reduce his sedation was to lower the rate, so rate lowered 10% today to 3.6 mg/day.",
    "Per the PT's notes tone is worse with transfers so baclofen increased 10% to 440 mcg/day.",
    "Per Dr. Lee's clinic notes from this morning, basal rate increased 10% to 4.4 mg/day for breakthrough pain.",
    "Basal increased 10%* to 4.4 mg/day for breakthrough pain.\n* pt declined the oral taper; will revisit next visit.",
])
def test_review_evidence_a_goal_a_colleagues_notes_or_an_unrelated_footnote_leave_a_change_made(nlp, line):
    assert changed(nlp, line)


@pytest.mark.parametrize("line", [
    "Courier dropped the compound off at 0800; rate unchanged.",
    "Pump found rotated today on palpation; sent for imaging.",
])
def test_review_a_delivered_compound_or_a_pump_turned_in_its_pocket_is_no_change(nlp, line):
    assert not changed(nlp, line)


@pytest.mark.parametrize("text", [
    "1400 Dr. Patel left for OR, back at 1500.\n1515 Accessed pump, aspirated 2.1 mL, instilled 20 mL.\nDr. Patel present in suite during refill.",
    "Dr. Patel left clinic at 1200 for the hospital.\n0930 refill completed, 20 mL instilled, Dr. Patel present in suite.",
    "Supervising MD: Dr. Reyes, in clinic.\nNote: Dr. Reyes left for the hospital at 1700 after clinic.\nITB refill 1430: aspirated 3 mL, instilled 40 mL.",
])
def test_review_a_physician_who_came_back_or_left_after_clinic_still_supervised(nlp, text):
    assert visit_facts(nlp, text, author_role="RN")["supervision"] is not None


@pytest.mark.parametrize("text", [
    "ITB refill, 20 mL instilled, 2 mL aspirated, alarm 8/1/25.\nSpasms controlled, no sedation.\nTylenol p.r.n.",
    "0900 M. Cho MA: roomed pt, vitals stable, pump last filled 5/20.\n0915 Dr. Lee accessed pump, aspirated 2 mL, instilled 20 mL.\nJ. Lee, MD",
    "1330 T. Bell RN: Dr. Nguyen instilled 20 mL; RN monitored pt x30 min, no issues.\nB. Nguyen, MD",
])
def test_review_prn_and_an_entry_telling_anothers_fill_do_not_name_staff_as_performer(nlp, text):
    assert visit_facts(nlp, text, author_role="MD")["performer_role"] == "MD"


def test_review_a_correction_moving_the_next_refill_does_not_hide_todays_refill(nlp):
    text = ("Correction: next refill moved to 7/15/2025 (insurance denial of the 7/1 slot).\n"
            "Aspirated 3 mL, instilled 40 mL; alarm date 8/20/25; dose unchanged. Dr. Lee in suite supervising.")
    assert visit_facts(nlp, text, author_role="RN", service_date="2025-06-17")["refill_status"] == "done"


def test_review_pmp_in_capitals_is_the_prescription_monitoring_program_not_the_pump():
    from auditor.normalize import normalise

    assert normalise("PMP reviewed; pmp rfl").text == "PMP reviewed; pump refill"


def test_review_a_referral_placed_for_pump_replacement_is_no_refill(nlp):
    text = "Referral was placed to Dr. Yusuf in neurosurgery for pump replacement. Interrogation only today, reservoir 14 mL."
    assert visit_facts(nlp, text, author_role="MD")["refill_status"] != "done"


@pytest.mark.parametrize("line", [
    "Spasticity recurred (nocturnal spasms) despite increase from 300 to 350 mcg/day.",
    "Options we weighed: (a) raise the basal 10-15%; (b) raise the PTM dose to 0.06 mg; (c) no pump change.",
])
def test_a_change_that_did_not_help_or_a_lettered_option_is_no_change_today(nlp, line):
    assert not changed(nlp, line)


def test_a_problem_despite_the_current_dose_leaves_todays_increase_a_change(nlp):
    assert changed(nlp, "Pain 8/10 despite the current dose; increased from 4.0 to 4.4 mg/day today.")


@pytest.mark.parametrize("line", [
    "Flow programmed to 0 mcg/day (therapy suspended) and reservoir set to 0.0 mL for MRI safety.",
    "Pump emptied and stopped for MRI safety.",
])
def test_an_infusion_stopped_at_this_visit_is_a_change(nlp, line):
    assert changed(nlp, line)


def test_a_pump_that_might_stop_is_no_change(nlp):
    assert not changed(nlp, "If pump stopped, call 911.")
