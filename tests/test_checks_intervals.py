"""Refill intervals across a run: too early without a reason, past a drug's stability limit,
and no judgement when visits cannot be the same pump series."""
from __future__ import annotations

from typing import Any

import pytest

from auditor.audit import audit_rows
from auditor.checks import apply_checks, interval_findings


def refill_note(drug: str, conc: str, dose: str, volume: int = 40, pump: str = "SynchroMed II 40 mL", extra: str = "") -> str:
    return f"""PUMP REFILL
Provider: Alan Reyes, MD (performed personally)
Pt reports good relief on current dose, no sedation. Goals reviewed: walk daily - met.
Pump: {pump}, {drug} {conc}, {dose} simple continuous. Pre-refill: expected reservoir 5.0 mL, no alarms.
Residual aspirated 4.9 mL. Instilled {volume} mL {drug} {conc}.
Reservoir updated to {volume}.0 mL. Drug purchased by practice, invoice #INV-5521. No change to prescription.
{extra}
Alan Reyes, MD"""


BACLOFEN = dict(drug="baclofen", conc="2000 mcg/mL", dose="440 mcg/day")
MORPHINE = dict(drug="morphine", conc="25 mg/mL", dose="1.0 mg/day", volume=20, pump="SynchroMed II 20 mL")
ZIC = dict(drug="ziconotide", conc="25 mcg/mL", dose="2.4 mcg/day", volume=20, pump="SynchroMed II 20 mL")


def row(nid: str, pid: str, date: str, text: str, codes: str = "95991;J0475x8-JZ") -> dict[str, Any]:
    return {"note_id": nid, "patient_id": pid, "service_date": date, "text": text, "billed_codes": codes}


SERIES = [
    row("a1", "A", "2025-02-03", refill_note(**BACLOFEN)),
    row("a2", "A", "2025-03-10", refill_note(**BACLOFEN)),  # 35 of ~172 days
    row("r1", "R", "2025-02-03", refill_note(**BACLOFEN)),
    row("r2", "R", "2025-03-10", refill_note(**BACLOFEN, extra="Early refill before his 6-week trip abroad (travel).")),
    row("m1", "M", "2025-01-06", refill_note(**MORPHINE), "95991;J2274x50-JZ"),
    row("m2", "M", "2025-05-12", refill_note(**MORPHINE), "95991;J2274x50-JZ"),  # 126 d > 90 d morphine limit
    row("n1", "N", "2025-01-06", refill_note(**MORPHINE), "95991;J2274x50-JZ"),
    row("n2", "N", "2025-03-31", refill_note(**MORPHINE), "95991;J2274x50-JZ"),  # 84 d: within limit, not early
    row("z1", "Z", "2025-01-06", refill_note(**ZIC).replace("25 mcg/mL,", "5 mcg/mL (diluted),"), "95991;J2278x100-JZ"),
    row("z2", "Z", "2025-02-25", refill_note(**ZIC).replace("25 mcg/mL,", "5 mcg/mL (diluted),"), "95991;J2278x100-JZ"),  # 50 d > 40 d diluted
    row("u1", "U", "2025-01-06", refill_note(**ZIC), "95991;J2278x500-JZ"),
    row("u2", "U", "2025-02-25", refill_note(**ZIC), "95991;J2278x500-JZ"),  # 50 d < 84 d undiluted
    row("c1", "C", "2025-01-06", refill_note(**MORPHINE), "95991;J2274x50-JZ"),
    row("c2", "C", "2025-02-10", refill_note(**BACLOFEN)),  # same id, another drug: not one pump series
    row("g1", "G", "2025-01-06", refill_note(drug="morphine", conc="25 mg/mL", dose="10 mg/day"), "95991;J2274x100-JZ"),
    row("g2", "G", "2025-07-25", refill_note(drug="morphine", conc="25 mg/mL", dose="10 mg/day"), "95991;J2274x100-JZ"),  # gap > capacity
    row("h1", "H", "2025-02-03", refill_note(**BACLOFEN)),
    row("h2", "H", "2025-05-28", refill_note(**BACLOFEN)),  # 114 of ~172 days: two thirds, not 'much' earlier
    row("k1", "K", "2025-02-03", refill_note(**BACLOFEN)),
    row("k2", "K", "2025-04-30", refill_note(**BACLOFEN)),  # 86 of ~172 days: half
]


