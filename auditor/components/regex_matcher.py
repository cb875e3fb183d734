"""medspaCy's RegexMatcher with one documented difference: how a match's edges meet tokens.

A regex match that starts or ends inside a token, or on whitespace, becomes the
tokens it touches (`doc.char_span(..., alignment_mode="expand")`). medspaCy's own
matcher resolves such edges its own way ("the pharmacy bills" vs "pharmacy bills"),
which changes the evidence text of 8 of the first 415 gold notes; the gold figures
are measured with this matcher. It is behaviour, not speed, so it lives here and the
fast path (auditor/fast/regex.py) inherits it; `build(fast=False)` gives the same records.
"""
from __future__ import annotations

from typing import Any

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from spacy.tokens import Doc

from auditor.components.doc_text import doc_text


class AligningRegexMatcher(RegexMatcher):
    """Every pattern over the text, in medspaCy's order; edges expanded to whole tokens."""

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        text = doc_text(doc)
        matches: list[tuple[int, int, int]] = []
        for match_id, patterns in self._patterns.items():
            on_match = self._callbacks[match_id]
            for pattern in patterns:
                self._add_spans(doc, match_id, on_match, (m.span() for m in pattern.finditer(text)), matches)
        return matches

    def _add_spans(self, doc: Doc, match_id: int, on_match: Any, found: Any, matches: list[tuple[int, int, int]]) -> None:
        """Append each (start, end) as whole tokens (empty ones dropped) and call medspaCy's callback."""
        for start, end in found:
            if end <= start:
                continue
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            matches.append((match_id, span.start, span.end))
            if on_match is not None:
                on_match(self, doc, len(matches) - 1, matches)


def aligning(component: Any) -> Any:
    """Give a medspaCy component (TargetMatcher, Sectionizer, ConText) the aligning regex matcher."""
    for value in vars(component).values():
        if isinstance(value, MedspacyMatcher):
            inner = getattr(value, "_MedspacyMatcher__regex_matcher", None)
            if type(inner) is RegexMatcher:
                inner.__class__ = AligningRegexMatcher
    return component
