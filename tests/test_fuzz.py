"""Fuzz (Hypothesis) over the readers and audit_rows: whatever a row holds, one valid record per row, in order.

Arbitrary Unicode (lone surrogates, NULs, combining marks, right-to-left text, emoji, a byte-order mark),
arbitrary column names and value types, arbitrary CSV quoting. The invariants: one record per input row,
in order; every record is valid JSON once written as the writers write it; evidence offsets index the
note text; no exception escapes (only InputError, for an input a user must fix). Kept to tens of seconds.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from auditor.audit import audit_rows
from auditor.elements import ELEMENTS
from auditor.io import InputError, dumps, json_default, open_source, read_records, to_row
from auditor.parallel import audit_chunk

FRAGMENTS = ["Pump refilled with 20 mL.", "No complications.", "Patient denies side effects.", "not ",
             "Baclofen 500 mcg/mL", "Reservoir volume 2.5 mL before, 20 mL after.", "***", "Dose unchanged.",
             "Interrogated; alarm set to 2 mL.", "Pain 3/10, improved.", "MD present.", "Drug cost: $1,200."]
ODD = ["\x00", "\u0301", "\u202e", "\u05d0\u05d1", "\U0001F600", "\ud800", "\udcff", "\r", "\n", "\r\n", "\t",
       "\ufeff", '"', ",", "\u2019", "\u00b5", "\\", "|", "=", "\u0000\u0000"]
SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def texts(surrogates: bool = True) -> st.SearchStrategy[str]:
    pieces = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(ODD),
                       st.text(st.characters(exclude_categories=() if surrogates else ("Cs",)), max_size=12))
    strategy = st.lists(pieces, max_size=12).map("".join)
    return strategy if surrogates else strategy.filter(lambda t: not any("\ud800" <= c <= "\udfff" for c in t))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), texts())
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
                   st.binary(max_size=20))
ROWS = st.lists(st.fixed_dictionaries({"note_id": VALUES, "text": st.one_of(texts(), st.none(), st.binary(max_size=40),
                                                                              st.integers())},
                                      optional={c: VALUES for c in ("patient_id", "service_date", "author", "payer")}),
                min_size=1, max_size=6)


def check_records(rows: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """The contract's invariants for any rows."""
    assert len(records) == len(rows)
    for row, rec in zip(rows, records):
        nid = row.get("note_id")
        if isinstance(nid, float) and math.isnan(nid):
            assert rec["note_id"] is None
        elif not isinstance(nid, (list, dict, bytes)):
            assert rec["note_id"] == nid or (rec["note_id"] is None and nid is None)
        line = dumps(rec).encode("utf-8", errors="backslashreplace")  # as the JSONL writer writes it
        back = json.loads(line)
        assert set(back) >= {"note_id", "score", "elements", "findings", "facts", "error"}
        if rec["error"]:
            assert rec["score"] is None and "\n" not in rec["error"]
            continue
        text = row["text"].decode("utf-8") if isinstance(row["text"], bytes) else row["text"]
        assert set(rec["elements"]) == set(ELEMENTS)
        for el in rec["elements"].values():
            for ev in el["evidence"]:
                assert 0 <= ev["start"] <= ev["end"] <= len(text)
                assert ev["text"] == text[ev["start"]:ev["end"]]


@SETTINGS
@given(rows=ROWS)
def test_audit_rows_gives_one_valid_record_per_row_in_order(nlp, rows):
    records = audit_rows(nlp, rows)
    check_records(rows, records)


NAMES = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda n: not n.startswith("\ufeff") and n.strip() == n and "\x00" not in n)


@st.composite
def tables(draw: Any, surrogates: bool) -> tuple[list[str], str, str, list[list[str]]]:
    """Column names (the id and text columns among them, anywhere) and rows of text cells."""
    names = draw(st.lists(NAMES, min_size=2, max_size=5, unique=True))
    id_col, text_col = draw(st.permutations(names))[:2]
    cells = st.one_of(texts(surrogates), st.sampled_from(["", "0007", "1e5", "NA", "null"]))
    rows = draw(st.lists(st.lists(cells, min_size=len(names), max_size=len(names)), max_size=6))
    return names, id_col, text_col, rows


def _canon(row: dict[str, Any]) -> str:
    """A row as comparable text (NaN equals NaN, bytes by value)."""
    return json.dumps({k: v.hex() if isinstance(v, bytes) else v for k, v in row.items()}, sort_keys=True,
                      default=json_default)


def _read(path: Path, id_col: str, text_col: str) -> list[dict[str, Any]]:
    src = open_source(str(path), id_col, text_col)
    return list(src.rows())


@SETTINGS
@given(table=tables(surrogates=False), quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_csv_reader_keeps_every_row_and_cell_whatever_the_quoting(nlp, tmp_path_factory, table, quoting, encoding):
    names, id_col, text_col, rows = table
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, quoting=quoting).writerows([names, *rows])
    got = _read(path, id_col, text_col)  # the columns are there: the reader must not refuse
    assert len(got) == len(rows)
    for row, cells in zip(got, rows):
        want = cells[names.index(text_col)]
        assert row["text"] == (want if want != "" else None)
        assert row["note_id"] == (cells[names.index(id_col)] or None)
    check_records(got, audit_chunk(nlp, got))


@SETTINGS
@given(table=tables(surrogates=True), junk=st.lists(st.sampled_from(["{", "[1]", "null", "\"x\"", "", "{\"a\": }"]), max_size=3))
def test_jsonl_reader_gives_a_row_per_line_and_an_error_row_per_bad_line(nlp, tmp_path_factory, table, junk):
    names, id_col, text_col, rows = table
    objs = [dict(zip(names, r)) for r in rows]
    lines = [json.dumps(o) for o in objs]  # ASCII: lone surrogates travel as \ud800 escapes
    lines[1:1] = junk
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        got = _read(path, id_col, text_col)
    except InputError as exc:
        assert not objs and "JSON object" in str(exc)  # junk alone is not JSONL
        return
    expected = [to_row(o, id_col, text_col) for o in objs]
    good = [r for r in got if "_error" not in r]
    assert len(good) == len(objs) and len(got) == len(objs) + sum(1 for j in junk if j.strip())
    assert [_canon(r) for r in good] == [_canon(r) for r in expected]
    check_records(got, audit_chunk(nlp, got))


def test_records_written_with_lone_surrogates_read_back(tmp_path, nlp):
    from auditor.io import JsonlWriter

    rows = [{"note_id": "a\ud800", "text": "b\udfff"}, {"note_id": "c", "text": "Pump refilled."}]
    w = JsonlWriter(str(tmp_path / "o.jsonl"))
    w.write(rows, audit_rows(nlp, rows))
    w.close()
    assert [r["note_id"] for r in read_records(tmp_path / "o.jsonl")] == ["a\ud800", "c"]
