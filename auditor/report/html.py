"""The HTML audit report: a summary over every note, then the first notes in full.

Why Jinja2 with autoescape on: note text, ids and metadata are untrusted (and
PHI); the only markup built from note text is `highlight_html`'s, which
escapes every character. The page is one self-contained file (inline CSS, no
scripts, no external resources) so it can be opened offline and mailed
within the organisation without leaking requests.
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Iterable, Mapping, Sequence

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from auditor.elements import ELEMENTS, TITLES, TIPS
from auditor.io import Writer
from auditor.report.explain import note_view, status_label, words
from auditor.report.highlight import COLOURS, DISCOUNTED_STYLE, highlight_html
from auditor.report.summary import Summary

MAX_NOTES = 2000  # notes shown in full; the summary counts all of them
STATUS_COLOURS = {"met": "#2e7d32", "partial": "#b26a00", "missing": "#c62828", "not_applicable": "#757575"}

_ENV: Environment | None = None


def environment() -> Environment:
    """The Jinja environment (autoescape on for every template)."""
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("auditor.report", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True),
                           trim_blocks=True, lstrip_blocks=True)
    return _ENV


def _panel_context(view: Mapping[str, Any]) -> dict[str, Any]:
    return {"view": view, "colours": COLOURS, "status_colours": STATUS_COLOURS, "part_names": words()["part_names"]}


def panels_html(record: Mapping[str, Any], text: Any, prefix: str = "") -> str:
    """Per element: status in words, a one-line reason, evidence and discounted spans with line numbers."""
    return environment().get_template("panels.html.j2").render(**_panel_context(note_view(record, text, prefix)))


def findings_html(record: Mapping[str, Any], text: Any) -> str:
    """Findings with message, claim line, the note's evidence and the fix."""
    return environment().get_template("findings.html.j2").render(**_panel_context(note_view(record, text)))


def _note_view(row: Mapping[str, Any] | None, record: Mapping[str, Any], index: int = 0) -> dict[str, Any]:
    text = (row or {}).get("text")
    meta = dict(record.get("input") or {})
    prefix = f"n{index}-"
    ok = not record.get("error")
    return {
        "note_id": record.get("note_id"),
        "score": record.get("score"),
        "error": record.get("error"),
        "meta": meta,
        "statuses": [(e, status_label(((record.get("elements") or {}).get(e) or {}).get("status")),
                      ((record.get("elements") or {}).get(e) or {}).get("status")) for e in ELEMENTS],
        "panels": Markup(panels_html(record, text if row is not None else "", prefix)) if ok else None,
        "findings": Markup(findings_html(record, text if row is not None else "")) if ok else None,
        "html": Markup(highlight_html(text, record, prefix)) if row is not None and ok else None,
    }


def render_report(records: Iterable[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]] | None = None,
                  title: str = "Pain-pump documentation audit", max_notes: int = MAX_NOTES,
                  summary: Summary | None = None, total_notes: int | None = None) -> str:
    """The whole page. `rows` (same order as `records`) supply note text; without them notes show no text."""
    records = list(records)
    if summary is None:
        summary = Summary()
        for r in records:
            summary.add(r)
    shown = [_note_view(rows[i] if rows is not None and i < len(rows) else None, r, i)
             for i, r in enumerate(records[:max_notes])]
    return environment().get_template("report.html.j2").render(
        title=title, summary=summary.as_dict(), notes=shown, shown=len(shown),
        total=total_notes if total_notes is not None else summary.notes, elements=ELEMENTS, titles=TITLES,
        tips=TIPS, colours=COLOURS, status_colours=STATUS_COLOURS, discounted_style=DISCOUNTED_STYLE,
        generated=_dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )



class HtmlReportWriter(Writer):
    """Writer for `--out report.html`: counts every record, keeps the first `max_notes` with their text."""

    def __init__(self, path: str, max_notes: int = MAX_NOTES, title: str = "Pain-pump documentation audit") -> None:
        self.path = path
        self.partial = path + ".partial"
        self.resumed = 0
        self.last_id: Any = None
        self.max_notes = max_notes
        self.title = title
        self.summary = Summary()
        self._rows: list[Mapping[str, Any]] = []
        self._records: list[Mapping[str, Any]] = []

    def write(self, rows: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]]) -> None:
        for row, rec in zip(rows, records):
            self.summary.add(rec)
            if len(self._records) < self.max_notes:
                self._rows.append({"text": row.get("text")})
                self._records.append(rec)

    def close(self) -> None:
        page = render_report(self._records, self._rows, title=self.title, max_notes=self.max_notes, summary=self.summary)
        with open(self.partial, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(page)
        os.replace(self.partial, self.path)
