"""Dates as clinicians write them, parsed once for the visit model and the claim checks."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
# dates that place an event in time: m/d/y, m/d, ISO, month/year, "March 2024", a bare year or a year range
_MENTION = re.compile(
    r"(?<![\d/])(?:(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})|(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"|(?P<mm>\d{1,2})/(?P<my>\d{4})"
    r"|(?<=\s)(?:on|in)\s+(?P<wmon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<wday>\d{1,2}(?:st|nd|rd|th)?|first|second|third|fourth|fifth|[a-z]+teenth|twentieth|thirtieth|twenty[-\s][a-z]+|thirty[-\s]first|tenth|eleventh|twelfth|sixth|seventh|eighth|ninth)\b(?!,?\s*\d{4})|(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?(?P<ny>\d{4})"
    r"|(?P<y1>(?:19|20)\d\d)\s*[-\u2013]\s*(?P<y2>(?:19|20)\d\d)"
    r"|\b(?:in|since|from|until|during|started|began|begun|stopped|initiated|added|switched|changed|implanted|discontinued|placed"
    r"|converted|rotated|trial(?:ed)?|weaned|tapered|increased|decreased|lowered|raised)\s(?P<y3>(?:19|20)\d\d)|\((?P<y4>(?:19|20)\d\d)\)"
    r"|(?P<y5>200[5-9]|20[1-3]\d)(?=\s*(?:[.;]\s|[.;]?$)|:\s)"
    r"|(?:(?<=^)|(?<=\n)|(?<=[.;]\s)|(?<=^-\s)|(?<=\n-\s)|(?<=\n\u2022\s))(?P<y6>200[5-9]|20[1-3]\d)(?=\s+[a-z]|\s*\([a-z]+\.?\)|\s*[-\u2013]\s+[a-z])"
    r"|\b(?:since|on|as\s+of|effective|eff\.?|started|dated|added|stopped|switched|changed|increased|decreased|lowered|raised|refilled|seen|saw"
    r"|at\s+(?:the|her|his|their)(?=\s+\d{1,2}/\d{1,2}\s+(?:visit|refill|appointment|appt|clinic))"
    r"|at(?=\s+\d{1,2}/(?!10\b)\d{1,2}\s+(?:visit|refill|appointment|appt)))\s+(?P<sm>1[0-2]|0?[1-9])/(?P<sd>3[01]|[12]\d|0?[1-9])"
    r"|\b(?:in|at\s+(?:the|her|his|their)|since|during|back\s+in|at(?=\s+\w+\.?\s+(?:refill|visit|appointment|appt)\b))\s+(?P<om>january|february|march|april|june|july|august|"
    r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|(?-i:May))\.?(?!\s*\d|[a-z])"
    r"|\b(?:the|her|his|their|that)\s+(?P<am>january|february|march|april|june|july|august|september|october|november|december|(?-i:May))"
    r"\s+(?=(?:\w+\s+){0,2}?(?:increase|decrease|reduction|change|adjustment|titration|bump|wean|taper|switch|conversion"
    r"|reprogramming|refill|visit|appointment)\b))"
    r"(?![\d/])(?!\s*(?:mcg|mg|ml|cc|%|units?|micrograms?|milligrams?)\b)",
    re.I,
)


def _month_day(first: int, second: int) -> tuple[int, int]:
    """Month and day of a written n/n date: US order, unless only day first can be read ('21/10/2025',
    as internationally trained writers date)."""
    return (second, first) if first > 12 and second <= 12 else (first, second)


def parse_date(value: Any, ref: dt.date | None = None) -> dt.date | None:
    """ISO, US m/d/y, m/d/yy or m/d (year taken from `ref`, rolling forward past it); d/m/y when only that reads;
    d.m.yyyy (European)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", s)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", s)
        if m:  # '19.06.2025': a dotted date with a four-digit year is day.month.year
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = re.match(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?$", s)
        if m:
            year = int(m[3]) if m[3] else (ref.year if ref else None)
            if year is None:
                return None
            year += 2000 if year < 100 else 0
            month, day = _month_day(int(m[1]), int(m[2]))
            d = dt.date(year, month, day)
            if not m[3] and ref and d < ref:
                d = dt.date(year + 1, d.month, d.day)
            return d
    except ValueError:
        return None
    return None


_ORDINALS = {w: i for i, w in enumerate((
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
    "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split(), 1)}


def _day(word: str) -> int | None:
    w = word.lower().replace("-", " ")
    digits = re.match(r"\d+", w)
    if digits:
        return int(digits.group(0))
    if w in _ORDINALS:
        return _ORDINALS[w]
    if w == "thirtieth":
        return 30
    if w.startswith("twenty "):
        return 20 + _ORDINALS.get(w.split()[1], 0) if w.split()[1] in _ORDINALS else None
    if w.startswith("thirty "):
        return 31
    return None


def past_date(value: str, ref: dt.date | None) -> dt.date | None:
    """A date written about the past ("last refill 9/26", "May 14, 2025"): with no year, the latest such day on or before `ref`."""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})", value.strip())
    if m:
        return _before(ref, int(m[1]), int(m[2]))
    named = _named_month_day(value.strip())
    if named:
        month, day, year = named
        if not year:
            return _before(ref, month, day)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return parse_date(value, None)


_MONTH_FIRST = re.compile(r"([a-z]{3})[a-z]*\.?\s+(\d{1,2}(?:st|nd|rd|th)?|[a-z]+(?:[-\s][a-z]+)?)(?:,?\s+(\d{4}))?", re.I)
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*\.?(?:,?\s+(\d{4}))?", re.I)


def _named_month_day(value: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of "May 14, 2025", "November 6th", "June eleventh" or, as British and European notes write, "12 March"."""
    m = _MONTH_FIRST.fullmatch(value)
    if m and m[1].lower() in _MONTHS:
        day = _day(m[2])  # "November 6th", or dictated "June eleventh"
        return (_MONTHS[m[1].lower()], day, int(m[3]) if m[3] else None) if day else None
    m = _DAY_FIRST.fullmatch(value)
    if m and m[2].lower() in _MONTHS:
        return _MONTHS[m[2].lower()], int(m[1]), int(m[3]) if m[3] else None
    return None


def _before(ref: dt.date | None, month: int, day: int) -> dt.date | None:
    """A day and month without a year: the latest such date on or before `ref`."""
    if ref is None:
        return None
    try:
        d = dt.date(ref.year, month, day)
        return d if d <= ref else dt.date(ref.year - 1, month, day)
    except ValueError:
        return None


def latest_mentioned(text: str, ref: dt.date | None = None) -> dt.date | None:
    """The latest date a passage names (a month or a year counts as its last day), or None.

    A month and day without a year counts only as "on October sixteenth" (narrative of a
    past visit) or after a word that dates an event ("since 4/21", "on 2/3", "as of 3/1", "seen 2/18", "at 1/16 refill"),
    and is placed on or before `ref`, the service date; "10/16" alone may be a pain score
    or a future appointment and is ignored. A month alone ("at the February visit", "back in
    March", "the July rate reduction") is the last such month that began on or before `ref`, counted by its last day.

    Why the latest: "started 04/2024", "stopped (2019-2023)" and "lowered in March 2025"
    place an event by its end; the visit model compares it with the service date.
    """
    best: dt.date | None = None
    for m in _MENTION.finditer(text):
        try:
            if m["y"]:
                y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
                d = dt.date(y, *_month_day(int(m["m"]), int(m["d"])))
            elif m["iy"]:
                d = dt.date(int(m["iy"]), int(m["im"]), int(m["id"]))
            elif m["my"]:
                d = _month_end(int(m["my"]), int(m["mm"]))
            elif m["wmon"]:
                day = _day(m["wday"])
                got = _before(ref, _MONTHS[m["wmon"][:3].lower()], day) if day else None
                if got is None:
                    continue
                d = got
            elif m["sm"]:
                got = _before(ref, int(m["sm"]), int(m["sd"]))
                if got is None:
                    continue
                d = got
            elif m["om"] or m["am"]:
                month = _MONTHS[(m["om"] or m["am"])[:3].lower()]
                got = _before(ref, month, 1)  # the month's latest start on or before `ref`
                if got is None:
                    continue
                d = _month_end(got.year, month)
            elif m["ny"]:
                d = _month_end(int(m["ny"]), _MONTHS[m["mon"][:3].lower()])
            else:
                d = dt.date(int(m["y2"] or m["y3"] or m["y4"] or m["y5"] or m["y6"]), 12, 31)
        except (ValueError, KeyError):
            continue
        best = d if best is None or d > best else best
    return best


def nearest_date(m: re.Match[str], ref: dt.date) -> dt.date | None:
    """The date of a match with groups m/d[/y] or mm/my: a month and day without a year is the such day
    nearest `ref`; a month and year counts by its last day when after `ref`'s month, else its first."""
    try:
        if m["my"]:
            y, mo = int(m["my"]), int(m["mm"])
            if (y, mo) == (ref.year, ref.month):
                return ref
            return _month_end(y, mo) if (y, mo) < (ref.year, ref.month) else dt.date(y, mo, 1)
        if m["y"]:
            y = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
            return dt.date(y, int(m["m"]), int(m["d"]))
        month, day = int(m["m"]), int(m["d"])
        candidates = []
        for y in (ref.year - 1, ref.year, ref.year + 1):
            try:
                candidates.append(dt.date(y, month, day))
            except ValueError:
                continue
        return min(candidates, key=lambda d: abs((d - ref).days)) if candidates else None
    except ValueError:
        return None


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
