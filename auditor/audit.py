"""Audit rows of notes: the one function every front end calls.

The CLI feeds it chunks of a file, Streamlit one note or an upload, Spark a
partition. Same code, same records. A note that fails gets a record with its
error; the batch goes on.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from spacy.language import Language

from auditor.budget import over_budget, vocabulary_of
from auditor.decide import decide
from auditor.record import META_COLUMNS, Record, as_text, clean, error_record, flat_row, meta_of  # noqa: F401  (flat_row, META_COLUMNS: public here too)

_clean, _as_text = clean, as_text  # the names older callers use

# ConText compares every modifier with every target: past this size one note could stall a run
MAX_NOTE_CHARS = 200_000


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
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text is not valid Unicode (it holds a lone surrogate, such as a JSON \\ud800 escape)"
    if len(text) > MAX_NOTE_CHARS:
        return f"note too long ({len(text):,} characters; the auditor reads at most {MAX_NOTE_CHARS:,})"
    return None


def _error(note_id: Any, message: str) -> dict[str, Any]:
    """An error record as the plain dict the rest of a run's records are."""
    return dict(error_record(note_id, message))


def decide_note(note_id: Any, pump: Mapping[str, Any], meta: Mapping[str, Any],
                text: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One note's rules record, and the pipeline's output as the visit model read it.

    The second is what the models' second opinion reads (dated changes discounted,
    "carried out today" lifted); the pipeline's own output is left as it was.
    """
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
    return rec, {**pump, "spans": decided["spans"]}


def build_record(note_id: Any, pump: Mapping[str, Any], meta: Mapping[str, Any], text: str | None = None,
                 mode: str = "rules") -> dict[str, Any]:
    """One note's record; `mode` model or hybrid passes the rules' record through auditor.learn."""
    rec, seen = decide_note(note_id, pump, meta, text)
    if mode != "rules" and text is not None:
        from auditor import learn

        rec = learn.apply([rec], [seen], [text], [meta], mode)[0]
    return rec


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
    metas = [meta_of(row) for row in rows]  # built once: the decisions, the models and the checks read the same
    good: list[int] = []
    cues = vocabulary_of(nlp)
    for i, row in enumerate(rows):
        err = _text_error(row.get("text")) or over_budget(_as_text(row["text"]), cues)  # auditor/budget.py
        if err:
            out[i] = _error(_clean(row.get("note_id")), err)
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
    decided_pumps: dict[int, dict[str, Any]] = {}  # the pipeline's output as the visit model read it
    for i, pump in zip(good, pumps):
        row = rows[i]
        meta = metas[i]
        nid = _clean(row.get("note_id"))
        if isinstance(pump, Exception):
            out[i] = _error(nid, f"pipeline failed: {type(pump).__name__}")
            continue
        try:
            out[i], decided_pumps[i] = decide_note(nid, pump, meta, _as_text(row["text"]))
            learned.append(i)
        except Exception as exc:  # noqa: BLE001
            out[i] = _error(nid, f"decision failed: {type(exc).__name__}")  # no message: it may quote the note
    if mode != "rules" and learned:
        try:
            done = learn.apply([out[i] for i in learned], [decided_pumps[i] for i in learned],  # type: ignore[misc]
                               [_as_text(rows[i]["text"]) for i in learned],
                               [metas[i] for i in learned], mode)
            for i, learned_rec in zip(learned, done):
                out[i] = learned_rec
        except learn.UntrustedModel:
            raise
        except Exception as exc:  # noqa: BLE001  the models must never cost a note its record: keep the rules'
            learn.warn_fallback(f"models failed on a batch ({type(exc).__name__})")
    for i, rec in enumerate(out):  # error records keep the note's input columns, like the others
        if rec is not None and rec.get("error") and "input" not in rec:
            given = {c: v for c, v in metas[i].items() if v is not None}
            if given:
                rec["input"] = given
    records = [r for r in out if r is not None]
    from auditor.checks import apply_checks

    apply_checks(records, rows, intervals=intervals, metas=metas)
    return records


def audit_note(text: str, nlp: Language | None = None, note_id: str = "note", mode: str | None = None,
               **meta: Any) -> dict[str, Any]:
    """Audit one note (the UI's and a notebook's entry point)."""
    from auditor.pipeline import shared

    return audit_rows(nlp or shared(), [{"note_id": note_id, "text": text, **meta}], mode=mode)[0]
