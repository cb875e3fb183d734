"""Expected vs actual residual at a refill (DOMAIN_REFERENCE 4.5, R6).

Over 2 mL (1 mL in a 20 mL pump) the gap may mean under- or over-infusion,
a leak or a pocket fill, so the note must say how it was explained.
"""
from __future__ import annotations

from auditor.checks import tables
from auditor.checks.findings import Finding, make
from auditor.checks.registry import note_check
from auditor.checks.visit import Visit

WINDOW_AFTER = 320


def limit_ml(reservoir_ml: float | None) -> float:
    conf = tables.thresholds()["residual_ml"]
    if reservoir_ml is not None:
        return float(conf.get("by_reservoir_ml", {}).get(f"{reservoir_ml:g}", conf["default"]))
    return float(conf["default"])


@note_check("residual")
def residual_discrepancy(v: Visit) -> list[Finding]:
    exp, act = v.residual_expected, v.residual_actual
    if not (v.refill and exp and act):
        return []
    diff = abs(exp[0] - act[0])
    lim = limit_ml(v.reservoir_ml)
    if diff <= lim + 1e-9:
        return []
    a = min(exp[1]["start"], act[1]["start"])
    b = max(exp[1]["end"], act[1]["end"]) + WINDOW_AFTER
    windows = [v.text[max(0, a - 60): b]]
    windows += [v.text[m.start(): m.end() + WINDOW_AFTER] for m in v.pat["residual_gap_mention"].finditer(v.text)]
    if any(p.search(w) for w in windows for p in v.pat["residual_explained"]):
        return []
    return [make("residual-discrepancy-unexplained", v.text, [exp[1], act[1]], expected_ml=exp[0], actual_ml=act[0],
                 diff_ml=round(diff, 2), limit_ml=lim, reservoir_ml=v.reservoir_ml,
                 computation=f"|{exp[0]:g} - {act[0]:g}| = {diff:.2g} mL > {lim:g} mL"
                             + (f" (limit for a {v.reservoir_ml:g} mL pump)" if v.reservoir_ml else ""))]
