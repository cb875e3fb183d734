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


@pytest.mark.parametrize("line", [
    "For morning spasms waking him at 5 am.",
    "Pt no longer needs the bolus, so PTM bolus removed today.",
])
def test_a_reason_on_the_line_after_the_change_is_met(nlp, line):
    text = "Pump refilled with 20 mL.\nRate increased from 400 to 440 mcg/day.\n" + line + "\n"
    assert audit_note(text, nlp=nlp, author_role="MD")["elements"]["change_reason"]["status"] == "met"
