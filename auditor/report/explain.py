"""Why each status: the record's evidence turned into sentences a CDI specialist reads.

Why here (beside the HTML report, not in the UI): the workbench and the HTML
report must say the same thing about a note, so both build their element and
finding panels from these views. The views hold plain text only; each front
end escapes it. Wording comes from words.json.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from auditor.elements import ELEMENTS, TITLES

WORDS_FILE = Path(__file__).with_name("words.json")
QUOTE_MAX = 60  # characters of an evidence quote in a one-line reason


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    """The label tables (status, short names, modifiers, why not applicable)."""
    return json.loads(WORDS_FILE.read_text(encoding="utf-8"))


def status_label(status: Any) -> str:
    """Met / Partial / Missing / N/A; an unknown or absent status reads as a dash."""
    return words()["status"].get(status, "-") if status else "-"


def short_name(element: str) -> str:
    """The element's short column name (Pump status, Dose response, ...)."""
    return words()["short"].get(element, element)


def modifier_words(cats: Any) -> str:
    """ConText categories in words, joined ('negated, about a past visit')."""
    table = words()["modifiers"]
    out = [table.get(str(c), str(c).replace("_", " ").lower()) for c in cats or []]
    return ", ".join(dict.fromkeys(out)) or "set aside"


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, max(0, min(offset, len(text)))) + 1


def _quote(s: str) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= QUOTE_MAX else s[:QUOTE_MAX - 1] + "…"


def _valid(ev: Mapping[str, Any], text: str) -> bool:
    a, b = ev.get("start"), ev.get("end")
    return isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= len(text)


def _span(ev: Mapping[str, Any], text: str, anchor: str) -> dict[str, Any]:
    ok = _valid(ev, text)
    return {"text": text[ev["start"]:ev["end"]] if ok else str(ev.get("text", "")),
            "line": line_of(text, ev["start"]) if ok else None, "part": ev.get("part"), "anchor": anchor}


def element_view(element: str, info: Mapping[str, Any] | None, text: str, prefix: str = "") -> dict[str, Any]:
    """Status, a one-line reason, evidence with line numbers and discounted spans with their modifiers."""
    info = info or {}
    status = info.get("status")
    ev = [_span(e, text, f"{prefix}ev-{element}-{i}") for i, e in enumerate(info.get("evidence") or [])]
    disc = [{**_span(d, text, f"{prefix}disc-{element}-{i}"), "why": modifier_words(d.get("discounted_by"))}
            for i, d in enumerate(info.get("discounted") or [])]
    return {"element": element, "title": TITLES.get(element, element), "short": short_name(element),
            "status": status, "label": status_label(status), "reason": _reason(element, status, ev, disc),
            "evidence": ev, "discounted": disc}


def _found(spans: list[dict[str, Any]]) -> str:
    first = spans[0]
    where = f" (line {first['line']})" if first["line"] else ""
    more = f" and {len(spans) - 1} more" if len(spans) > 1 else ""
    return f"“{_quote(first['text'])}”{where}{more}"


def _reason(element: str, status: Any, ev: list[dict[str, Any]], disc: list[dict[str, Any]]) -> str:
    w = words()
    if status == "not_applicable":
        return "Does not apply: " + w["not_applicable"].get(element, "does not apply to this visit") + "."
    parts = w["parts"].get(element)
    if parts:
        bits = []
        for p in parts:
            got = [e for e in ev if e["part"] == p]
            bits.append(f"{w['part_names'].get(p, p)}: " + (_found(got) if got else "not found"))
        reason = "; ".join(bits)
    else:
        reason = ("found " + _found(ev)) if ev else "no statement found"
    if disc and not ev:
        reason += f"; {len(disc)} statement{'s' if len(disc) > 1 else ''} not counted ({disc[0]['why']}, line {disc[0]['line']})"
    return reason[0].upper() + reason[1:] + "."


def claim_line(finding: Mapping[str, Any]) -> str | None:
    """The billed line a finding is about (J2274x5, 95990), when the finding names one."""
    facts = finding.get("facts") or {}
    if facts.get("code"):
        units = facts.get("billed_units")
        return f"{facts['code']}x{units}" if units not in (None, "", "1") else str(facts["code"])
    return str(facts["codes"]) if facts.get("codes") else None


def finding_view(finding: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Severity, message, claim line, note evidence with line numbers and the fix."""
    sev = str(finding.get("severity") or "warning")
    return {"rule": finding.get("rule"), "severity": sev, "severity_label": words()["severity"].get(sev, sev.title()),
            "message": str(finding.get("message") or finding.get("rule") or ""), "claim": claim_line(finding),
            "evidence": [_span(e, text, "") for e in finding.get("evidence") or []],
            "fix": finding.get("fix")}


def note_view(record: Mapping[str, Any], text: Any, prefix: str = "") -> dict[str, Any]:
    """Element and finding views of one audited note; `prefix` keeps anchors unique on a page of many notes."""
    text = text if isinstance(text, str) else ""
    els = record.get("elements") or {}
    return {"elements": [element_view(e, els.get(e), text, prefix) for e in ELEMENTS],
            "findings": [finding_view(f, text) for f in record.get("findings") or []]}
