"""The claim rule tables load, validate, and name exactly the README's rule ids."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.checks import tables
from auditor.rules import RuleError

README = Path(__file__).resolve().parents[1] / "annotations" / "README.md"


def test_every_table_loads_and_validates():
    tables.load_all()
    assert tables.drugs()["hcpcs"]["J2278"]["unit"] == "mcg"
    assert tables.drugs()["stability_days"]["ziconotide"] == {"diluted": 40, "undiluted": 84, "undiluted_concentrations_mcg_ml": [25, 100]}


def test_rule_table_matches_the_annotation_readme_ids():
    ids = set(re.findall(r"^\| `([a-z0-9-]+)` \|", README.read_text(encoding="utf-8"), re.M))
    assert ids == tables.RULE_IDS == set(tables.rule_table())


def test_hcpcs_units_match_the_brief():
    units = {c: (r["unit_amount"], r["unit"]) for c, r in tables.drugs()["hcpcs"].items() if r.get("unit")}
    assert units["J2274"] == (10, "mg") and units["J0475"] == (10, "mg") and units["J1170"] == (4, "mg")
    assert units["J1171"] == (0.1, "mg") and units["J0735"] == (1, "mg") and units["J3010"] == (0.1, "mg")
    assert units["J0665"] == (0.5, "mg") and units["J2278"] == (1, "mcg")


def test_a_broken_table_fails_loudly_naming_the_file(monkeypatch):
    monkeypatch.setattr(tables, "_load", lambda name: {"version": 1, "hcpcs": {"J0475": {"drug": "baclofen", "unit_amount": 0, "unit": "mg"}},
                                                      "jw_jz": {"required_from": "2023-07-01"}})
    tables.drugs.cache_clear()
    try:
        with pytest.raises(RuleError, match=r"drugs.json hcpcs J0475: unit_amount"):
            tables.drugs()
    finally:
        monkeypatch.undo()
        tables.drugs.cache_clear()
        tables.drugs()


def test_a_bad_regex_names_its_key(monkeypatch):
    monkeypatch.setattr(tables, "_load", lambda name: {"version": 1, "fill": ["(unclosed"]})
    tables.patterns.cache_clear()
    try:
        with pytest.raises(RuleError, match=r"patterns.json fill\[0\]"):
            tables.patterns()
    finally:
        monkeypatch.undo()
        tables.patterns.cache_clear()
        tables.patterns()
