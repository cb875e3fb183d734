"""Note text as escaped HTML with each element's evidence in its own colour.

Why one function for every front end (the HTML report, the Streamlit UI): the
note is PHI and arbitrary text, so every character of it passes through
`html.escape` here and the markup around it is ours alone. Spans whose offsets
do not match the text are skipped rather than trusted.
"""
from __future__ import annotations

import html
from typing import Any, Mapping

from auditor.elements import ELEMENTS, TITLES
from auditor.report.explain import modifier_words

COLOURS: dict[str, str] = {
    "pump_status": "#ffe08a",
    "dose_response": "#b9e6b0",
    "change_reason": "#f7c6a3",
    "reassessment": "#b7d7f5",
    "incident_to": "#dcc6f2",
    "drug_cost": "#f5b8c8",
}
DISCOUNTED_STYLE = "background:#eeeeee;text-decoration:line-through dashed #888;color:#555"
NOTE_STYLE = "white-space:pre-wrap;font-family:monospace;font-size:0.85rem"


def _spans(text: str, record: Mapping[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """Evidence and discounted spans of every element whose offsets hold the span's text."""
    out: list[dict[str, Any]] = []
    for el in ELEMENTS:
        info = ((record.get("elements") or {}).get(el)) or {}
        for kind in ("evidence", "discounted"):
            for i, ev in enumerate(info.get(kind) or []):
                start, end = ev.get("start"), ev.get("end")
                if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                    continue
                if "text" in ev and text[start:end] != ev["text"]:
                    continue
                out.append({"el": el, "kind": kind, "start": start, "end": end, "part": ev.get("part"),
                            "why": [str(w) for w in ev.get("discounted_by") or []],
                            "anchor": f"{prefix}{'ev' if kind == 'evidence' else 'disc'}-{el}-{i}"})
    return out


def _title(covering: list[dict[str, Any]]) -> str:
    bits = []
    for s in covering:
        label = TITLES[s["el"]] + (f" ({s['part']})" if s.get("part") else "")
        if s["kind"] == "discounted":
            label += " - not counted: " + modifier_words(s["why"])
        bits.append(label)
    return "; ".join(dict.fromkeys(bits))


def highlight_html(text: Any, record: Mapping[str, Any], prefix: str = "") -> str:
    """Escaped HTML of `text` in a pre-wrap <div>: evidence in <mark>s, discounted spans struck through with the reason as title."""
    if not isinstance(text, str):
        text = "" if text is None else "(text is not valid UTF-8)" if isinstance(text, bytes) else str(text)
    spans = _spans(text, record, prefix)
    cuts = sorted({0, len(text), *(s["start"] for s in spans), *(s["end"] for s in spans)})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        # anchors (ids) for the evidence lists to link to: empty, so they add nothing to the visible text
        parts.extend(f'<a id="{s["anchor"]}"></a>' for s in spans if s["start"] == a)
        piece = html.escape(text[a:b])
        covering = [s for s in spans if s["start"] <= a and b <= s["end"]]
        live = [s for s in covering if s["kind"] == "evidence"]
        title = html.escape(_title(covering))
        if live:
            el = live[0]["el"]
            parts.append(f'<mark class="ev ev-{el}" data-element="{el}" style="background:{COLOURS[el]}" '
                         f'title="{title}">{piece}</mark>')
        elif covering:
            el = covering[0]["el"]
            parts.append(f'<span class="discounted disc-{el}" data-element="{el}" style="{DISCOUNTED_STYLE}" '
                         f'title="{title}">{piece}</span>')
        else:
            parts.append(piece)
    return f'<div class="note-text" style="{NOTE_STYLE}">{"".join(parts)}</div>'


def legend_html() -> str:
    """The colour key (static text, no note content)."""
    chips = [f'<mark style="background:{COLOURS[e]}">{html.escape(TITLES[e])}</mark>' for e in ELEMENTS]
    chips.append(f'<span style="{DISCOUNTED_STYLE}">not counted (negated, planned, historical...)</span>')
    return " ".join(chips)
