"""A drop-in for the spaCy Matcher inside medspaCy components that runs only
the token patterns whose required words occur in the doc.

medspaCy's default ConText rules are ~55 token patterns, mostly
`{"LOWER": {"IN": [...]}}`. spaCy's Matcher tries every pattern at every
token and evaluates each `IN` set through a Python predicate: 3.2 ms a note,
more than the tokenizer. Most patterns need a word the note does not have
("ruled", "aunt"). For each pattern we take the words one of which any match
must contain (from a token that is neither optional nor negated); per doc
we look up which patterns can match, and run a Matcher holding only those,
in their original order. spaCy's Matcher emits matches in pattern order at
each token, and a pattern that cannot match emits nothing, so the output is
the same list, in the same order (tests/test_fast_tokens.py checks this on
the gold notes and phrase banks).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Optional

from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc

_REQUIRED_OPS = (None, "1", "+")
_ATTRS = {"LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}
MAX_CACHED = 512


def required_words(pattern: list[dict[str, Any]]) -> Optional[frozenset[str]]:
    """Strings (LOWER or ORTH values) one of which every match of `pattern` has; None if none is certain."""
    best: Optional[frozenset[str]] = None
    for spec in pattern:
        if spec.get("OP") not in _REQUIRED_OPS:
            continue
        for attr in _ATTRS:
            value = spec.get(attr)
            if isinstance(value, str):
                words = frozenset({value})
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list):
                words = frozenset(v for v in value["IN"] if isinstance(v, str))
                if len(words) != len(value["IN"]):
                    continue
            else:
                continue
            if words and (best is None or len(words) < len(best)):
                best = words
    return best


class TriagedMatcher:
    """Wraps a spaCy Matcher; each call runs a Matcher with just the patterns the doc can match."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self._prepare()

    def _prepare(self) -> None:
        strings = self.matcher.vocab.strings
        # one entry per pattern, in the order the Matcher holds them (keys in insertion order)
        self._entries: list[tuple[int, list[dict[str, Any]], Optional[frozenset[int]]]] = []
        for key, patterns in self.matcher._patterns.items():
            for pattern in patterns:
                words = required_words(pattern)
                hashes = frozenset(strings.add(w) for w in words) if words is not None else None
                self._entries.append((key, pattern, hashes))
        self._always = tuple(i for i, (_, _, h) in enumerate(self._entries) if h is None)
        self._cache: OrderedDict[tuple[int, ...], Matcher] = OrderedDict()

    def add(self, key: Any, patterns: list[Any], **kwargs: Any) -> None:
        self.matcher.add(key, patterns, **kwargs)
        self._prepare()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.matcher, name)

    def __len__(self) -> int:
        return len(self.matcher)

    def __contains__(self, key: Any) -> bool:
        return key in self.matcher

    def __getstate__(self) -> dict[str, Any]:
        return {"matcher": self.matcher}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.matcher = state["matcher"]
        self._prepare()

    def _matcher_for(self, active: tuple[int, ...]) -> Matcher:
        sub = self._cache.get(active)
        if sub is not None:
            self._cache.move_to_end(active)
            return sub
        sub = Matcher(self.matcher.vocab, validate=False)
        strings = self.matcher.vocab.strings
        for i in active:
            key, pattern, _ = self._entries[i]
            sub.add(strings[key], [pattern], on_match=self.matcher._callbacks.get(key),
                    greedy=self.matcher._filter.get(key))
        self._cache[active] = sub
        if len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return sub

    def __call__(self, doc: Doc, **kwargs: Any) -> Any:
        if kwargs or not isinstance(doc, Doc) or not self._entries:
            return self.matcher(doc, **kwargs)
        present = set(doc.to_array([LOWER, ORTH]).ravel().tolist())
        active = tuple(i for i, (_, _, h) in enumerate(self._entries) if h is None or not h.isdisjoint(present))
        if len(active) == len(self._entries):
            return self.matcher(doc)
        if not active:
            return []
        return self._matcher_for(active)(doc)
