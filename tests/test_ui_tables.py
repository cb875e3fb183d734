from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from auditor.ui.tables import (
    TableError, guess_mapping, read_table, results_frame, rows_from_frame, to_csv_bytes,
    to_excel_bytes,
)
from tests.ui_fixtures import record

FRAME = pd.DataFrame({"NOTE_ID": ["a", "b"], "NOTE_TEXT": ["note one", "note two"], "Author Role": ["RN", "MD"]})


@pytest.mark.parametrize("name,data", [
    ("x.csv", FRAME.to_csv(index=False).encode()),
    ("x.jsonl", "\n".join(json.dumps(r) for r in FRAME.to_dict(orient="records")).encode()),
    ("x.xlsx", to_excel_bytes(FRAME)),
])
def test_each_supported_format_reads_from_bytes(name: str, data: bytes) -> None:
    df = read_table(name, data)
    assert list(df["NOTE_TEXT"]) == ["note one", "note two"]


def test_parquet_reads_from_bytes() -> None:
    buf = io.BytesIO()
    FRAME.to_parquet(buf)
    assert len(read_table("x.parquet", buf.getvalue())) == 2


@pytest.mark.parametrize("name,data,says", [
    ("x.csv", b"", "is empty"),
    ("x.csv", b"  \n", "is empty"),
    ("x.xlsx", b"this is not a workbook", "could not be read"),
    ("x.parquet", b"PK\x03\x04 garbage", "could not be read"),
    ("x.jsonl", b"not json at all", "could not be read"),
    ("x.pdf", b"%PDF-1.4", "not a CSV"),
    ("x.csv", b"only_a_header\n", "holds no rows"),
])
def test_unusable_uploads_raise_one_readable_error(name: str, data: bytes, says: str) -> None:
    with pytest.raises(TableError, match=says):
        read_table(name, data)


def test_export_column_names_are_guessed() -> None:
    m = guess_mapping(list(FRAME.columns))
    assert m["note_id"] == "NOTE_ID" and m["text"] == "NOTE_TEXT" and m["author_role"] == "Author Role"
    assert m["payer"] is None


def test_rows_use_contract_names_and_row_numbers_when_no_id() -> None:
    rows = rows_from_frame(FRAME, {"note_id": None, "text": "NOTE_TEXT", "author_role": "Author Role"})
    assert rows[0] == {"note_id": "row-1", "text": "note one", "author_role": "RN"}


def test_missing_text_column_is_an_error() -> None:
    with pytest.raises(TableError, match="No text column"):
        rows_from_frame(FRAME, {"note_id": "NOTE_ID", "text": None})


def test_duplicate_ids_are_an_error() -> None:
    df = pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]})
    with pytest.raises(TableError, match="duplicate"):
        rows_from_frame(df, {"note_id": "id", "text": "text"})


def test_results_frame_carries_author_payer_and_discount_count() -> None:
    recs = [record({"dose_response": "met"}, note_id="a", discounted=True), record(note_id="b")]
    df = results_frame(recs, [{"author": "Ann", "payer": "medicare"}, {}])
    assert list(df["author"].fillna("")) == ["Ann", ""]
    assert list(df["discounted"]) == [1, 0]
    assert df.loc[0, "dose_response_status"] == "met"
    assert to_csv_bytes(df).startswith(b"note_id,score")
