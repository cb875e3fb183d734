"""Loads the claim rule tables under auditor/resources/claims, validated on load.

The tables are the checks' knowledge (codes, units, payer policies,
thresholds, regexes): a coding lead edits them, so a broken entry fails at
load time naming the file and key instead of silently mis-auditing claims.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from auditor import rules
from auditor.textscan import Gate, flatten_patterns
from auditor.textscan import pattern_gate as _gate
from auditor.rules import RuleError

SEVERITIES = frozenset({"error", "warning"})
# the rule ids of annotations/README.md: a table may not invent or drop one
RULE_IDS = frozenset({
    "code-staff-physician-level", "code-reprogram-without-change", "code-change-billed-as-refill",
    "code-refill-without-refill", "code-analysis-with-refill", "code-mutually-exclusive",
    "code-programming-constant-flow", "drug-line-missing", "drug-billed-outside-supply", "drug-units-mismatch",
    "drug-compound-single-code", "drug-compound-invoice-missing", "drug-jw-jz-missing", "drug-jw-waste-undocumented",
    "em25-not-separate", "incident-to-virtual-not-allowed", "incident-to-payer-not-recognised",
    "refill-interval-early", "refill-interval-exceeds-stability", "residual-discrepancy-unexplained",
    "ziconotide-indication-missing",
})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _load(name: str) -> dict[str, Any]:
    where = f"resources/claims/{name}"
    try:
        text = resources.files("auditor").joinpath("resources", "claims", name).read_text(encoding="utf-8")
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError(f"{where}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise RuleError(f"{where}: needs an integer 'version'")
    return data


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise RuleError(f"resources/claims/{where}: {what}")


@lru_cache(maxsize=1)
def codes() -> dict[str, Any]:
    data = _load("codes.json")
    fams = data.get("families")
    if not isinstance(fams, dict) or not fams:  # as _need, in a form that narrows `fams` for the type checker
        raise RuleError("resources/claims/codes.json: 'families' must be a non-empty object")
    for name, members in fams.items():
        _need(isinstance(members, list) and all(isinstance(c, str) and re.fullmatch(r"\d{5}", c) for c in members),
              "codes.json", f"family {name!r} must list 5-digit CPT codes")
    for name in ("refill", "refill_staff", "physician_level", "analysis", "reprogramming", "reprogram_refill", "programming", "with_refill"):
        _need(name in fams, "codes.json", f"family {name!r} is missing")
    data["em_re"] = rules.compile_checked(data.get("em_code_pattern", ""), "resources/claims/codes.json em_code_pattern")
    return data


@lru_cache(maxsize=1)
def drugs() -> dict[str, Any]:
    data = _load("drugs.json")
    for code, row in data.get("hcpcs", {}).items():
        where = f"drugs.json hcpcs {code}"
        _need(bool(re.fullmatch(r"[A-Z]\d{4}", code)), where, "code must look like J1234")
        if row.get("drug") is not None:
            _need(isinstance(row.get("unit_amount"), (int, float)) and row["unit_amount"] > 0, where, "unit_amount must be > 0")
            _need(row.get("unit") in ("mg", "mcg"), where, "unit must be mg or mcg")
    for code in data.get("single_dose_codes", []):
        _need(code in data["hcpcs"], "drugs.json single_dose_codes", f"{code} is not in hcpcs")
    _need(bool(_DATE.match(data.get("jw_jz", {}).get("required_from", ""))), "drugs.json jw_jz", "required_from must be YYYY-MM-DD")
    for drug, lim in data.get("stability_days", {}).items():
        ok = lim is None or (isinstance(lim, (int, float)) and lim > 0) or (isinstance(lim, dict) and {"diluted", "undiluted"} <= set(lim))
        _need(ok, f"drugs.json stability_days {drug}", "must be null, a number of days or {diluted, undiluted}")
    return data


@lru_cache(maxsize=1)
def payers() -> dict[str, Any]:
    data = _load("payers.json")
    for payer, windows in data.get("virtual_supervision_windows", {}).items():
        for w in windows:
            for key in ("from", "to"):
                _need(w.get(key) is None or bool(_DATE.match(str(w[key]))), f"payers.json window {payer}", f"{key} must be YYYY-MM-DD or null")
    for key in ("incident_to_not_recognised", "incident_to_requires_sa_modifier"):
        _need(isinstance(data.get(key, []), list), "payers.json", f"{key} must be a list")
    return data


@lru_cache(maxsize=1)
def thresholds() -> dict[str, Any]:
    data = _load("thresholds.json")
    res = data.get("residual_ml", {})
    _need(isinstance(res.get("default"), (int, float)), "thresholds.json residual_ml", "default must be a number")
    iv = data.get("intervals", {})
    _need(0 < iv.get("early_factor", 0) < 1, "thresholds.json intervals", "early_factor must be between 0 and 1")
    _need(isinstance(iv.get("stated_rate_max_days"), (int, float)) and iv["stated_rate_max_days"] > 0,
          "thresholds.json intervals", "stated_rate_max_days must be a positive number")
    return data


@lru_cache(maxsize=1)
def rule_table() -> dict[str, dict[str, str]]:
    data = _load("rules.json").get("rules", {})
    _need(set(data) == RULE_IDS, "rules.json", f"rule ids differ from the README table: {sorted(set(data) ^ RULE_IDS)}")
    for rid, row in data.items():
        _need(row.get("severity") in SEVERITIES, f"rules.json {rid}", "severity must be error or warning")
        _need(bool(row.get("message")) and bool(row.get("fix")), f"rules.json {rid}", "needs message and fix")
    return data


@lru_cache(maxsize=1)
def patterns() -> dict[str, Any]:
    """Compiled regexes: a key holding a list becomes a list of patterns."""
    data = _load("patterns.json")
    out: dict[str, Any] = {}
    for key, val in data.items():
        if key.startswith("_") or key == "version":
            continue
        where = f"resources/claims/patterns.json {key}"
        flags = re.IGNORECASE | re.MULTILINE
        if isinstance(val, list):
            out[key] = [rules.compile_checked(p, f"{where}[{i}]", flags) for i, p in enumerate(val)]
        elif isinstance(val, str):
            out[key] = rules.compile_checked(val, where, flags)
        else:
            raise RuleError(f"{where}: must be a regex or a list of regexes")
    return out


@lru_cache(maxsize=1)
def pattern_gate() -> Gate:
    """One Hyperscan pass per note says which of the checks' patterns can match it."""
    return _gate(flatten_patterns(patterns()))


def load_all() -> None:
    """Validate every table (CI and app start-up call this)."""
    codes(), drugs(), payers(), thresholds(), rule_table(), patterns()
