"""Amounts written in mg or mcg: one conversion for the visit model and the claim checks."""
from __future__ import annotations

import re

_MASS = re.compile(r"\s*(mcg|\u00b5g|ug|micrograms?|mg|milligrams?)\b", re.I)


def is_mg(unit: str) -> bool:
    return unit.lower().startswith(("mg", "milligram"))


def to_mcg(value: float, unit: str) -> float:
    """mcg (or mcg/mL) from a value in mg, milligrams, mcg, ug or micrograms."""
    return value * 1000.0 if is_mg(unit) else value


def mass_unit_after(text: str) -> str | None:
    """The mass unit written at the start of `text` ('750 mcg/day' read after its number), if any."""
    m = _MASS.match(text)
    return m.group(1) if m else None
