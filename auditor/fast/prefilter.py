"""Cheap prefilters for regex rules: literals one of which must occur.

Scanning ~200 regexes over every note was the auditor's main cost. For
each pattern we derive, from its parse tree, a set of lowercase strings at
least one of which any match must contain; a pattern whose set has no
member in the note is skipped (the idea behind RE2's prefilter). A pattern
with no usable set (too short or too open) always runs.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MIN_LEN = 3

MAX_ALTERNATIVES = 64
Lits = Optional[frozenset]  # None: no requirement can be derived


def _best(a: Lits, b: Lits) -> Lits:
    """The more selective of two requirements (longer shortest member, fewer members)."""
    if a is None:
        return b
    if b is None:
        return a
    ka = (min(map(len, a)), -len(a))
    kb = (min(map(len, b)), -len(b))
    return a if ka >= kb else b


def _seq(items) -> Lits:  # noqa: ANN001
    """Requirement of a concatenation: runs of literal chars, or the best sub-requirement."""
    best: Lits = None
    run: list[str] = []

    def flush() -> None:
        nonlocal best, run
        if len(run) >= MIN_LEN:
            best = _best(best, frozenset({"".join(run).lower()}))
        run = []

    for op, av in items:
        if op is sre_c.LITERAL:
            run.append(chr(av))
            continue
        if op is sre_c.AT:  # \b, ^, $ take no characters
            continue
        flush()
        best = _best(best, _node(op, av))
    flush()
    return best


def _node(op, av) -> Lits:  # noqa: ANN001
    if op is sre_c.SUBPATTERN:
        return _seq(av[-1])
    if op is sre_c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            lits = _seq(branch)
            if lits is None:
                return None
            out |= lits
        return frozenset(out) if len(out) <= MAX_ALTERNATIVES else None
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        lo, _hi, sub = av
        return _seq(sub) if lo >= 1 else None
    if op is sre_c.ATOMIC_GROUP if hasattr(sre_c, "ATOMIC_GROUP") else False:
        return _seq(av)
    return None


def required_literals(pattern: str) -> Lits:
    """Lowercase strings one of which every match of `pattern` (IGNORECASE) contains, or None."""
    try:
        tree = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error:
        return None
    lits = _seq(list(tree))
    if lits and min(map(len, lits)) >= MIN_LEN:
        return lits
    return None


def lowered_for_literals(text: str) -> str:
    """Text (a note or a literal) folded so that a literal found by re.IGNORECASE is also found by `in`:
    the letters IGNORECASE equates with i, s and k (dotless i, long s, Kelvin sign) are mapped first (lower() leaves them alone),
    then casefold() joins the other case-equivalent characters ('µ' micro and 'μ' mu).
    Fold both the note and the literal."""
    return text.translate(_fold_table()).casefold()


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Non-ASCII characters Python's IGNORECASE equates with an ASCII letter (the triage's table)."""
    from auditor.fast.widen import ascii_partners

    return {ord(ch): letter for letter, chars in ascii_partners().items() for ch in chars}
