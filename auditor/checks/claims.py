"""Parses the billed_codes column: '95990;J0475x4-JZ;99213-25'.

Units follow 'x', modifiers follow '-', in either order ('J0475-JZx4' too),
so claim lines typed by hand in an export still parse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

_CODE = re.compile(r"^(?P<code>[A-Z]\d{4}|\d{4}[0-9A-Z])")
_UNITS = re.compile(r"x\s*(?P<n>\d+(?:\.\d+)?)", re.I)
_MOD = re.compile(r"-\s*(?P<m>[A-Z0-9]{2})\b", re.I)


@dataclass(frozen=True)
class ClaimLine:
    code: str
    units: float = 1.0
    modifiers: tuple[str, ...] = field(default_factory=tuple)
    raw: str = ""

    def has(self, modifier: str) -> bool:
        return modifier.upper() in self.modifiers


def parse_line(raw: str) -> ClaimLine | None:
    """One claim line, or None when it names no code."""
    s = raw.strip().upper().replace(" ", "")
    m = _CODE.match(s)
    if not m:
        return None
    rest = s[m.end():]
    units = 1.0
    u = _UNITS.search(rest)
    if u:
        units = float(u.group("n"))
        rest = rest[: u.start()] + rest[u.end():]
    mods = tuple(x.group("m").upper() for x in _MOD.finditer(rest))
    return ClaimLine(code=m.group("code"), units=units, modifiers=mods, raw=raw.strip())


def parse_claim(billed: str | None) -> list[ClaimLine]:
    """Every parsable line of a billed_codes value; empty for None or ''."""
    if not billed or not isinstance(billed, str):
        return []
    out = []
    for part in re.split(r"[;,|\n]+", billed):
        line = parse_line(part) if part.strip() else None
        if line:
            out.append(line)
    return out


def codes_of(lines: Iterable[ClaimLine]) -> set[str]:
    return {ln.code for ln in lines}


def fmt(lines: Iterable[ClaimLine]) -> str:
    """Lines as the coder typed them, for messages."""
    return ", ".join(ln.raw or ln.code for ln in lines)
