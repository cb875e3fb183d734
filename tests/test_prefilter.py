"""The literal prefilter never hides a match: wherever a rule's regex matches
a gold note or a phrase-bank fragment, one of its required literals occurs."""
from __future__ import annotations

from tests.sampling import spread
import json
import re
from pathlib import Path

from auditor import rules
from auditor.fast.prefilter import required_literals

ROOT = Path(__file__).resolve().parents[1] / "annotations"


def _texts() -> list[str]:
    # 350 gold notes spread over every writer (flat time as the gold grows) and every phrase-bank fragment
    out = spread([json.loads(line)["text"] for line in open(ROOT / "gold.jsonl", encoding="utf-8")], 350)
    for bank in ROOT.glob("phrasebank*.jsonl"):
        out += [json.loads(line)["text"] for line in open(bank, encoding="utf-8")]
    return out


def test_required_literals_pick_the_most_selective_part():
    assert required_literals(r"\bpump\s+refilled\b") == frozenset({"refilled"})
    assert required_literals(r"\b(?:alpha|beta)\s+gamma") == frozenset({"gamma"})
    assert required_literals(r"\b(?:alpha|betas)\s+\d") == frozenset({"alpha", "betas"})
    assert required_literals(r"\d+\s*ml") is None  # too short to filter on
    assert required_literals(r"(?:refill)?\s*done") == frozenset({"done"})  # optional parts require nothing


def test_prefilter_never_hides_a_match_of_any_target_rule():
    texts = _texts()
    lowered = [t.lower() for t in texts]
    for rule in rules.target_rules():
        lits = required_literals(rule["pattern"])
        if lits is None:
            continue
        pat = re.compile(rule["pattern"], re.IGNORECASE)
        for text, low in zip(texts, lowered):
            if pat.search(text):
                assert any(lit in low for lit in lits), f"{rule['id']} matched but its literals {sorted(lits)} are absent"


def test_literals_are_found_through_the_letters_ignorecase_folds():
    from auditor.fast.prefilter import lowered_for_literals

    pattern = re.compile(r"\baspirated\s+\d+", re.IGNORECASE)
    lits = {lowered_for_literals(lit) for lit in required_literals(pattern.pattern)}
    for text in ("asp\u0131rated 9 mL", "ASP\u0130RATED 9 mL", "a\u017fpirated 9"):
        assert pattern.search(text)  # re itself matches: the prefilter must not hide it
        assert any(lit in lowered_for_literals(text) for lit in lits), text
    micro = re.compile(r"\d+\s*\u00b5g/ml", re.IGNORECASE)  # micro sign in the rule, Greek mu in the note
    assert micro.search("50 \u03bcg/mL")
    assert lowered_for_literals("\u00b5g/ml") in lowered_for_literals("50 \u03bcg/mL")
