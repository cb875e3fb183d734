"""A drop-in for medspaCy's RegexMatcher that reads the text once per doc
and runs only the patterns that can match it.

medspaCy's RegexMatcher asks `doc.text_with_ws` once per pattern, and spaCy
rebuilds that string from every token on each call: with ~150 regex target
rules that was 70% of the audit's time (profiled on the gold notes). Which
patterns run is decided by one Hyperscan pass (triage.py) or, where that
cannot decide, by required literals (prefilter.py). Same rules, same spans
(expanded to token boundaries, as medspaCy resolves them), same order.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from spacy.matcher import Matcher
from spacy.tokens import Doc

from auditor.components.fast_tokens import TriagedMatcher
from auditor.components.prefilter import required_literals
from auditor.components.triage import Triage

_PREPARED = "_fast_regex_rules"


class FastRegexMatcher(RegexMatcher):
    def _prepared(self) -> tuple[list[tuple[int, re.Pattern, Optional[frozenset]]], Triage]:
        """The rules flattened in medspaCy's order, with their literals and triage (built once)."""
        count = sum(len(p) for p in self._patterns.values())
        cached = self.__dict__.get(_PREPARED)
        if cached is None or len(cached[0]) != count:  # rules added since: prepare again
            flat = [(match_id, pattern, required_literals(pattern.pattern))
                    for match_id, patterns in self._patterns.items() for pattern in patterns]
            cached = (flat, Triage([pattern for _, pattern, _ in flat]))
            self.__dict__[_PREPARED] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop(_PREPARED, None)  # Hyperscan databases do not pickle; rebuilt (from cache) on first use
        return state

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        text = doc.text
        flat, triage = self._prepared()
        candidates = triage.candidates(text)
        lowered = text.lower() if candidates is None else ""
        matches: list[tuple[int, int, int]] = []
        for index, (match_id, pattern, lits) in enumerate(flat):
            if candidates is not None:
                if index not in candidates:
                    continue
            elif lits is not None and not any(lit in lowered for lit in lits):
                continue  # no literal this pattern needs is in the note
            on_match = self._callbacks[match_id]
            for m in pattern.finditer(text):
                if m.end() <= m.start():
                    continue
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is None or not len(span):
                    continue
                matches.append((match_id, span.start, span.end))
                if on_match is not None:
                    on_match(self, doc, len(matches) - 1, matches)
        return matches


def accelerate(component: Any) -> Any:
    """Swap the RegexMatcher and the token Matcher inside a medspaCy component's
    MedspacyMatcher for the fast ones (same matches, same order), and prepare them."""
    for value in vars(component).values():
        if isinstance(value, MedspacyMatcher):
            inner = getattr(value, "_MedspacyMatcher__regex_matcher", None)
            if isinstance(inner, RegexMatcher):
                inner.__class__ = FastRegexMatcher
                inner._prepared()
            tokens = getattr(value, "_MedspacyMatcher__matcher", None)
            if isinstance(tokens, Matcher):
                value._MedspacyMatcher__matcher = TriagedMatcher(tokens)
    return component
