"""Dates as clinicians write them beside a change: what places a change at an earlier visit."""
from __future__ import annotations

import datetime as dt

from auditor.dates import latest_mentioned

VISIT = dt.date(2025, 4, 22)


def test_a_month_alone_is_its_last_occurrence_on_or_before_the_visit():
    assert latest_mentioned("we bumped her morphine at the February visit", VISIT) == dt.date(2025, 2, 28)
    assert latest_mentioned("lowered back in May", VISIT) == dt.date(2024, 5, 31)
    assert latest_mentioned("increased in Apr. for spasms", VISIT) == dt.date(2025, 4, 30)  # this month: not earlier


def test_may_the_verb_is_not_a_month():
    assert latest_mentioned("he may need a higher dose", VISIT) is None
    assert latest_mentioned("lowered in May 2024", VISIT) == dt.date(2024, 5, 31)


def test_a_month_and_day_count_only_after_a_word_that_dates_an_event():
    assert latest_mentioned("conc up since 4/21", dt.date(2025, 5, 23)) == dt.date(2025, 4, 21)
    assert latest_mentioned("pain 4/10 today", dt.date(2025, 5, 23)) is None


def test_a_change_verb_or_a_named_visit_dates_a_month_and_day():
    ref = dt.date(2025, 10, 6)
    assert latest_mentioned("Dr. M increased the basal 10% at her 9/8 visit for night pain", ref) == dt.date(2025, 9, 8)
    assert latest_mentioned("2 wk f/u after IT clonidine added 5/20", ref) == dt.date(2025, 5, 20)
    assert latest_mentioned("basal at 4/10 visit pain", ref) is None  # "at 4/10" with no her/his/the: a score may follow
    assert latest_mentioned("Zic raised 2.0 -> 2.5 mcg/d at 01/16 refill", ref) == dt.date(2025, 1, 16)  # not a score


def test_a_year_that_ends_a_sentence_or_follows_a_change_word_dates_it():
    ref = dt.date(2025, 5, 1)
    assert latest_mentioned("Converted to ziconotide 2022. Pain 4/10", ref) == dt.date(2022, 12, 31)
    assert latest_mentioned("IT morphine trial 2021 stopped for pruritus", ref) == dt.date(2021, 12, 31)
    assert latest_mentioned("concentration changed to baclofen 2000.", ref) is None  # a dose, not a year


def test_a_year_heading_a_history_line_and_a_named_months_refill_date_a_change():
    ref = dt.date(2025, 6, 1)
    assert latest_mentioned("- 2023: dose 220 -> 250 mcg/day", ref) == dt.date(2023, 12, 31)
    assert latest_mentioned("Dose went up to 400 mcg/day at Feb refill", ref) == dt.date(2025, 2, 28)
    assert latest_mentioned("seen at 10:30 for the refill", ref) is None


def test_a_date_that_can_only_be_day_first_is_read_day_first():
    import datetime as dt

    from auditor.dates import latest_mentioned, parse_date

    assert parse_date("21/10/2025") == dt.date(2025, 10, 21)
    assert parse_date("10/11/2025") == dt.date(2025, 10, 11)  # ambiguous: US order, as before
    assert latest_mentioned("refill at St Mary's during admission 21/10/2025", dt.date(2025, 11, 4)) == dt.date(2025, 10, 21)
    assert parse_date("19.06.2025") == dt.date(2025, 6, 19)  # dotted, four-digit year: day.month.year


def test_a_year_opening_a_clause_of_a_history_dates_it():
    import datetime as dt

    from auditor.dates import latest_mentioned

    ref = dt.date(2025, 6, 1)
    assert latest_mentioned("Morphine alone 2015-2018. 2020 bupivacaine added.", ref) == dt.date(2020, 12, 31)
    assert latest_mentioned("- 2024 (June): 380 -> 410 mcg/day for increased extensor tone", ref) == dt.date(2024, 12, 31)
    assert latest_mentioned("the 2018 SynchroMed", ref) is None
