"""Tip sheets: which elements are missed most, by whom, and what a compliant
note records, from the records of an audit (JSONL).

Examples of compliant wording come from the phrase banks under annotations/
(fictional fragments written for this project), never from the audited notes,
so a tip sheet carries no patient text and can be shared with clinicians.
"""
from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from auditor.elements import ELEMENTS, TIPS, TITLES
from auditor.evaluation.gold import read_jsonl

DEFICIENT = ("missing", "partial")
# phrase-bank concepts whose positive fragments illustrate each element
EXAMPLE_CONCEPTS: dict[str, tuple[str, ...]] = {
    "pump_status": ("status_before", "status_after"),
    "dose_response": ("dose_response",),
    "change_reason": ("change_reason",),
    "reassessment": ("condition", "goals"),
    "incident_to": ("supervision_direct",),
    "drug_cost": ("drug_purchase",),
}


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of an audit's JSONL output (a bad line raises ValueError naming it)."""
    return read_jsonl(path)


def summarise(records: Iterable[Mapping[str, Any]], by: str = "author") -> dict[str, Any]:
    """Counts per element and per group (author, performer role or payer)."""
    per: dict[str, Counter[str]] = {e: Counter() for e in ELEMENTS}
    groups: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {e: Counter() for e in ELEMENTS})
    notes = errors = 0
    for rec in records:
        notes += 1
        if rec.get("error") or not rec.get("elements"):
            errors += 1
            continue
        who = _group(rec, by)
        for e in ELEMENTS:
            st = rec["elements"][e]["status"]
            per[e][st] += 1
            groups[who][e][st] += 1
    return {"notes": notes, "errors": errors, "by": by, "elements": per, "groups": dict(groups)}


def _group(rec: Mapping[str, Any], by: str) -> str:
    if by == "performer_role":
        return str((rec.get("facts") or {}).get("performer_role") or "unknown")
    return str((rec.get("input") or {}).get(by) or "unknown")


def deficiency_rate(counts: Counter[str]) -> float | None:
    applies = sum(v for k, v in counts.items() if k != "not_applicable")
    return None if not applies else sum(counts[k] for k in DEFICIENT) / applies


def candidates(element: str, banks: Path) -> list[str]:
    """Every short positive phrase-bank fragment for an element (scripts/make_examples.py ships them)."""
    out: list[str] = []
    for bank in sorted(banks.glob("phrasebank*.jsonl")):
        with open(bank, encoding="utf-8") as fh:
            for line in fh:
                it = json.loads(line)
                if it["expected"] and it["concept"] in EXAMPLE_CONCEPTS[element] and len(it["text"]) <= 140:
                    out.append(it["text"])
    return out


def examples(element: str, k: int = 3, banks: Path | None = None) -> list[str]:
    """Fictional compliant fragments for an element, a few per concept: from `banks`, else the
    copy shipped in the package (resources/examples.json), so a wheel writes the same sheet."""
    if banks is not None:
        out = candidates(element, banks)
    else:
        from auditor import rules

        out = list(rules.load_json("examples.json").get(element, []))
    # spread the picks over the list so several writers' styles show
    step = max(1, len(out) // k) if out else 1
    return out[::step][:k]


def render_markdown(summary: Mapping[str, Any], min_notes: int = 5) -> str:
    lines = ["# Documentation tip sheet", "",
             f"{summary['notes']} audited notes ({summary['errors']} not audited). "
             "Deficient = the element applies and is missing or partial.", "",
             "## Missed most", "", "| element | applies | deficient | rate |", "|---|---|---|---|"]
    ranked = sorted(ELEMENTS, key=lambda e: -(deficiency_rate(summary["elements"][e]) or 0))
    for e in ranked:
        c = summary["elements"][e]
        applies = sum(v for s, v in c.items() if s != "not_applicable")
        rate = deficiency_rate(c)
        lines.append(f"| {TITLES[e]} | {applies} | {sum(c[s] for s in DEFICIENT)} | {_pct(rate)} |")
    lines += ["", f"## By {summary['by'].replace('_', ' ')} (groups with at least {min_notes} notes)", "",
              "| " + summary["by"] + " | notes | " + " | ".join(TITLES[e] for e in ranked) + " |",
              "|---|---|" + "---|" * len(ranked)]
    for who, per in sorted(summary["groups"].items()):
        n = sum(per[ELEMENTS[0]].values())
        if n < min_notes:
            continue
        lines.append(f"| {_name_cell(who)} | {n} | " + " | ".join(_pct(deficiency_rate(per[e])) for e in ranked) + " |")
    lines += ["", "## What a compliant note records", ""]
    for e in ranked:
        lines += [f"### {TITLES[e]}", "", TIPS[e], ""]
        ex = examples(e)
        if ex:
            lines += ["Wording seen in compliant notes (fictional examples):", ""] + [f"- \"{_cell(x)}\"" for x in ex] + [""]
    return "\n".join(lines) + "\n"


def render_html(markdown: str) -> str:
    """A minimal, escaped HTML page around the markdown (no external resources)."""
    return ("<!doctype html><meta charset='utf-8'><title>Tip sheet</title>"
            "<pre style='font:14px/1.5 system-ui,sans-serif;white-space:pre-wrap;max-width:60em'>"
            + html.escape(markdown) + "</pre>\n")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


_MARKDOWN = re.compile(r"([\\`*_\[\]()!|~#])")


def _name_cell(text: str) -> str:
    """A group name (an author, a payer: whatever the export held) as inert Markdown: control characters
    become spaces, HTML is escaped and Markdown punctuation backslashed, so a hostile name can neither
    break the table nor render as a link, an image or a script in a Markdown viewer."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
