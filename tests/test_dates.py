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
