"""Reviews saved from the workbench, in the gold annotation format.

A review is a gold-style record (annotations/README.md: note fields plus
`labels` per element) with `reviewer`, `reviewed_at` and `comment`, and the
auditor's own statuses under `auditor_labels` so agreement can be measured
later without re-running the pipeline. One JSONL file per reviewer, appended:
re-saving a note keeps the history, and the latest review per note and
reviewer is the current one (`load_reviews`).

Reviews hold full note text (PHI), so they default to a per-user data folder
outside any repository (`default_folder()`) and are saved
only into a directory that already exists: the workbench never creates a
folder at a path typed into it. A review may also carry the reviewer's verdict
on each finding (`finding_labels`) and a provider query draft (`query`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from auditor.audit import META_COLUMNS
from auditor.elements import ALLOWED, ELEMENTS

def default_folder() -> Path:
    """$AUDITOR_REVIEWS_DIR, else $XDG_DATA_HOME (or ~/.local/share)/pump-auditor/reviews; read on each call."""
    if os.environ.get("AUDITOR_REVIEWS_DIR"):
        return Path(os.environ["AUDITOR_REVIEWS_DIR"]).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "pump-auditor" / "reviews"

FINDING_VERDICTS = ("right", "wrong")
PARTS = {"pump_status": ("before", "after"), "reassessment": ("condition", "goals")}


class ReviewError(ValueError):
    """A review that cannot be saved as a valid annotation; the message is shown as is."""


def pasted_id(text: str) -> str:
    """A pasted note's id from its content, so two different pasted notes never share a review."""
    return "pasted-" + hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:12]


def ensure_default_folder() -> Path:
    """Create the default reviews folder (private to the user) if absent; it is ours to create."""
    folder = default_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def check_folder(folder: str | Path) -> Path:
    """The reviews folder if it is an existing directory; ReviewError otherwise (nothing is created)."""
    raw = str(folder).strip()
    if not raw:
        raise ReviewError("Choose a reviews folder.")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise ReviewError("The reviews folder must be a full path (for example ~/reviews).")
    if not path.is_dir():
        raise ReviewError("The reviews folder does not exist: create it first, or use the default folder.")
    return path


def parse_quotes(raw: str) -> list[str]:
    """Evidence quotes typed one a line; blank lines dropped."""
    return [q.strip() for q in (raw or "").splitlines() if q.strip()]


def evidence_from_quotes(text: str, element: str, quotes: Iterable[str],
                         at: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """Quotes as evidence with offsets; a `before:`/`goals:` style prefix sets the part.

    `at` maps a quote line to where the reviewer selected it (select-to-mark); a typed quote, or
    one whose text is no longer at that offset, is found at its first occurrence.
    """
    out: list[dict[str, Any]] = []
    for line in quotes:
        part, q = None, line
        m = re.match(r"^(\w+):\s*(.+)$", q)
        if m and m.group(1).lower() in PARTS.get(element, ()):
            part, q = m.group(1).lower(), m.group(2)
        hint = (at or {}).get(line)
        start = hint if isinstance(hint, int) and text[hint:hint + len(q)] == q else text.find(q)
        if start < 0:
            raise ReviewError(f"{element}: the quote {q[:40]!r} is not in the note text.")
        ev: dict[str, Any] = {"text": q, "start": start, "end": start + len(q)}
        if part:
            ev["part"] = part
        out.append(ev)
    return out


def build_review(
    note: Mapping[str, Any],
    record: Mapping[str, Any],
    statuses: Mapping[str, str],
    quotes: Mapping[str, Iterable[str]],
    reviewer: str,
    comment: str = "",
    now: datetime | None = None,
    findings: Mapping[str, str] | None = None,
    query: str = "",
    at: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """One review record; the auditor's evidence is kept where the reviewer agreed and quoted nothing.

    `findings` maps a finding's rule to "right" or "wrong"; `query` is the provider query draft, if any;
    `at` holds, per element, the offsets of quotes marked by selection.
    """
    if not reviewer.strip():
        raise ReviewError("Enter the reviewer's name before saving.")
    text = note["text"]
    labels: dict[str, Any] = {}
    auditor_labels: dict[str, str | None] = {}  # None: the record has no status for the element
    for el in ELEMENTS:
        status = statuses[el]
        if status not in ALLOWED[el]:
            raise ReviewError(f"{el}: {status!r} is not a status this element can take.")
        auto = ((record.get("elements") or {}).get(el)) or {}
        auditor_labels[el] = auto.get("status")
        ev = evidence_from_quotes(text, el, quotes.get(el, ()), (at or {}).get(el))
        if not ev and status == auto.get("status") and status in ("met", "partial"):
            ev = [{k: e[k] for k in ("text", "start", "end", "part") if k in e} for e in auto.get("evidence") or []]
        labels[el] = {"status": status, "evidence": ev}
    review: dict[str, Any] = {"note_id": note["note_id"], "text": text}
    for col in META_COLUMNS:
        if note.get(col):
            review[col] = note[col]
    review.update({
        "labels": labels,
        "auditor_labels": auditor_labels,
        "auditor_score": record.get("score"),
        "expected_findings": [],
        "source": "review",
        "reviewer": reviewer.strip(),
        "reviewed_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "comment": comment,
    })
    verdicts = {str(k): v for k, v in (findings or {}).items() if v in FINDING_VERDICTS}
    if verdicts:
        review["finding_labels"] = verdicts
    if query.strip():
        review["query"] = query.strip()
    return review


def _file_for(folder: Path, reviewer: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", reviewer.strip()).strip("_") or "reviewer"
    return folder / f"{slug}.jsonl"


def save_review(folder: str | Path, review: Mapping[str, Any]) -> Path:
    """Append one review to the reviewer's JSONL file in `folder`, which must exist (history kept, latest wins)."""
    folder = check_folder(folder)
    path = _file_for(folder, review["reviewer"])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(review, ensure_ascii=False) + "\n")
    return path


def load_reviews(folder: str | Path) -> list[dict[str, Any]]:
    """Every review in `folder`, the latest per (note, reviewer) only; unreadable lines skipped."""
    folder = Path(folder)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8", errors="replace") as fh:  # a stray non-UTF-8 file costs its bad lines only
            for line in fh:
                try:
                    rev = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(rev, dict) and "labels" in rev and "note_id" in rev:
                    key = (str(rev["note_id"]), str(rev.get("reviewer", "")))
                    if key not in latest or str(rev.get("reviewed_at", "")) >= str(latest[key].get("reviewed_at", "")):
                        latest[key] = rev
    return list(latest.values())
