"""The per-note work budget: a note built to stall ConText or the tokenizer gets an error record at once."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from auditor import budget

REPO = Path(__file__).resolve().parents[1]
HOSTILE = {
    "negations": "not " * 40_000,  # 494 s before the budget
    "placeholders": "*** " * 20_000,  # 144 s
    "review of systems": "Denies fever. No chills. Negative for rash. " * 3_500,  # 44 s
    "emoji": "\U0001F600" * 10_000,  # 12 s
}


@pytest.mark.timeout(60)
def test_hostile_notes_get_a_budget_error_record_in_seconds_and_the_run_goes_on(nlp, sample_rows):
    from auditor.audit import audit_rows

    rows = [{"note_id": name, "text": text} for name, text in HOSTILE.items()]
    rows.insert(2, {"note_id": "ok", "text": sample_rows[0]["text"]})
    started = time.monotonic()
    recs = audit_rows(nlp, rows)
    assert time.monotonic() - started < 20
    assert [r["note_id"] for r in recs] == [r["note_id"] for r in rows]
    for rec in recs:
        if rec["note_id"] == "ok":
            assert rec["error"] is None
        else:
            assert rec["error"].startswith("note over the per-note work budget"), rec["error"]
            assert rec["score"] is None and rec["elements"] is None


def test_budget_error_names_the_count_and_the_limit_but_no_text(nlp):
    why = budget.over_budget("not " * 5_000, budget.vocabulary_of(nlp))
    assert why is not None and "5,000 ConText cues" in why and "3,000" in why and "not not" not in why


def test_short_notes_are_never_counted_and_no_corpus_note_comes_near_a_limit(nlp):
    lim = budget.limits()
    assert lim.fast_chars == min(lim.tokens, lim.cues, lim.symbol_run)
    cues = budget.vocabulary_of(nlp)
    worst = [0, 0, 0]
    for path in sorted((REPO / "annotations").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line).get("text") or ""
                assert budget.over_budget(text, cues) is None
                worst = [max(a, b) for a, b in zip(worst, budget.count(text, cues))]
    assert worst[0] < lim.tokens / 10 and worst[1] < lim.cues / 10 and worst[2] < lim.symbol_run / 10


def test_cue_vocabulary_reads_literal_token_and_regex_rules():
    class Rule:
        def __init__(self, literal, pattern=None):
            self.literal, self.pattern = literal, pattern

    v = budget.cue_vocabulary([Rule("no"), Rule("free of"), Rule("x", [{"LOWER": {"IN": ["denies", "denied"]}}]),
                               Rule("y", r"\b(?:declined|refused)\b"), Rule("z", r"\*{2,}"),
                               Rule("w", r"\b(?:at\s+)?(?:the\s+)?next")])
    assert {"no", "denies", "denied", "declined", "refused"} <= v.singles
    assert ("free", "of") in v.pairs and "at" not in v.singles
    assert budget.count("no no free of x *** ** declined", v).cues == 6
