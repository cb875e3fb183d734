"""Refill intervals across the visits of one patient (DOMAIN_REFERENCE 1.5, 4.4, R16).

Expected days between refills = (fill volume - low-reservoir reserve) / daily
volume, with daily volume = daily dose / concentration, capped by the drug's
stability limit and an admixture's beyond-use date. A refill much earlier
than that needs a documented reason; a longer interval than the stability
limit is a finding unless the gap is so long that visits must be missing.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping

from auditor.checks import tables
from auditor.checks.findings import Finding, make
from auditor.checks.visit import Visit, parse_date
from auditor.dates import past_date

_DOSE_MCG = {"mcg/day": 1.0, "mg/day": 1000.0}


def _daily_dose_mcg(facts: Mapping[str, Any], changed: bool) -> float | None:
    """Today's daily dose (after any change) in mcg/day."""
    unit = facts.get("dose_unit")
    doses = facts.get("daily_doses") or []
    if changed and doses:
        unit = unit or doses[0]["unit"]
        same = [d for d in doses if d["unit"] == unit]
        if same:
            return same[-1]["value"] * _DOSE_MCG.get(unit, 0) or None
    if facts.get("dose_after") is not None and unit in _DOSE_MCG:
        return facts["dose_after"] * _DOSE_MCG[unit]
    return None


def stability_limit(drugs: Iterable[str], zic_diluted: bool | None) -> tuple[float, str] | None:
    """The shortest configured stability limit of the drugs in the pump."""
    table = tables.drugs()["stability_days"]
    best: tuple[float, str] | None = None
    for drug in drugs:
        lim = table.get(drug)
        if isinstance(lim, dict):
            lim = lim["diluted"] if zic_diluted else lim["undiluted"]
        if lim and (best is None or lim < best[0]):
            best = (float(lim), drug)
    return best


STATED_PREVIOUS_MAX_DAYS = 400  # an older "last refill" date is history, not this pump's last fill


def _stated_previous_refill(v: Visit) -> dt.date | None:
    """The last refill date the note itself states ("Last refill 9/26/25", "last refill 96 days ago"),
    when it lies before the visit (patterns.json stated_previous_refill: the first form that reads wins)."""
    service = v.service_date
    if service is None:
        return None
    for p in v.pat["stated_previous_refill"]:
        for m in v.g.finditer(p):
            when = _stated_when(m, service)
            if when is not None and 0 < (service - when).days <= STATED_PREVIOUS_MAX_DAYS:
                return when
    return None


def _stated_when(m: re.Match[str], service: dt.date) -> dt.date | None:
    """The date a 'last refill' match names: a written date, or a count of days or weeks before the visit."""
    found = m.groupdict()
    if found.get("n"):
        days = int(found["n"]) * (7 if found["u"].lower().startswith("w") else 1)
        return service - dt.timedelta(days=days)
    return past_date(found["d"], service) if found.get("d") else None


_PAST_AFTER = 30  # characters after a reason word in which a date or 'finished' places it before today


def _reason_in_the_past(v: Visit, m: re.Match[str]) -> bool:
    """A reason told as over or dated before today ('knee replacement R 7/2025', 'titration finished in
    August', 'concentration changed 7/23') is history, not why this refill came early."""
    after = re.split(r"[\n;~]|\.\s", v.text[m.end(): m.end() + _PAST_AFTER])[0]
    if any(p.match(after) for p in v.pat["early_reason_over"]):
        return True
    ref = v.service_date
    if ref is None:
        return False
    dated = v.pat["early_reason_dated"].match(after)
    if not dated:
        return False
    when = parse_date(dated.group("d"), None) if dated.group("d") else None
    if when is None and dated.group("my"):
        when = dt.date(int(dated.group("my")), int(dated.group("mm")), 1)
    if when is None and dated.group("md") and re.search(r"ed$", m.group(0)):
        when = past_date(dated.group("md"), ref)  # 'changed 7/23': a month and day after a past participle
    return when is not None and when < ref


