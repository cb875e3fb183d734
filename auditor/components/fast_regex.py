"""A drop-in for medspaCy's RegexMatcher that reads the text once per doc
and skips patterns whose required literals are absent (prefilter.py).

medspaCy's RegexMatcher asks `doc.text_with_ws` once per pattern, and spaCy
rebuilds that string from every token on each call: with ~150 regex target
rules that was 70% of the audit's time (profiled on the gold notes). Same
rules, same spans (expanded to token boundaries, as medspaCy resolves them).
"""
from __future__ import annotations

from typing import Any

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from spacy.tokens import Doc

from auditor.components.prefilter import required_literals


class FastRegexMatcher(RegexMatcher):
    def _requirements(self) -> dict[str, Any]:
        cache = self.__dict__.get("_prefilter")
        if cache is None:
            cache = {}
            for patterns in self._patterns.values():
                for pattern in patterns:
                    cache[pattern.pattern] = required_literals(pattern.pattern)
            self.__dict__["_prefilter"] = cache
        return cache

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        text = doc.text
        lowered = text.lower()
        need = self._requirements()
        matches: list[tuple[int, int, int]] = []
        for match_id, patterns in self._patterns.items():
            on_match = self._callbacks[match_id]
            for pattern in patterns:
                lits = need.get(pattern.pattern)
                if lits is not None and not any(lit in lowered for lit in lits):
                    continue  # no literal this pattern needs is in the note
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
    """Swap the RegexMatcher inside a medspaCy component's MedspacyMatcher for the fast one."""
    for value in vars(component).values():
        if isinstance(value, MedspacyMatcher):
            inner = getattr(value, "_MedspacyMatcher__regex_matcher", None)
            if isinstance(inner, RegexMatcher):
                inner.__class__ = FastRegexMatcher
    return component
