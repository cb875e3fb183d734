"""The tables `auditor evaluate gold` prints (without --json): one result, read by a person.

Why apart from the scoring: the JSON is the record of a run (the first-look
files keep it); this is only its layout, and changes without changing a figure.
"""
from __future__ import annotations

from typing import Any, Mapping


def _f(x: float | None) -> str:
    """A figure to three places, or n/a when it is undefined."""
    return "n/a" if x is None else f"{x:.3f}"


def _prf_line(name: str, d: Mapping[str, Any]) -> str:
    return (f"{name:<26} P {_f(d['precision'])}  R {_f(d['recall'])}  F1 {_f(d['f1'])}"
            f"   (tp {d['tp']}, fp {d['fp']}, fn {d['fn']})")


def format_text(result: Mapping[str, Any]) -> str:
    """The human-readable report `auditor evaluate` prints."""
    lines = [f"{result['notes']} gold notes (split {result.get('split', '?')}, mode {result.get('mode', 'rules')}), "
             f"{result['errors']} not audited", ""]
    lines.append(f"{'element':<16} {'accuracy':>8}  {'def P':>6} {'def R':>6} {'def F1':>6}")
    for e, d in result["elements"].items():
        df = d["deficiency"]
        lines.append(f"{e:<16} {_f(d['accuracy']):>8}  {_f(df['precision']):>6} {_f(df['recall']):>6} {_f(df['f1']):>6}")
    lines.append(f"{'overall':<16} {_f(result['overall_accuracy']):>8}")
    lines += ["", _prf_line("deficiency (lenient)", result["deficiency"]),
              _prf_line("deficiency (exact status)", result["deficiency_strict"]),
              _prf_line(f"findings ({result['findings']['notes']} billed)", result["findings"])]
    if result.get("context_visits"):
        lines.append(f"  (refill intervals read {result['context_visits']} earlier/later visits of the same patients "
                     "from other splits; those visits are not scored)")
    lines.append("")
    if result.get("findings_by_rule"):
        lines.append(f"{'finding rule':<36} {'P':>6} {'R':>6} {'F1':>6}  {'tp':>3} {'fp':>3} {'fn':>3}")
        for rule, d in result["findings_by_rule"].items():
            lines.append(f"{rule:<36} {_f(d['precision']):>6} {_f(d['recall']):>6} {_f(d['f1']):>6}  "
                         f"{d['tp']:>3} {d['fp']:>3} {d['fn']:>3}")
        lines.append("")
    if result.get("visit"):
        lines.append(f"{'visit event':<16} {'accuracy':>8}  {'n':>5}")
        for k, d in result["visit"].items():
            lines.append(f"{k:<16} {_f(d['accuracy']):>8}  {d['n']:>5}")
        lines.append("")
    if result.get("by_source"):
        lines.append(f"{'source':<22} {'notes':>5} {'accuracy':>8} {'def F1':>6}")
        for src, d in result["by_source"].items():
            lines.append(f"{src[:22]:<22} {d['notes']:>5} {_f(d['accuracy']):>8} {_f(d['deficiency']['f1']):>6}")
        lines.append("")
    for e, d in result["elements"].items():
        conf = d["confusion"]
        cols = [c for c in conf if any(conf[r][c] for r in conf)] or list(conf)
        rows = [r for r in conf if any(conf[r].values())]
        lines.append(f"{e}: gold (rows) x predicted (columns)")
        lines.append(" " * 16 + "".join(f"{c[:14]:>15}" for c in cols))
        for r in rows:
            lines.append(f"{r:<16}" + "".join(f"{conf[r][c]:>15}" for c in cols))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
