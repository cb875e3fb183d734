"""Audit rows of notes: the one function every front end calls.

The CLI feeds it chunks of a file, Streamlit one note or an upload, Spark a
partition. Same code, same records. A note that fails gets a record with its
error; the batch goes on.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, Mapping, Sequence

from spacy.language import Language

from auditor.decide import decide
from auditor.elements import ELEMENTS

# ConText compares every modifier with every target: past this size one note could stall a run
MAX_NOTE_CHARS = 200_000
META_COLUMNS = ("patient_id", "service_date", "author", "author_role", "payer", "billed_codes")


def _clean(value: Any) -> Any:
    """Missing values in exports arrive as None, NaN or NaT; make them None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    return value


def _text_error(text: Any) -> str | None:
    if text is None:
        return "empty text"
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return "text is not valid UTF-8"
    if not isinstance(text, str):
        return f"text is a {type(text).__name__}, not a string"
    if not text.strip():
        return "empty text"
    if len(text) > MAX_NOTE_CHARS:
        return f"note too long ({len(text):,} characters; the auditor reads at most {MAX_NOTE_CHARS:,})"
    return None


def error_record(note_id: Any, message: str) -> dict[str, Any]:
    """The record of a note that could not be audited."""
    return {"note_id": note_id, "score": None, "elements": None, "findings": [], "facts": {}, "error": message}


def build_record(note_id: Any, pump: Mapping[str, Any], meta: Mapping[str, Any], text: str | None = None,
                 mode: str = "rules") -> dict[str, Any]:
    """One note's record; `mode` model or hybrid passes the rules' record through auditor.learn."""
    decided = decide(pump, meta, text)
    rec: dict[str, Any] = {
        "note_id": note_id,
        "score": decided["score"],
        "elements": decided["elements"],
        "findings": [],
        "facts": decided["facts"],
        "error": None,
    }
    for col in META_COLUMNS:
        if meta.get(col) is not None:
            rec.setdefault("input", {})[col] = meta[col]
    if mode != "rules" and text is not None:
        from auditor import learn

        rec = learn.apply([rec], [pump], [text], [meta], mode)[0]
    return rec


def _as_text(text: Any) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


def audit_rows(nlp: Language, rows: Sequence[Mapping[str, Any]], batch_size: int = 50,
               intervals: bool = True, mode: str | None = None) -> list[dict[str, Any]]:
    """One record per row, in order. Rows hold `note_id`, `text` and any META_COLUMNS.

    `mode` rules, model or hybrid (auditor.learn); None is the default mode
    (the best on held-out, rules when no model loads).

    One call is one run: refill intervals are checked across these rows. A caller
    that feeds a run in chunks passes `intervals=False` and runs
    `auditor.checks.run_intervals` over every chunk's summaries at the end.
    """
    out: list[dict[str, Any] | None] = [None] * len(rows)
    good: list[int] = []
    for i, row in enumerate(rows):
        err = _text_error(row.get("text"))
        if err:
            out[i] = error_record(_clean(row.get("note_id")), err)
        else:
            good.append(i)
    texts = [_as_text(rows[i]["text"]) for i in good]
    try:
        docs = list(nlp.pipe(texts, batch_size=batch_size))
        pumps = [d._.pump for d in docs]
    except Exception:  # one bad note must not sink its batch: redo one by one
        pumps = []
        for t in texts:
            try:
                pumps.append(nlp(t)._.pump)
            except Exception as exc:  # noqa: BLE001  the error goes into the record
                pumps.append(exc)
    from auditor import learn

    mode = learn.resolve_mode(mode)
    learned: list[int] = []  # notes whose rules record goes through the models, in one batch
    for i, pump in zip(good, pumps):
        row = rows[i]
        meta = {c: _clean(row.get(c)) for c in META_COLUMNS}
        nid = _clean(row.get("note_id"))
        if isinstance(pump, Exception):
            out[i] = error_record(nid, f"pipeline failed: {type(pump).__name__}")
            continue
        try:
            out[i] = build_record(nid, pump, meta, _as_text(row["text"]))
            learned.append(i)
        except Exception as exc:  # noqa: BLE001
            out[i] = error_record(nid, f"decision failed: {type(exc).__name__}")  # no message: it may quote the note
    if mode != "rules" and learned:
        by_row = dict(zip(good, pumps))
        try:
            done = learn.apply([out[i] for i in learned], [by_row[i] for i in learned],  # type: ignore[misc]
                               [_as_text(rows[i]["text"]) for i in learned],
                               [{c: _clean(rows[i].get(c)) for c in META_COLUMNS} for i in learned], mode)
            for i, rec in zip(learned, done):
                out[i] = rec
        except learn.UntrustedModel:
            raise
        except Exception as exc:  # noqa: BLE001  the models must never cost a note its record: keep the rules'
            learn.warn_fallback(f"models failed on a batch ({type(exc).__name__})")
    for i, rec in enumerate(out):  # error records keep the note's input columns, like the others
        if rec is not None and rec.get("error") and "input" not in rec:
            meta = {c: _clean(rows[i].get(c)) for c in META_COLUMNS if _clean(rows[i].get(c)) is not None}
            if meta:
                rec["input"] = meta
    records = [r for r in out if r is not None]
    from auditor.checks import apply_checks

    apply_checks(records, rows, intervals=intervals)
    return records


def audit_note(text: str, nlp: Language | None = None, note_id: str = "note", mode: str | None = None,
               **meta: Any) -> dict[str, Any]:
    """Audit one note (the UI's and a notebook's entry point)."""
    from auditor.pipeline import shared

    return audit_rows(nlp or shared(), [{"note_id": note_id, "text": text, **meta}], mode=mode)[0]


def iter_audit(nlp: Language, chunks: Iterable[Sequence[Mapping[str, Any]]], batch_size: int = 50) -> Iterator[list[dict[str, Any]]]:
    for chunk in chunks:
        yield audit_rows(nlp, chunk, batch_size=batch_size)


def flat_row(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A record flattened for CSV/Parquet: note_id, score, <element>_status, findings joined."""
    row: dict[str, Any] = {"note_id": rec["note_id"], "score": rec["score"]}
    els = rec.get("elements") or {}
    for e in ELEMENTS:
        row[f"{e}_status"] = (els.get(e) or {}).get("status")
    row["findings"] = ";".join(f["rule"] for f in rec.get("findings") or [])
    facts = rec.get("facts") or {}
    row["performer_role"] = facts.get("performer_role")
    row["refill"] = facts.get("refill")
    row["error"] = rec.get("error")
    return row
