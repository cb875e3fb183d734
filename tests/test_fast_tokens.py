"""The triaged token Matcher gives spaCy's Matcher's matches, in the same order."""
from __future__ import annotations

from tests.sampling import spread
import json
import pickle
from pathlib import Path

from medspacy.common.medspacy_matcher import MedspacyMatcher
from spacy.matcher import Matcher

from auditor.fast.tokens import TriagedMatcher, required_words

ROOT = Path(__file__).resolve().parents[1] / "annotations"


def _context_matcher(nlp) -> TriagedMatcher:
    ctx = nlp.get_pipe("pump_context")
    inner = next(v for v in vars(ctx).values() if isinstance(v, MedspacyMatcher))
    matcher = inner._MedspacyMatcher__matcher
    assert isinstance(matcher, TriagedMatcher)
    return matcher


def test_required_words_come_from_tokens_every_match_has():
    assert required_words([{"LOWER": {"IN": ["may", "might"]}, "OP": "?"}, {"LOWER": "rule"}, {"LOWER": "out"}]) \
        == (frozenset({"rule"}), frozenset({"out"}))
    assert required_words([{"LOWER": {"IN": ["deny", "denies"]}}]) == (frozenset({"deny", "denies"}),)
    assert required_words([{"LOWER": "no", "OP": "?"}, {"IS_DIGIT": True}]) == ()  # nothing certain: always runs
    assert required_words([{"LOWER": "not", "OP": "!"}, {"ORTH": "Hx"}]) == (frozenset({"Hx"}),)
    assert required_words([{"LOWER": {"REGEX": "^den"}}]) == ()


def test_same_matches_in_the_same_order_as_spacys_matcher(nlp):
    texts = spread([json.loads(line)["text"] for line in open(ROOT / "gold.jsonl", encoding="utf-8")], 450)  # every writer
    for bank in sorted(ROOT.glob("phrasebank*.jsonl"))[:3]:
        texts += [json.loads(line)["text"] for line in open(bank, encoding="utf-8")]
    triaged = _context_matcher(nlp)
    full: Matcher = triaged.matcher
    assert len(full) >= 50  # medspaCy's default ConText token patterns are in it
    subsets = 0
    for text in texts:
        doc = nlp.make_doc(text)
        expected = full(doc)
        assert triaged(doc) == expected
        subsets += len(triaged._cache) > 0
    assert subsets  # the fast path was taken


def test_triaged_matcher_pickles_and_accepts_new_patterns(nlp):
    triaged = TriagedMatcher(Matcher(nlp.vocab))
    triaged.add("DENIES", [[{"LOWER": {"IN": ["denies", "denied"]}}]])
    triaged.add("ANY_DIGIT", [[{"IS_DIGIT": True}]])
    doc = nlp.make_doc("Patient denies itching, 2 visits.")
    clone = pickle.loads(pickle.dumps(triaged))
    assert clone(doc) == triaged(doc) == triaged.matcher(doc)
    assert [nlp.vocab.strings[k] for k, _, _ in triaged(nlp.make_doc("Seen 3 times."))] == ["ANY_DIGIT"]


def test_a_key_added_twice_falls_back_to_the_full_matcher_in_its_order(nlp):
    triaged = TriagedMatcher(Matcher(nlp.vocab))
    triaged.add("A", [[{"LOWER": "no"}]])
    triaged.add("B", [[{"LOWER": "pain"}]])
    triaged.add("A", [[{"LOWER": "pain"}]])
    doc = nlp.make_doc("pain")
    assert triaged(doc) == triaged.matcher(doc)


def test_removed_patterns_stop_matching(nlp):
    triaged = TriagedMatcher(Matcher(nlp.vocab))
    triaged.add("PAIN", [[{"LOWER": "pain"}]])
    triaged.add("NO", [[{"LOWER": "no"}]])
    doc = nlp.make_doc("no pain")
    assert len(triaged(doc)) == 2
    triaged.remove("PAIN")
    assert [nlp.vocab.strings[k] for k, _, _ in triaged(doc)] == ["NO"]