@pytest.fixture(scope="module")
def findings(nlp) -> dict[str, list[str]]:
    recs = apply_checks(audit_rows(nlp, SERIES), SERIES)
    return {r["note_id"]: [f["rule"] for f in r["findings"]] for r in recs}


def test_refill_much_earlier_than_capacity_without_reason_is_flagged(findings):
    assert "refill-interval-early" in findings["a2"]
    assert "refill-interval-early" not in findings["a1"]


def test_early_means_well_under_two_thirds_of_what_the_fill_allows(findings):
    assert "refill-interval-early" not in findings["h2"]
    assert "refill-interval-early" in findings["k2"]


def test_a_documented_reason_silences_the_early_refill(findings):
    assert "refill-interval-early" not in findings["r2"]


def test_interval_past_the_morphine_limit_is_flagged(findings):
    assert "refill-interval-exceeds-stability" in findings["m2"]
    assert not {"refill-interval-exceeds-stability", "refill-interval-early"} & set(findings["n2"])


def test_ziconotide_limit_depends_on_dilution(findings):
    assert "refill-interval-exceeds-stability" in findings["z2"]
    assert "refill-interval-exceeds-stability" not in findings["u2"]


def test_visits_that_cannot_be_one_pump_series_are_not_judged(findings):
    assert not any(r.startswith("refill-interval") for r in findings["c2"] + findings["g2"])


def test_interval_findings_work_from_plain_facts_and_carry_evidence(nlp):
    rows = SERIES[4:6]
    recs = audit_rows(nlp, rows)
    visits = [{"index": i, "patient_id": r["patient_id"], "service_date": r["service_date"], "facts": rec["facts"], "text": r["text"]}
              for i, (r, rec) in enumerate(zip(rows, recs))]
    visits[1]["facts"]["claim_summary"] = {"has_claim": True}  # no precomputed visit inputs: read from facts and text
    got = interval_findings(visits)
    assert list(got) == [1]
    (f,) = got[1]
    assert f["rule"] == "refill-interval-exceeds-stability" and f["facts"]["limit_days"] == 90 and f["facts"]["interval_days"] == 126
    for ev in f["evidence"]:
        assert rows[1]["text"][ev["start"]:ev["end"]] == ev["text"]


def test_visits_without_patient_or_date_are_skipped():
    assert interval_findings([{"index": 0, "patient_id": None, "service_date": "2025-01-01", "facts": {}},
                              {"index": 1, "patient_id": "P", "service_date": None, "facts": {}}]) == {}


def test_a_stated_last_refill_shows_a_drug_kept_past_its_stability_limit(nlp):
    """The earlier visit is not in the run, but the note says when it was: only the stability limit is judged."""
    text = ("Pump refill. SynchroMed II 20 mL, morphine 10 mg/mL, 1.0 mg/day. Last refill 01/02/2025.\n"
            "Expected residual 9.1 mL, aspirated 9.0 mL, no alarms. Instilled 20 mL morphine 10 mg/mL.\n"
            "Reservoir updated 20 mL, new alarm date 2025-09-01. Morphine purchased by the practice, invoice 12.\n")
    late = audit_rows(nlp, [{"note_id": "n1", "text": text, "service_date": "2025-05-20", "billed_codes": "95990;J2274x20-JZ"}])
    assert "refill-interval-exceeds-stability" in {f["rule"] for f in late[0]["findings"]}
    on_time = text.replace("Expected residual 9.1 mL, aspirated 9.0 mL", "Expected residual 2.6 mL, aspirated 2.5 mL")
    soon = audit_rows(nlp, [{"note_id": "n2", "text": on_time, "service_date": "2025-01-20", "billed_codes": "95990;J2274x20-JZ"}])
    assert not {f["rule"] for f in soon[0]["findings"]} & {"refill-interval-exceeds-stability", "refill-interval-early"}


def test_a_last_refill_dated_day_dot_month_dot_year_is_read_for_the_stability_limit(nlp):
    text = ("Control appointment + refill. IT morphine, SynchroMed II 20 ml. Last refill 12.05.2025.\n"
            "Morphine 10 mg/ml, 1,5 mg/day (0,150 ml/24h). Residual 4,0 ml aspirated (calc. 4,3 ml).\n"
            "Filled 20 ml Infumorph 10 mg/ml, purchased by the practice, invoice 8113. Reservoir 20,0 ml, alarm date 23.12.2025.\n")
    assert "refill-interval-exceeds-stability" in _alone(nlp, text, "2025-08-25", "95991;J2274x20-JZ")


