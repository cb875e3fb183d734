"""Gold annotations: read, validate and locate evidence spans; load one split.

Annotators write evidence as exact quotes of the note; offsets are computed
here so that a hand-written file never carries wrong numbers.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from auditor.elements import ALLOWED, ELEMENTS
from auditor.roles import CONTRACT_ROLES

ROLES = {*CONTRACT_ROLES, ""}
SPLITS = ("dev", "heldout", "all")


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSONL file; a bad line raises ValueError naming the file and line."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from None


def locate(text: str, quote: str, after: int = 0) -> tuple[int, int] | None:
    """Offsets of `quote` in `text`, preferring the first match at or after `after`."""
    i = text.find(quote, after)
    if i < 0:
        i = text.find(quote)
    return None if i < 0 else (i, i + len(quote))


def normalise(note: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Fill start/end of every evidence quote; return the note and its problems."""
    problems: list[str] = []
    nid = note.get("note_id", "?")
    text = note.get("text") or ""
    if not text.strip():
        problems.append(f"{nid}: empty text")
    role = (note.get("author_role") or "")
    if role not in ROLES:
        problems.append(f"{nid}: author_role {role!r} not one of {sorted(ROLES - {''})}")
    labels = note.get("labels") or {}
    if set(labels) != set(ELEMENTS):
        problems.append(f"{nid}: labels must hold exactly {ELEMENTS}, got {sorted(labels)}")
    for el in ELEMENTS:
        lab = labels.get(el)
        if not isinstance(lab, dict):
            continue
        st = lab.get("status")
        if st not in ALLOWED[el]:
            problems.append(f"{nid}: {el} status {st!r} not in {sorted(ALLOWED[el])}")
        evs = lab.get("evidence") or []
        for ev in evs:
            quote = ev.get("text", "")
            if "start" in ev and "end" in ev and text[ev["start"]:ev["end"]] == quote:
                continue
            where = locate(text, quote) if quote else None
            if where is None:
                problems.append(f"{nid}: {el} evidence {quote[:40]!r} is not in the text")
            else:
                ev["start"], ev["end"] = where
        if st in ("met", "partial") and not evs:
            problems.append(f"{nid}: {el} is {st} but has no evidence")
        if el in ("pump_status", "reassessment") and st in ("met", "partial"):
            parts = {ev.get("part") for ev in evs}
            want = {"before", "after"} if el == "pump_status" else {"condition", "goals"}
            if not parts & want:
                problems.append(f"{nid}: {el} evidence needs a part in {sorted(want)}")
    return note, problems


@dataclass
class Validation:
    """What `auditor gold validate` found: every problem ("file: note: problem") and the counts."""

    notes: int = 0
    notes_with_problems: int = 0
    problems: list[str] = field(default_factory=list)


def validate_files(paths: Iterable[str | Path]) -> Validation:
    """Validate gold files as one set (note ids must be unique across them)."""
    seen: set[Any] = set()
    found = Validation()
    for p in paths:
        for note in read_jsonl(p):
            found.notes += 1
            _, problems = normalise(note)
            nid = note.get("note_id")
            if nid in seen:
                problems.append(f"{nid}: duplicate note_id")
            seen.add(nid)
            found.problems.extend(f"{p}: {pr}" for pr in problems)
            found.notes_with_problems += bool(problems)
    return found


def load_gold(path: str | Path, split: str = "dev") -> list[dict[str, Any]]:
    """Gold notes of one split (`all` for every note), in file order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                note = json.loads(line)
            except ValueError:
                raise ValueError(f"{path}: line {n} is not JSON") from None
            if not isinstance(note, dict) or "labels" not in note or "note_id" not in note:
                raise ValueError(f"{path}: line {n} is not a gold note (needs note_id, text, labels)")
            if split == "all" or note.get("split") == split:
                out.append(note)
    return out
