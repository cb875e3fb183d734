"""Hyperscan expressions that match wherever a Python regex matches: the
triage's view of each rule, rebuilt from Python's own parse tree (so `{,n}`,
classes and escapes mean what they mean to Python).

Two variants. For plain-ASCII notes (`ascii_text=True`) the expression keeps
anchors and word boundaries, which mean the same to both engines on such
text, and drops only lookarounds; a non-ASCII literal becomes its UTF-8
bytes as one group (it cannot occur in such text) or its ASCII case
partners. For every other note the expression reads the note's UTF-8 bytes, where a
non-ASCII character is 2-4 bytes, Python's `\\s`, `\\w`, `\\d` and `\\b` know
Unicode, and under IGNORECASE 'k' also matches the Kelvin sign and 's' the
long s:
- anything that can match a non-ASCII character (a class, `.`, a negated
  class, a category) may also take a run of non-ASCII bytes;
- an ASCII letter under IGNORECASE also takes the UTF-8 of its non-ASCII
  case partners; a non-ASCII literal takes any run of non-ASCII bytes (and
  its ASCII case partners);
- anchors and word boundaries are dropped.
In both, bounded repeats are opened, and a backreference, a conditional, a
scoped flag or re.ASCII gives up (None: the rule always runs).
Every widening only adds matches, so the triage stays a superset.
"""
from __future__ import annotations

import array
import re
import sys
from functools import lru_cache
from typing import Any, Optional

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

NONASCII = r"[\x80-\xff]+"
NEVER_IN_ASCII = r"(?:\xff\xfe)"  # bytes plain-ASCII text never holds: a class of non-ASCII members only
# Python's \s on ASCII also covers \x1c-\x1f; Hyperscan's does not
_CATEGORY = {
    C.CATEGORY_SPACE: r"\t\n\x0b\x0c\r\x1c-\x1f\x20",
    C.CATEGORY_DIGIT: r"0-9",
    C.CATEGORY_WORD: r"0-9A-Za-z_",
}
_NOT_CATEGORY = {C.CATEGORY_NOT_SPACE: C.CATEGORY_SPACE, C.CATEGORY_NOT_DIGIT: C.CATEGORY_DIGIT,
                 C.CATEGORY_NOT_WORD: C.CATEGORY_WORD}


class GiveUp(Exception):
    pass


@lru_cache(maxsize=1)
def ascii_partners() -> dict[str, tuple[str, ...]]:
    """ASCII letter -> non-ASCII characters Python's IGNORECASE treats as the same letter."""
    codes = array.array("I", range(128, 0xD800))  # every non-ASCII code point but the surrogates,
    codes.extend(range(0xE000, 0x110000))  # decoded at once: no million one-character strings at build
    every = codes.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")
    out: dict[str, list[str]] = {}
    for ch in set(re.findall("[a-z]", every, re.IGNORECASE)):
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if re.fullmatch(letter, ch, re.IGNORECASE):
                out.setdefault(letter, []).append(ch)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _byte(c: int) -> str:
    return "\\x%02x" % c


def _utf8(ch: str) -> str:
    return "".join(_byte(b) for b in ch.encode("utf-8"))


def _ascii_case_partners(ch: str) -> list[int]:
    """ASCII characters IGNORECASE equates with the non-ASCII `ch` (the inverse of ascii_partners)."""
    for letter, chars in ascii_partners().items():
        if ch in chars:
            return [ord(letter), ord(letter.upper())]
    return []


