"""Gold annotations: load, validate and locate evidence spans.

Annotators write evidence as exact quotes of the note; offsets are computed
here so that a hand-written file never carries wrong numbers.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

ELEMENTS = ("pump_status", "dose_response", "change_reason", "reassessment", "incident_to", "drug_cost")
ALLOWED = {
    "pump_status": {"met", "partial", "missing", "not_applicable"},
    "dose_response": {"met", "missing"},
    "change_reason": {"met", "missing", "not_applicable"},
    "reassessment": {"met", "partial", "missing"},
    "incident_to": {"met", "missing", "not_applicable"},
    "drug_cost": {"met", "missing", "not_applicable"},
}
ROLES = {"MD", "DO", "NP", "PA", "CNS", "RN", "LPN", "MA", ""}


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
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


def check_files(paths: Iterable[str]) -> int:
    seen: set[str] = set()
    bad = 0
    count = 0
    for p in paths:
        for note in read_jsonl(p):
            count += 1
            _, problems = normalise(note)
            nid = note.get("note_id")
            if nid in seen:
                problems.append(f"{nid}: duplicate note_id")
            seen.add(nid)
            for pr in problems:
                print(f"{p}: {pr}")
            bad += bool(problems)
    print(f"{count} notes, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(check_files(sys.argv[1:]))
