"""Select-to-mark evidence: a small Streamlit component of our own (index.html beside this file).

Why our own: no annotation component on PyPI that works offline and is kept up
to date fitted (issue 14 allows a small one). It shows the note as inert text
(textContent in a sandboxed iframe, no network: its page allows no fetches)
and returns what the reviewer selected and which element part it is evidence
for; `quote_lines` turns that into the review form's quote lines.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from auditor.elements import ELEMENTS
from auditor.report.explain import short_name, words

_COMPONENT: Any = None


def targets() -> list[dict[str, Any]]:
    """One button per element, or per part for the two-part elements."""
    out: list[dict[str, Any]] = []
    for el in ELEMENTS:
        parts = words()["parts"].get(el)
        for part in parts or [None]:
            out.append({"element": el, "part": part,
                        "label": short_name(el) + (f" · {words()['part_names'].get(part, part)}" if part else "")})
    return out


def quote_lines(mark: Mapping[str, Any]) -> list[str]:
    """Quote lines for the review form: one a line of the selection, prefixed with the part."""
    return [line for line, _ in quote_marks(mark)]


def quote_marks(mark: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """(quote line, offset in the note of its quoted text) for each non-blank line of the selection."""
    prefix = f"{mark['part']}: " if mark.get("part") else ""
    start = mark.get("start") if isinstance(mark.get("start"), int) else None
    out: list[tuple[str, int | None]] = []
    pos = 0
    for line in str(mark.get("text") or "").splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            lead = len(body) - len(body.lstrip())
            out.append((prefix + body.strip(), None if start is None else start + pos + lead))
        pos += len(line)
    return out


def marker(text: str, key: str, height: int = 360) -> dict[str, Any] | None:
    """Draw the note for selecting evidence; the last mark made (with a click counter `n`) or None."""
    global _COMPONENT
    if _COMPONENT is None:
        from streamlit.components.v1 import declare_component

        _COMPONENT = declare_component("evidence_marker", path=str(Path(__file__).parent))
    return _COMPONENT(text=text, targets=targets(), height=height, key=key, default=None)