def interval_inputs(v: Visit) -> dict[str, Any]:
    """What the interval check needs from one note, as plain JSON (it travels in facts)."""
    f = v.facts
    drugs = v.pump_drugs
    primary = (f.get("drugs") or [{}])[0].get("drug") if f.get("drugs") else (drugs[0] if drugs else None)
    conc = v.concentration_of(primary) if primary else None
    dose = _daily_dose_mcg(f, v.regimen_change)
    daily_ml = None
    if dose and conc:
        daily_ml = dose / conc
    elif f.get("rate_ml_per_day") and not v.regimen_change:
        daily_ml = float(f["rate_ml_per_day"])
    if daily_ml is not None and not (0.005 <= daily_ml <= 10):
        daily_ml = None
    fill_ml = v.fill["volume_ml"] if v.fill else f.get("volume_instilled_ml")
    zic = None
    if "ziconotide" in drugs:
        zconf = tables.drugs()["stability_days"].get("ziconotide") or {}
        if v.g.search(v.pat["ziconotide_undiluted"]):
            zic = False
        elif v.g.search(v.pat["ziconotide_diluted"]):
            zic = True
        elif conc is not None:
            zic = conc not in zconf.get("undiluted_concentrations_mcg_ml", [])
    bud = v.g.search(v.pat["bud_date"])
    bud_date = parse_date(bud.group("d"), v.service_date) if bud else None
    reason = next((m for p in v.pat["early_reason"] for m in v.g.finditer(p)
                   if not v.guarded_by(m, "early_reason_guard") and not _reason_in_the_past(v, m)), None)
    ev = [v.fill["span"]] if v.fill else []
    stated = _stated_previous_refill(v)
    return {
        "refill": v.refill,
        "drugs": drugs,
        "primary_drug": primary,
        "concentration_mcg_ml": conc,
        "daily_dose_mcg": dose,
        "dose_before_mcg": f["dose_before"] * _DOSE_MCG[f["dose_unit"]] if f.get("dose_before") is not None and f.get("dose_unit") in _DOSE_MCG else None,
        "daily_volume_ml": round(daily_ml, 4) if daily_ml else None,
        "fill_ml": fill_ml,
        "reservoir_ml": v.reservoir_ml,
        "residual_actual_ml": v.residual_actual[0] if v.residual_actual else None,
        "pump_type": f.get("pump_type"),
        "ziconotide_diluted": zic,
        "bud_date": bud_date.isoformat() if bud_date else None,
        "stated_previous_refill": stated.isoformat() if stated else None,
        "early_reason": (reason.group(0) if reason else ("regimen change" if v.regimen_change else None)) if v.text else None,
        "text_read": bool(v.text),
        "has_claim": v.has_claim,
        "evidence": [{k: s[k] for k in ("start", "end", "text")} for s in ev],
    }


def _inputs(visit: Mapping[str, Any]) -> dict[str, Any]:
    facts = visit.get("facts") or {}
    got = (facts.get("claim_summary") or {}).get("visit")
    if got:
        return got
    v = Visit(text=visit.get("text") or "", record={"facts": facts},
              meta={"service_date": visit.get("service_date"), "billed_codes": visit.get("billed_codes")})
    got = interval_inputs(v)
    known = (facts.get("claim_summary") or {}).get("has_claim")
    got["has_claim"] = known if known is not None else (v.has_claim if "billed_codes" in visit else None)
    return got


def _linked(prev: Mapping[str, Any], cur: Mapping[str, Any], left_by: Mapping[str, Any] | None = None) -> bool:
    """Same pump series with nothing missing in between: same primary drug, no conflicting reservoir size,
    and today's starting dose is the dose the pump was left at (ids can collide, runs can be partial).

    `left_by`: the latest visit of any kind before today (a reprogramming between two refills sets the
    dose today starts from); by default the previous refill itself."""
    if not prev["primary_drug"] or prev["primary_drug"] != cur["primary_drug"]:
        return False
    for key in ("reservoir_ml", "pump_type"):
        a, b = prev.get(key), cur.get(key)
        if a and b and a != b:
            return False
    last = left_by if left_by is not None and left_by.get("primary_drug") == cur["primary_drug"] else prev
    left, found = last.get("daily_dose_mcg"), cur.get("dose_before_mcg")
    return not (left and found and abs(left - found) > 0.05 * left)


def _capacity_days(prev: Mapping[str, Any]) -> float | None:
    iv = tables.thresholds()["intervals"]
    vol = prev.get("fill_ml") or prev.get("reservoir_ml")
    if not vol or not prev.get("daily_volume_ml"):
        return None
    usable = vol - iv["low_reservoir_reserve_ml"]
    return usable / prev["daily_volume_ml"] if usable > 0 else None


def _capacity_text(prev: Mapping[str, Any], cap: float | None) -> str | None:
    """How the previous fill's days were computed, for a coder to check."""
    if cap is None:
        return None
    iv = tables.thresholds()["intervals"]
    vol = prev.get("fill_ml") or prev.get("reservoir_ml")
    daily = prev["daily_volume_ml"]
    how = ""
    if prev.get("daily_dose_mcg") and prev.get("concentration_mcg_ml"):
        from auditor.checks.amounts import mcg_ml_text, mcg_text

        how = f" ({mcg_text(prev['daily_dose_mcg'])}/day / {mcg_ml_text(prev['concentration_mcg_ml'])})"
    return (f"fill {vol:g} mL - {iv['low_reservoir_reserve_ml']:g} mL reserve = {vol - iv['low_reservoir_reserve_ml']:g} mL"
            f" / {daily:g} mL/day{how} = {cap:.0f} days")