def test_a_stated_last_refill_with_much_drug_left_is_early_by_the_residual_alone(nlp):
    """Only the date of the last refill is known: today's fill and residual give the rate, no dose is read."""
    text = ("Pump refill. SynchroMed II 40 mL, morphine 10 mg/mL. Last refill 06/10/2025.\n"
            "Aspirated 34.4 mL, no alarms. Instilled 40 mL morphine 10 mg/mL.\n"
            "Reservoir updated 40 mL, new alarm date 2025-12-01. Morphine purchased by the practice, invoice 12.\n")
    rows = [{"note_id": "n1", "text": text, "service_date": "2025-07-15", "billed_codes": "95990;J2274x40-JZ"}]
    early = [f for f in audit_rows(nlp, rows)[0]["findings"] if f["rule"] == "refill-interval-early"]
    assert early and "5.6 mL used in 35 days" in early[0]["facts"]["computation"]
    reason = text.replace("no alarms.", "no alarms. Early refill because of travel.")
    assert "refill-interval-early" not in {f["rule"] for f in audit_rows(nlp, [{**rows[0], "text": reason}])[0]["findings"]}


def test_a_denied_or_past_reason_word_does_not_excuse_an_early_refill(nlp):
    text = ("Pump refill. SynchroMed II 40 mL, morphine 10 mg/mL. Last refill 06/10/2025. Failed back surgery syndrome.\n"
            "Aspirated 34.4 mL, no alarms. Instilled 40 mL morphine 10 mg/mL. No s/sx of pocket fill.\n"
            "Reservoir updated 40 mL, new alarm date 2025-12-01. Morphine purchased by the practice, invoice 12.\n")
    rows = [{"note_id": "n1", "text": text, "service_date": "2025-07-15", "billed_codes": "95990;J2274x40-JZ"}]
    assert "refill-interval-early" in {f["rule"] for f in audit_rows(nlp, rows)[0]["findings"]}


def _alone(nlp, text: str, service_date: str, billed: str) -> dict[str, Any]:
    """The findings, by rule, of one note audited on its own (its stated last refill is its only pair)."""
    rows = [{"note_id": "n1", "text": text, "service_date": service_date, "billed_codes": billed}]
    return {f["rule"]: f for f in audit_rows(nlp, rows)[0]["findings"]}


@pytest.mark.parametrize("past", [
    "Interval: knee replacement R 02/2025, finished PT.",
    "IT morphine titration finished in May at 6.0 mg/day.",
    "Baclofen 2000 mcg/mL (concentration changed 5/23).",
])
def test_a_reason_word_dated_before_today_or_told_as_over_does_not_excuse_an_early_refill(nlp, past):
    text = ("Pump refill. SynchroMed II 40 mL, morphine 10 mg/mL. Last refill 06/10/2025. " + past + "\n"
            "Aspirated 34.4 mL, no alarms. Instilled 40 mL morphine 10 mg/mL.\n"
            "Reservoir updated 40 mL, new alarm date 2025-12-01. Morphine purchased by the practice, invoice 12.\n")
    assert "refill-interval-early" in _alone(nlp, text, "2025-07-15", "95990;J2274x40-JZ")
    coming = text.replace(past, "Knee replacement scheduled 08/01/2025.")
    assert "refill-interval-early" not in _alone(nlp, coming, "2025-07-15", "95990;J2274x40-JZ")


@pytest.mark.parametrize("stated", [
    "Last refill 96 days ago.",
    "It's been 14 weeks since her last fill.",
    "His last refill was on 28/05/2025.",
    "Last refill | 05/28/2025 |",
    "Last refill was May twenty eighth.",
])
def test_the_last_refill_is_read_however_the_note_dates_it(nlp, stated):
    text = ("Pump refill. SynchroMed II 20 mL, morphine 10 mg/mL, 1.0 mg/day. " + stated + "\n"
            "Aspirated 2.0 mL, no alarms. Instilled 20 mL morphine 10 mg/mL.\n"
            "Reservoir updated 20 mL. Morphine purchased by the practice, invoice 12.\n")
    found = _alone(nlp, text, "2025-09-02", "95990;J2274x20-JZ").get("refill-interval-exceeds-stability")
    assert found and found["facts"]["interval_days"] >= 96


