"""Reasons for a change as clinicians give them (ANNOTATION_GUIDELINE `change_reason`): a filled reason
field, a change made "for" a symptom, a symptom that persists or relief that has faded at the old dose;
and what is no reason: a symptom that is improving, a plan that waits on a symptom."""
from __future__ import annotations

import pytest

from auditor.audit import audit_note

CHANGE = "Pump refilled with 20 mL baclofen 2000 mcg/mL. Daily dose increased from 400 to 440 mcg/day. "


def reason_status(nlp, line: str) -> str:
    return audit_note(CHANGE + line, nlp=nlp, author_role="MD")["elements"]["change_reason"]["status"]


def response_rules(nlp, line: str) -> set[str]:
    rec = audit_note(line, nlp=nlp, author_role="MD")
    return {e.get("rule") for e in rec["elements"]["dose_response"]["evidence"]}


@pytest.mark.parametrize("line", [
    "Reason for incr: persistent breakthrough pain L leg.",
    "[a] Indication for titration: flexor spasms back since Botox wore off.",
    "Increased for R leg clonus on exam (8+ beats).",
    "Bilateral leg pain persists; walking tolerance down to half a block.",
    "Relief has drifted down to ~30%, from 60% last quarter.",
])
def test_a_reason_told_as_a_field_a_purpose_or_a_problem_at_the_dose_is_met(nlp, line):
    assert reason_status(nlp, line) == "met"


@pytest.mark.parametrize("line", [
    "Reason for visit: refill.",
    "Pain much better, 2/10 today.",
])
def test_a_visit_reason_or_an_improving_symptom_is_no_reason_for_the_change(nlp, line):
    assert reason_status(nlp, line) == "missing"


@pytest.mark.parametrize("line, rule", [
    ("Spasms continue most nights.", "response-symptom-persists"),
    ("Relief down to 30%.", "response-relief-faded"),
])
def test_a_persisting_symptom_or_faded_relief_is_a_response_to_the_dose(nlp, line, rule):
    assert rule in response_rules(nlp, line)


def test_a_symptom_that_might_persist_is_no_response(nlp):
    assert "response-symptom-persists" not in response_rules(nlp, "If pain persists, call the clinic.")



@pytest.mark.parametrize("text", [
    "Rate increased 10% to 4.4 mg/day. Tolerated well. Continue gabapentin for neuropathic pain.",
    "Pain continues to get better on the pump. Basal increased 5% to 4.2 mg/day.",
    "Pain continues at 2/10, well controlled. Dose increased 0.2 mg/day.",
    "Reason for adj: physician order.\nRate increased 10% to 4.4 mg/day.",
])
def test_review_an_oral_drug_good_news_or_an_order_two_sentences_off_is_no_reason(nlp, text):
    assert audit_note(text, nlp=nlp, author_role="MD")["elements"]["change_reason"]["status"] == "missing"


def test_review_a_side_effect_that_sent_the_patient_to_hospital_is_the_reason(nlp):
    text = "Hospital visit 5/30 for sedation and falls after the last increase.\nRate decreased 15% to 3.4 mg/day today."
    assert audit_note(text, nlp=nlp, author_role="MD")["elements"]["change_reason"]["status"] == "met"
