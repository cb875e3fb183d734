"""Provider query drafts for a deficient element, from the note's own evidence.

Why a fixed template per element (queries.json): a compliant query quotes the
record's clinical indicators and offers every reasonable answer neutrally; it
never proposes a diagnosis or the answer the auditor would like. So the only
note-specific part is the indicator list (quotes with line numbers, and the
statements the auditor did not count, with why); the question and the options
are the same for every note. The draft is plain text the reviewer edits.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from auditor.elements import TITLES
from auditor.report.explain import element_view

QUERIES_FILE = Path(__file__).with_name("queries.json")
DEFICIENT = ("missing", "partial")


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    """Question, options and fixed wording per element."""
    return json.loads(QUERIES_FILE.read_text(encoding="utf-8"))


def options(element: str) -> list[str]:
    """The answers offered, always ending with "Other" and "Unable to determine"."""
    t = templates()
    return [*t["elements"][element]["options"], t["other"], t["unable"]]


def indicators(element: str, record: Mapping[str, Any], text: str) -> list[str]:
    """The note's own statements about the element: evidence, then what was not counted and why."""
    view = element_view(element, (record.get("elements") or {}).get(element), text)
    out = [f'line {e["line"]}: "{e["text"]}"' for e in view["evidence"] if e["line"]]
    out += [f'line {d["line"]}: "{d["text"]}" (not counted: {d["why"]})' for d in view["discounted"] if d["line"]]
    return out


def draft(element: str, record: Mapping[str, Any], note: Mapping[str, Any]) -> str:
    """A query draft for one element of one note (plain text, for the reviewer to edit)."""
    t = templates()
    given = note.get("text")
    text = given if isinstance(given, str) else ""
    meta = record.get("input") or {}
    head = [f"Provider query: {TITLES[element]}", f"Note: {record.get('note_id')}"]
    if meta.get("service_date"):
        head.append(f"Date of service: {meta['service_date']}")
    found = indicators(element, record, text)
    lines = [*head, "", t["intro"], "", "Clinical indicators in this note:"]
    lines += [f"- {x}" for x in found] or [f"- {t['no_indicators']}"]
    lines += ["", t["elements"][element]["question"], ""]
    lines += [f"[ ] {o}" for o in options(element)]
    lines += ["", t["closing"]]
    return "\n".join(lines)


def deficient_elements(record: Mapping[str, Any]) -> list[str]:
    """Elements a query could be drafted for (missing or partial), in guideline order."""
    els = record.get("elements") or {}
    return [e for e in TITLES if (els.get(e) or {}).get("status") in DEFICIENT]