def _residual_capacity(prev: Mapping[str, Any], cur: Mapping[str, Any], days: int) -> tuple[float, str] | None:
    """Days the last fill lasts, from what today's residual says was used since it.

    For when the rate is unknown: the earlier visit gave no dose and concentration, or only
    its date is known (a stated last refill, whose fill is taken as today's: pumps are
    filled to the same volume). No concentration or dose is read, so a misread one cannot
    make a refill early."""
    iv = tables.thresholds()["intervals"]
    src = cur if prev.get("stated") else prev
    fill, left = src.get("fill_ml") or src.get("reservoir_ml"), cur.get("residual_actual_ml")
    if not fill or left is None or not 0 <= left < fill:
        return None
    used = fill - left
    usable = fill - iv["low_reservoir_reserve_ml"]
    if usable <= 0:
        return None
    cap = days * usable / used
    return cap, (f"{used:g} mL used in {days} days ({fill:g} mL fill - {left:g} mL residual); "
                 f"{usable:g} mL usable lasts {cap:.0f} days at that rate")


def _pair(prev: Mapping[str, Any], cur: Mapping[str, Any], days: int) -> list[Finding]:
    iv = tables.thresholds()["intervals"]
    out: list[Finding] = []
    cap = _capacity_days(prev)
    stab = stability_limit(prev["drugs"], prev.get("ziconotide_diluted"))
    limits: list[tuple[float, str]] = [stab] if stab else []
    if prev.get("bud_date") and tables.drugs().get("admixture_beyond_use_caps_interval"):
        bud_days = (dt.date.fromisoformat(prev["bud_date"]) - dt.date.fromisoformat(prev["date"])).days
        if bud_days > 0:
            limits.append((float(bud_days), "the admixture (beyond-use date)"))
    ev = cur.get("evidence") or []
    if limits:
        lim, what = min(limits)
        # a stated last refill leaves no visit missing in between: the note says when the drug went in
        plausible = prev.get("stated") or (days <= cap + iv["capacity_slack_days"] if cap else days <= 1.5 * lim)
        if days > lim and plausible:
            out.append(make("refill-interval-exceeds-stability", "", [], interval_days=days, limit_days=int(lim), drug=what,
                            previous_refill=prev["date"],
                            computation=f"{cur['date']} - {prev['date']} = {days} days > {what} limit {lim:g} days"))
            out[-1]["evidence"] = ev
    cap_text = _capacity_text(prev, cap)
    factor = iv["early_factor"]
    if prev.get("stated") or cap is None:  # the rate is unknown: today's residual tells what was used
        got = _residual_capacity(prev, cur, days)
        cap, cap_text = got if got else (None, None)
        factor = iv["residual_early_factor"]
        if got is None and prev.get("stated"):  # no residual today: today's fill and rate, at the same wide margin
            cap = _capacity_days(cur)
            cap = cap if cap is not None and cap <= iv["stated_rate_max_days"] else None
            cap_text = _capacity_text(cur, cap)
    return out + _early(cur, prev["date"], days, f"{cur['date']} - {prev['date']} = {days} days", cap, cap_text, limits, factor)


def _early(cur: Mapping[str, Any], prev_date: str | None, days: float, since: str, cap: float | None,
           cap_text: str | None, limits: list[tuple[float, str]], factor: float) -> list[Finding]:
    """`refill-interval-early` when the fill was in for under `factor` x what it lasts (or its stability
    limit, if shorter) and no reason is documented; the computation spells out each bound.

    A stability limit is the longest a fill may stay, not how long it lasts: without the fill's
    capacity no refill is judged early."""
    iv = tables.thresholds()["intervals"]
    bounds = [x for x in [cap, *(lim for lim, _ in limits)] if x]
    allowed = min(bounds) if bounds else None
    if not (cap and allowed and iv["min_days_considered"] <= days < factor * allowed and cur.get("text_read")
            and not cur.get("early_reason")):
        return []
    parts = [x for x in [cap_text, *(f"{w} stability {lim:g} days" for lim, w in limits)] if x]
    computation = (f"{since} < {factor:g} x {allowed:.0f} = {factor * allowed:.0f} days; allowed = shortest of: "
                   f"{'; '.join(parts)}; no reason documented")
    f = make("refill-interval-early", "", [], interval_days=round(days), expected_days=int(allowed), factor=factor,
             previous_refill=prev_date, computation=computation)
    f["evidence"] = cur.get("evidence") or []
    return [f]