class _Emitter:
    def __init__(self, flags: int, ascii_text: bool):
        self.caseless = bool(flags & re.IGNORECASE)
        self.multiline = bool(flags & re.MULTILINE)
        self.ascii_text = ascii_text  # the text holds no byte >= 0x80: no run of them to allow for

    def literal(self, code: int) -> str:
        if code < 128:
            alts = [_byte(code)]
            if self.caseless and chr(code).isalpha() and not self.ascii_text:
                alts += [_utf8(p) for p in ascii_partners().get(chr(code).lower(), ())]
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        alts = ["(?:" + _utf8(chr(code)) + ")" if self.ascii_text else NONASCII]
        if self.caseless:
            alts += [_byte(c) for c in _ascii_case_partners(chr(code))]
        return "(?:" + "|".join(alts) + ")"

    def klass(self, items: list[tuple[Any, Any]]) -> str:
        negate = bool(items) and items[0][0] is C.NEGATE
        if negate:
            items = items[1:]
        parts: list[str] = []
        inverted: list[str] = []  # \S, \D, \W in a positive class: each its own alternative
        wide = negate  # a negated class matches almost every non-ASCII character
        for op, av in items:
            if op is C.LITERAL:
                if av < 128:
                    parts.append(_byte(av))
                    if self.caseless and chr(av).isalpha() and chr(av).lower() in ascii_partners():
                        wide = True
                elif not negate:  # a non-ASCII member: any non-ASCII run, and its ASCII partners
                    wide = True
                    if self.caseless:
                        parts += [_byte(c) for c in _ascii_case_partners(chr(av))]
            elif op is C.RANGE:
                lo, hi = av
                if hi >= 128 and not negate:
                    wide = True
                if lo < 128:
                    parts.append(_byte(lo) + "-" + _byte(min(hi, 127)))
                    if self.caseless and any(chr(c).lower() in ascii_partners() for c in range(lo, min(hi, 127) + 1)):
                        wide = True
                if not negate and self.caseless:  # ASCII partners of the range's non-ASCII members
                    for chars in ascii_partners().values():
                        parts += [_byte(a) for ch in chars if lo <= ord(ch) <= hi for a in _ascii_case_partners(ch)]
            elif op is C.CATEGORY:
                if av in _CATEGORY:
                    parts.append(_CATEGORY[av])
                    wide = True
                elif av in _NOT_CATEGORY:
                    if negate:
                        raise GiveUp("negated class with a negated category")
                    inverted.append(_CATEGORY[_NOT_CATEGORY[av]])
                    wide = True
                else:
                    raise GiveUp(f"category {av}")
            else:
                raise GiveUp(f"class item {op}")
        alts: list[str] = []
        if parts:
            alts.append(("[^" if negate else "[") + "".join(parts) + "]")
        elif negate:
            alts.append(r"[\x00-\xff]")
        alts += ["[^" + inv + "]" for inv in inverted]
        if wide and not self.ascii_text:
            alts.append(NONASCII)
        if not alts and self.ascii_text:
            alts.append(NEVER_IN_ASCII)
        if not alts:
            raise GiveUp("empty class")
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    def anchor(self, at: Any) -> str:
        """On plain ASCII an anchor means the same to both engines; elsewhere it is dropped
        (anchors and word boundaries only ever forbid a match)."""
        if not self.ascii_text:
            return ""
        if at is C.AT_BOUNDARY:
            return r"\b"
        if at is C.AT_NON_BOUNDARY:
            return r"\B"
        if at is C.AT_BEGINNING_STRING or (at is C.AT_BEGINNING and not self.multiline):
            return r"\A"
        if at is C.AT_BEGINNING:
            return "^"
        if at is C.AT_END and self.multiline:
            return "$"
        return ""  # $ without MULTILINE (also before a final newline) and \Z: dropped

    def seq(self, items: Any) -> str:
        return "".join(self.node(op, av) for op, av in items)

    def node(self, op: Any, av: Any) -> str:
        if op is C.LITERAL:
            return self.literal(av)
        if op is C.NOT_LITERAL:
            return self.klass([(C.NEGATE, None), (C.LITERAL, av)])
        if op is C.ANY:
            return "." if self.ascii_text else "(?:.|" + NONASCII + ")"
        if op is C.IN:
            return self.klass(list(av))
        if op is C.CATEGORY:
            return self.klass([(C.CATEGORY, av)])
        if op is C.AT:
            return self.anchor(av)
        if op in (C.ASSERT, C.ASSERT_NOT):
            return ""
        if op is C.BRANCH:
            return "(?:" + "|".join(self.seq(b) for b in av[1]) + ")"
        if op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags:
                raise GiveUp("scoped flags")
            return "(?:" + self.seq(sub) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = av
            inner = self.seq(sub)
            if hi == 0 or not inner:  # nothing repeated (a dropped lookaround or anchor): nothing to match
                return ""
            body = "(?:" + inner + ")"
            if hi == C.MAXREPEAT or hi > 1:
                return body + ("{%d,}" % lo)
            return body + ("?" if lo == 0 else "")
        if op is getattr(C, "ATOMIC_GROUP", None):
            return "(?:" + self.seq(av) + ")"
        raise GiveUp(f"{op}")


def widen(pattern: re.Pattern, ascii_text: bool = False) -> Optional[str]:
    """A Hyperscan expression matching wherever `pattern` matches: over plain-ASCII text, or over the
    UTF-8 of any text (`ascii_text=False`). None if it cannot be built (the rule then always runs)."""
    if pattern.flags & (re.VERBOSE | re.ASCII):
        return None  # re.ASCII narrows \s and \w differently from what the classes below assume
    try:
        tree = P.parse(pattern.pattern, pattern.flags)
        if tree.state.flags & re.ASCII:
            return None
        return _Emitter(tree.state.flags, ascii_text).seq(list(tree))
    except (GiveUp, re.error, RecursionError):
        return None