def test_a_stability_limit_alone_never_makes_a_refill_early(nlp):
    """Without the fill's rate or a residual nothing says the fill would have lasted: stability is a maximum."""
    first = ("Pump refill. SynchroMed II 40 mL, morphine 20 mg/mL. Filled 35 mL. Reservoir 35 mL.\n"
             "Morphine purchased by the practice, invoice 1.\n")
    second = "Pump refill. SynchroMed II 40 mL, morphine 20 mg/mL. Withdrew 7.2 mL. Purchased by the practice, invoice 2.\n"
    rows = [{"note_id": "a", "text": first, "patient_id": "P", "service_date": "2024-02-06", "billed_codes": "95990;J2274x70-JZ"},
            {"note_id": "b", "text": second, "patient_id": "P", "service_date": "2024-04-02", "billed_codes": "95990"}]
    assert "refill-interval-early" not in {f["rule"] for f in audit_rows(nlp, rows)[1]["findings"]}


def test_with_no_rate_known_a_refill_with_most_of_the_last_fill_left_is_early(nlp):
    first = "Pump refill. SynchroMed II 40 mL, morphine. Instilled 40 mL. Reservoir 40 mL. Purchased by the practice, invoice 1.\n"
    second = ("Pump refill. SynchroMed II 40 mL, morphine. Aspirated 35.4 mL. Instilled 40 mL. Reservoir 40 mL. "
              "Purchased by the practice, invoice 2.\n")
    rows = [{"note_id": "a", "text": first, "patient_id": "P", "service_date": "2025-03-04", "billed_codes": "95990;J2274x40-JZ"},
            {"note_id": "b", "text": second, "patient_id": "P", "service_date": "2025-03-26", "billed_codes": "95990;J2274x40-JZ"}]
    early = [f for f in audit_rows(nlp, rows)[1]["findings"] if f["rule"] == "refill-interval-early"]
    assert early and "4.6 mL used in 22 days" in early[0]["facts"]["computation"]


def test_a_last_refill_date_written_with_the_month_name_is_read(nlp):
    text = ("Pump refill. SynchroMed II 20 mL, morphine 25 mg/mL, 3.5 mg/day. Last refill in this clinic was May 14, 2025.\n"
            "Expected residual 2.0 mL, aspirated 1.7 mL, no alarms. Instilled 20 mL morphine 25 mg/mL.\n"
            "Reservoir updated 20 mL. Morphine purchased by the practice, invoice 12.\n")
    late = audit_rows(nlp, [{"note_id": "n1", "text": text, "service_date": "2025-09-22", "billed_codes": "95991;J2274x50-JZ"}])
    assert "refill-interval-exceeds-stability" in {f["rule"] for f in late[0]["findings"]}


def test_a_reprogramming_between_two_refills_sets_the_dose_the_next_refill_starts_from(nlp):
    zic = dict(drug="ziconotide", conc="25 mcg/mL", volume=20, pump="SynchroMed II 20 mL")
    reprogram = ("ZICONOTIDE FOLLOW-UP\nProvider: Alan Reyes, MD\nPump: SynchroMed II 20 mL, ziconotide 25 mcg/mL.\n"
                 "Hallucinations since the last increase. Reprogrammed: daily dose decreased 2.4 -> 2.0 mcg/day.\n"
                 "Refractory to IT morphine. Alan Reyes, MD")
    rows = [
        row("z1", "Z", "2025-05-06", refill_note(**zic, dose="2.4 mcg/day", extra="Refractory to IT morphine."), "95991;J2278x500-JZ"),
        row("z2", "Z", "2025-06-10", reprogram, "62368"),
        row("z3", "Z", "2025-08-04", refill_note(**zic, dose="2.0 mcg/day", extra="Refractory to IT morphine."), "95991;J2278x500-JZ"),
    ]
    found = {r["note_id"]: {f["rule"] for f in r["findings"]} for r in audit_rows(nlp, rows)}
    assert "refill-interval-exceeds-stability" in found["z3"]  # 90 days > 84 (undiluted ziconotide)


def test_with_no_earlier_refill_known_a_pump_refilled_mostly_full_is_early(nlp):
    """Today's residual and rate date the last fill: 11.5 mL used at 0.2 mL/day is 58 days of a ~190-day fill."""
    text = ("ITB refill. SynchroMed II 40 mL, baclofen 2000 mcg/mL, 400 mcg/day (0.2 mL/day). Expected reservoir 28.6 mL,\n"
            "residual aspirated 28.5 mL, no alarms. Instilled 40 mL baclofen 2000 mcg/mL. Reservoir updated to 40 mL.\n"
            "Baclofen purchased by the practice, invoice 12. Alan Reyes, MD\n")
    rec = audit_rows(nlp, [row("b1", "B", "2025-05-20", text, "95991;J0475x80-JZ")])[0]
    early = [f for f in rec["findings"] if f["rule"] == "refill-interval-early"]
    assert early and "no earlier refill in the run" in early[0]["facts"]["computation"]
    reason = text.replace("Alan Reyes, MD", "Early refill before her 3-month trip abroad. Alan Reyes, MD")
    assert not [f for f in audit_rows(nlp, [row("b2", "B", "2025-05-20", reason, "95991;J0475x80-JZ")])[0]["findings"]
                if f["rule"] == "refill-interval-early"]


