"""Note text as HTML with each element's evidence highlighted in its own colour.

Why its own module: the note is PHI and arbitrary text; it goes into
`st.markdown(unsafe_allow_html=True)`, so every character of it passes through
`html.escape` here and nothing else builds HTML from note text.
"""
from __future__ import annotations

import html
from typing import Any, Mapping

from auditor.elements import ELEMENTS, TITLES

COLOURS: dict[str, str] = {
    "pump_status": "#ffe08a",
    "dose_response": "#b9e6b0",
    "change_reason": "#f7c6a3",
    "reassessment": "#b7d7f5",
    "incident_to": "#dcc6f2",
    "drug_cost": "#f5b8c8",
}
DISCOUNTED_STYLE = "background:#eeeeee;text-decoration:line-through dashed #888;color:#555"


def _spans(record: Mapping[str, Any], length: int) -> list[dict[str, Any]]:
    """Evidence and discounted spans of every element, clipped to the text."""
    out: list[dict[str, Any]] = []
    for el in ELEMENTS:
        info = ((record.get("elements") or {}).get(el)) or {}
        for kind in ("evidence", "discounted"):
            for ev in info.get(kind) or []:
                start, end = ev.get("start"), ev.get("end")
                if not isinstance(start, int) or not isinstance(end, int):
                    continue
                start, end = max(0, start), min(length, end)
                if start < end:
                    out.append({"el": el, "kind": kind, "start": start, "end": end,
                                "why": list(ev.get("discounted_by") or []), "part": ev.get("part")})
    return out


def _title(covering: list[dict[str, Any]]) -> str:
    bits = []
    for s in covering:
        label = TITLES[s["el"]] + (f" ({s['part']})" if s.get("part") else "")
        if s["kind"] == "discounted":
            label += " - not counted: " + ", ".join(s["why"] or ["discounted"]).lower()
        bits.append(label)
    return "; ".join(dict.fromkeys(bits))


def highlight_html(text: str, record: Mapping[str, Any]) -> str:
    """Escaped HTML of `text`; evidence in element colours, discounted spans struck through with the reason."""
    spans = _spans(record, len(text))
    cuts = sorted({0, len(text), *(s["start"] for s in spans), *(s["end"] for s in spans)})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        covering = [s for s in spans if s["start"] <= a and b <= s["end"]]
        live = [s for s in covering if s["kind"] == "evidence"]
        if live:
            el = live[0]["el"]
            parts.append(f'<mark class="ev ev-{el}" style="background:{COLOURS[el]}" '
                         f'title="{html.escape(_title(covering))}">{piece}</mark>')
        elif covering:
            parts.append(f'<span class="discounted" style="{DISCOUNTED_STYLE}" '
                         f'title="{html.escape(_title(covering))}">{piece}</span>')
        else:
            parts.append(piece)
    body = "".join(parts)
    return f'<div class="note-text" style="white-space:pre-wrap;font-family:monospace;font-size:0.85rem">{body}</div>'


def legend_html() -> str:
    """The colour key shown above the note (static text, no note content)."""
    chips = [f'<mark style="background:{COLOURS[e]}">{html.escape(TITLES[e])}</mark>' for e in ELEMENTS]
    chips.append(f'<span style="{DISCOUNTED_STYLE}">not counted (negated, planned, historical...)</span>')
    return " ".join(chips)
