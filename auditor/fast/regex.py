"""A drop-in for medspaCy's RegexMatcher that reads the text once per doc
and runs only the patterns that can match it.

medspaCy's RegexMatcher asks `doc.text_with_ws` once per pattern, and spaCy
rebuilds that string from every token on each call: with ~150 regex target
rules that was 70% of the audit's time (profiled on the gold notes). Which
patterns run is decided by one Hyperscan pass (triage.py) or, where that
cannot decide, by required literals (prefilter.py); on plain-ASCII notes
the chosen rules run in RE2 where RE2 means the same (re2_twin.py). Same rules, same
order, and the same token alignment as the plain AligningRegexMatcher it extends
(auditor/components/regex_matcher.py), so records do not depend on the fast path.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.common.regex_matcher import RegexMatcher
from spacy.matcher import Matcher
from spacy.tokens import Doc

from auditor.components.doc_text import doc_text
from auditor.components.regex_matcher import AligningRegexMatcher
from auditor.fast.tokens import TriagedMatcher
from auditor.fast.prefilter import lowered_for_literals, required_literals
from auditor.fast.re2_twin import spans, twin
from auditor.fast.triage import Triage, plain_ascii

_PREPARED = "_fast_regex_rules"


Rule = tuple[int, re.Pattern, Optional[frozenset], Any]  # match_id, pattern, literals, RE2 twin


def _folded(lits: Optional[frozenset]) -> Optional[frozenset]:
    return None if lits is None else frozenset(lowered_for_literals(lit) for lit in lits)


class FastRegexMatcher(AligningRegexMatcher):
    def _prepared(self) -> tuple[list[Rule], Triage]:
        """The rules flattened in medspaCy's order, with literals, RE2 twins and the triage (built once)."""
        cached = self.__dict__.get(_PREPARED)
        if cached is None:
            flat = [(match_id, pattern, _folded(required_literals(pattern.pattern)), twin(pattern))
                    for match_id, patterns in self._patterns.items() for pattern in patterns]
            cached = (flat, Triage([rule[1] for rule in flat]))
            self.__dict__[_PREPARED] = cached
        return cached

    def add(self, *args: Any, **kwargs: Any) -> None:
        super().add(*args, **kwargs)
        self.__dict__.pop(_PREPARED, None)  # prepared again on next use

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop(_PREPARED, None)  # Hyperscan and RE2 objects do not pickle; rebuilt (from cache) on first use
        return state

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        text = doc_text(doc)
        flat, triage = self._prepared()
        plain = plain_ascii(text)
        candidates = triage.candidates(text, plain)
        lowered = lowered_for_literals(text) if candidates is None else ""
        data = text.encode("ascii") if candidates is not None and plain else None
        matches: list[tuple[int, int, int]] = []
        for index, (match_id, pattern, lits, re2_twin) in enumerate(flat):
            if candidates is not None:
                if index not in candidates:
                    continue
                if re2_twin is not None and data is not None:
                    found = spans(re2_twin, data)
                else:
                    found = [m.span() for m in pattern.finditer(text)]
            elif lits is not None and not any(lit in lowered for lit in lits):
                continue  # no literal this pattern needs is in the note
            else:
                found = [m.span() for m in pattern.finditer(text)]
            self._add_spans(doc, match_id, self._callbacks[match_id], found, matches)
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