def test_a_beyond_use_date_written_down_or_an_alarm_that_did_not_sound_is_no_reason_for_an_early_refill():
    from auditor.checks import tables

    reasons = tables.patterns()["early_reason"]
    for text in ("Refilled with 20 mL morphine/clonidine, purchased by clinic. BUD 11/21/2025.",
                 "Pump alarm has not gone off."):
        assert not any(r.search(text) for r in reasons), text
    for text in ("Refilled early because of the admixture's beyond-use date.", "Early refill: pump alarm sounding.",
                 "Res 40.0 mL, alarm 12/17/25, refill by 7/1/25 (BUD)."):
        assert any(r.search(text) for r in reasons), text


def test_a_stated_last_refill_with_no_residual_is_judged_by_todays_fill_and_rate(nlp):
    """Only the last refill's date and today's rate are written: 20 mL at 0.2 mL/day lasts 90 days, so a
    refill 28 days later is early (at the wide residual margin); a rate that would make the fill last
    longer than any refill schedule means a number was misread, and nothing is judged."""
    text = ("Pump refill. SynchroMed II 20 mL, morphine 25 mg/mL, 5 mg/day. Last refill 09/22/2025.\n"
            "Pump emptied, no alarms. Instilled 20 mL morphine 25 mg/mL.\n"
            "Reservoir updated 20 mL. Morphine purchased by the practice, invoice 12.\n")
    rows = [{"note_id": "n1", "text": text, "service_date": "2025-10-20", "billed_codes": "95991;J2274x500-JZ"}]
    early = [f for f in audit_rows(nlp, rows)[0]["findings"] if f["rule"] == "refill-interval-early"]
    assert early and "/ 0.2 mL/day" in early[0]["facts"]["computation"] and "= 90 days" in early[0]["facts"]["computation"]
    slow = text.replace("5 mg/day", "0.5 mg/day")  # 0.02 mL/day: 900 days
    assert "refill-interval-early" not in {f["rule"] for f in audit_rows(nlp, [{**rows[0], "text": slow}])[0]["findings"]}


STATED_LATE = ("Pump refill. SynchroMed II 20 mL, morphine 25 mg/mL, 8 mg/day. {stated}\n"
               "Pump alarming empty for weeks; aspirated 0.5 mL. Instilled 20 mL morphine 25 mg/mL.\n"
               "Reservoir updated 20 mL. Morphine purchased by the practice, invoice 12.\n")


@pytest.mark.parametrize("stated", ["Last RF 05/03/24.", "Since last refill (05/03/2024): alarms.",
                                    "His last refill was on 3 May."])
def test_a_stated_last_refill_past_the_fills_capacity_is_still_judged_against_stability(nlp, stated):
    """The note says when the drug went in, so no visit is missing in between: a pump run dry
    (98 days of an 18 mL fill at 0.32 mL/day) has still held its morphine past 90 days."""
    rows = [{"note_id": "n1", "text": STATED_LATE.format(stated=stated), "service_date": "2024-08-09",
             "billed_codes": "95991;J2274x50-JZ"}]
    assert "refill-interval-exceeds-stability" in {f["rule"] for f in audit_rows(nlp, rows)[0]["findings"]}


def test_a_stated_last_refill_later_than_the_runs_previous_visit_is_the_one_judged(nlp):
    """Visits between are missing from the run; the note's own date is the last fill."""
    text = STATED_LATE.format(stated="Her last refill here was November 6th.")
    rows = [row("p1", "P", "2024-06-25", refill_note(**MORPHINE), "95991;J2274x50-JZ"),
            row("p2", "P", "2025-02-24", text, "95991;J2274x50-JZ")]
    found = [f for f in apply_checks(audit_rows(nlp, rows), rows)[1]["findings"] if f["rule"] == "refill-interval-exceeds-stability"]
    assert found and found[0]["facts"]["previous_refill"] == "2024-11-06"