def _early_by_residual_alone(cur: Mapping[str, Any]) -> list[Finding]:
    """No earlier refill in the run nor a stated one: today's residual and rate still date the last fill.

    (fill - residual) / daily volume is how long the last fill has been in (pumps are filled to
    the same volume); judged against what the fill lasts as any pair is. Needs the residual,
    the fill and the daily volume all read from today's note."""
    iv = tables.thresholds()["intervals"]
    fill, left, daily = cur.get("fill_ml") or cur.get("reservoir_ml"), cur.get("residual_actual_ml"), cur.get("daily_volume_ml")
    if not (fill and daily and left is not None and 0 <= left < fill):
        return []
    days = (fill - left) / daily
    cap = _capacity_days(cur)
    stab = stability_limit(cur["drugs"], cur.get("ziconotide_diluted"))
    since = (f"no earlier refill in the run: ({fill:g} mL fill - {left:g} mL residual) / {daily:g} mL/day = {days:.0f} days "
             "since the last fill")
    return _early(cur, None, days, since, cap, _capacity_text(cur, cap), [stab] if stab else [], iv["residual_early_factor"])


def _stated_previous(cur: Mapping[str, Any]) -> dict[str, Any] | None:
    """The refill the note says came before, when that visit is not in the run.

    Only its date is known: it can show a drug kept past its stability limit, and an
    early refill only from today's residual (`_residual_capacity`), never from a dose and
    concentration (taking today's raised false early refills on dev notes whose
    concentration was misread)."""
    stated = cur.get("stated_previous_refill")
    return {**cur, "date": stated, "index": -1, "stated": True} if stated and stated < cur["date"] else None


def _latest(in_run: dict[str, Any] | None, stated: dict[str, Any] | None) -> dict[str, Any] | None:
    """The previous refill: the run's, unless the note states a later one (the visits between are not in the run)."""
    if in_run is None or (stated is not None and stated["date"] > in_run["date"]):
        return stated
    return in_run


def run_intervals(summaries: Iterable[tuple[int, Mapping[str, Any] | None]]) -> dict[int, list[Finding]]:
    """Findings by run index, from consecutive refills of each patient sorted by date (then index).

    summaries: (index, summary) pairs in any order, each summary as made by
    `auditor.checks.summaries.visit_summary` (None for a note that failed). Only
    the summaries matter, not how the run was chunked or which process made them,
    so a caller can audit notes anywhere and run this once over the whole run.
    """
    conf = tables.thresholds()
    by_patient: dict[str, list[dict[str, Any]]] = {}
    for index, summary in summaries:
        if not summary or not (summary.get("refill") or summary.get("daily_dose_mcg")):
            continue  # a visit without a refill still counts for the dose it left the pump at
        pid, date = summary.get("patient_id"), parse_date(summary.get("service_date"))
        if (pid is None or pid == "") and summary.get("stated_previous_refill"):
            pid = f"\x00note {index}"  # no patient id: the note's own stated last refill is its only pair
        if pid is None or pid == "" or date is None:
            continue
        row = dict(summary)
        row.update(index=index, date=date.isoformat())
        by_patient.setdefault(str(pid), []).append(row)
    out: dict[int, list[Finding]] = {}
    for rows in by_patient.values():
        rows.sort(key=lambda r: (r["date"], r["index"]))
        for j, cur in enumerate(rows):
            if not cur.get("refill"):
                continue
            if conf.get("require_claim") and cur.get("has_claim") is False:
                continue
            # the latest earlier refill of the same pump series (another series under a colliding id is skipped)
            left_by = next((p for p in reversed(rows[:j]) if p["date"] < cur["date"]), None)
            prev = _latest(next((p for p in reversed(rows[:j]) if p.get("refill") and _linked(p, cur, left_by)), None),
                           _stated_previous(cur))
            if prev is None:
                alone = _early_by_residual_alone(cur)
                if alone:
                    out.setdefault(cur["index"], []).extend(alone)
                continue
            days = (dt.date.fromisoformat(cur["date"]) - dt.date.fromisoformat(prev["date"])).days
            if days <= 0:
                continue
            found = _pair(prev, cur, days)
            if found:
                out.setdefault(cur["index"], []).extend(found)
    return out


def interval_findings(visits: list[dict[str, Any]]) -> dict[int, list[Finding]]:
    """Findings by visit index, from consecutive refills of each patient sorted by date.

    visits: {"index", "patient_id", "service_date", "facts"}; optional "text" (reasons and fill lines are
    read from it when facts hold no claim_summary) and "billed_codes".
    """
    def summaries() -> Iterable[tuple[int, dict[str, Any]]]:
        for visit in visits:
            pid, date = visit.get("patient_id"), visit.get("service_date")
            if pid is None or pid == "" or parse_date(date) is None:
                continue
            yield visit["index"], {**_inputs(visit), "patient_id": pid, "service_date": date}

    return run_intervals(summaries())
