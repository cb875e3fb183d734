"""A drop-in for the spaCy Matcher inside medspaCy components that runs only
the token patterns whose required words all occur in the doc.

medspaCy's default ConText rules are ~55 token patterns, mostly
`{"LOWER": {"IN": [...]}}`. spaCy's Matcher tries every pattern at every
token and evaluates each `IN` set through a Python predicate: 3.2 ms a note,
more than the tokenizer. Most patterns need a word the note does not have
("ruled", "aunt"). For each token of a pattern that is neither optional nor negated we
take the words it can be; a doc lacking every word of any such token cannot
match the pattern. Per doc we look up which patterns can match, and run a Matcher holding only those,
in their original order. spaCy's Matcher emits matches in pattern order at
each token, and a pattern that cannot match emits nothing, so the output is
the same list, in the same order (tests/test_fast_tokens.py checks this on
the gold notes and phrase banks).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc

_REQUIRED_OPS = (None, "1", "+")
_ATTRS = {"LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}
MAX_CACHED = 512


def required_words(pattern: list[dict[str, Any]]) -> tuple[frozenset[str], ...]:
    """For each token every match must have (neither optional nor negated) whose LOWER or ORTH is
    a string or an IN list: the strings it can be. A match needs one string from every set."""
    out: list[frozenset[str]] = []
    for spec in pattern:
        if spec.get("OP") not in _REQUIRED_OPS:
            continue
        for attr in _ATTRS:
            value = spec.get(attr)
            if isinstance(value, str):
                out.append(frozenset({value}))
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list) \
                    and value["IN"] and all(isinstance(v, str) for v in value["IN"]):
                out.append(frozenset(value["IN"]))
    return tuple(dict.fromkeys(out))


class TriagedMatcher:
    """Wraps a spaCy Matcher; each call runs a Matcher with just the patterns the doc can match."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher
        self._prepare()

    # The `type: ignore[attr-defined]`s below: spaCy's matcher.pyi declares none of the Matcher's attributes
    # (`vocab`, `_patterns`, `_callbacks`, `_filter`), though the compiled class has them all.

    def _prepare(self) -> None:
        strings = self.matcher.vocab.strings  # type: ignore[attr-defined]
        # One entry per pattern, in the order the Matcher holds them. The Matcher keeps patterns in
        # the order they were added, but `_patterns` groups them by key: that order is only certain
        # when every key holds one pattern (as medspaCy adds them). Otherwise every call runs the
        # full Matcher.
        self._entries: list[tuple[int, list[dict[str, Any]], tuple[frozenset[int], ...]]] = []
        self._exact = all(len(patterns) == 1 for patterns in self.matcher._patterns.values())  # type: ignore[attr-defined]
        for key, patterns in self.matcher._patterns.items():  # type: ignore[attr-defined]
            for pattern in patterns:
                needs = tuple(frozenset(strings.add(w) for w in words) for words in required_words(pattern))
                self._entries.append((key, pattern, needs))
        self._cache: OrderedDict[tuple[int, ...], Matcher] = OrderedDict()
        self._lock = threading.Lock()  # the Streamlit app shares one pipeline between sessions

    def add(self, key: Any, patterns: list[Any], **kwargs: Any) -> None:
        self.matcher.add(key, patterns, **kwargs)
        self._prepare()

    def remove(self, key: Any) -> None:
        self.matcher.remove(key)
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
        with self._lock:
            sub = self._cache.get(active)
            if sub is not None:
                self._cache.move_to_end(active)
                return sub
        sub = Matcher(self.matcher.vocab, validate=False)  # type: ignore[attr-defined]
        strings = self.matcher.vocab.strings  # type: ignore[attr-defined]
        for i in active:
            key, pattern, _ = self._entries[i]
            sub.add(strings[key], [pattern], on_match=self.matcher._callbacks.get(key),  # type: ignore[attr-defined]
                    greedy=self.matcher._filter.get(key))  # type: ignore[attr-defined]
        with self._lock:
            self._cache[active] = sub
            if len(self._cache) > MAX_CACHED:
                self._cache.popitem(last=False)
        return sub

    def __call__(self, doc: Doc, **kwargs: Any) -> Any:
        if kwargs or not isinstance(doc, Doc) or not self._entries or not self._exact:
            return self.matcher(doc, **kwargs)
        present = set(doc.to_array([LOWER, ORTH]).ravel().tolist())
        active = tuple(i for i, (_, _, needs) in enumerate(self._entries)
                       if all(not words.isdisjoint(present) for words in needs))
        if len(active) == len(self._entries):
            return self.matcher(doc)
        if not active:
            return []
        return self._matcher_for(active)(doc)
