"""sentence_bounds reads the same sentences from arrays that doc.sents yields."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.components.sentences import pump_sentences, sentence_bounds

GOLD = Path(__file__).resolve().parents[1] / "annotations" / "gold.jsonl"


def _expected(doc) -> tuple[list[int], list[list[int]]]:
    if not doc.has_annotation("SENT_START"):
        return [0], []
    return [s.start for s in doc.sents], [[s.start_char, s.end_char] for s in doc.sents]


@pytest.mark.parametrize("text", ["", " ", "x", "\n\n", "One. Two\n\nthree  ", "Pump refilled ~ 20 mL ~ RN"])
def test_bounds_match_doc_sents_on_edge_cases(nlp, text):
    doc = pump_sentences(nlp.make_doc(text))
    assert sentence_bounds(doc) == _expected(doc)


def test_bounds_match_doc_sents_on_gold_notes(nlp):
    for line in open(GOLD, encoding="utf-8"):
        doc = pump_sentences(nlp.make_doc(json.loads(line)["text"]))
        assert sentence_bounds(doc) == _expected(doc)


def test_a_doc_without_sentence_starts_is_one_sentence(nlp):
    assert sentence_bounds(nlp.make_doc("no sentences set")) == ([0], [])
