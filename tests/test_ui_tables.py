from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from auditor.io import open_source
from auditor.ui.tables import (
    TableError, guess_mapping, human_frame, neutralise, read_table, records_jsonl, results_frame, rows_from_frame,
    rows_from_upload,
    to_csv_bytes, to_excel_bytes,
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
    assert to_csv_bytes(df).startswith("\ufeffnote_id,score".encode())


CLI_FRAME = pd.DataFrame({
    "note_id": pd.array([101, 102, None], dtype="Int64"),
    "text": ["note one", "note two", "note three"],
    "patient_id": pd.array([5, None, 7], dtype="Int64"),
    "service_date": pd.to_datetime(["2025-01-02", "2025-02-03", None]),
    "billed_codes": ["95990", "=1+1", None],
})


def _write(fmt: str, path: Path) -> None:
    if fmt == "parquet":
        CLI_FRAME.to_parquet(path)
    elif fmt == "csv":
        CLI_FRAME.to_csv(path, index=False)
    elif fmt == "xlsx":
        CLI_FRAME.to_excel(path, index=False)
    else:
        path.write_text(CLI_FRAME.to_json(orient="records", lines=True, date_format="iso"), encoding="utf-8")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx", "jsonl"])
def test_the_workbench_reads_an_export_exactly_as_the_cli_does(fmt: str, tmp_path: Path) -> None:
    """Issue 9: one Parquet gave note_id '101', patient_id '5.0', service_date '2025-01-02 00:00:00' in the UI."""
    path = tmp_path / f"export.{fmt}"
    _write(fmt, path)
    cli = list(open_source(str(path)).rows())
    data = path.read_bytes()
    ui = rows_from_upload(path.name, data, read_table(path.name, data), guess_mapping(list(CLI_FRAME.columns)))
    assert [{k: v for k, v in r.items() if v is not None} for r in ui] == \
        [{k: v for k, v in r.items() if v is not None} for r in cli]
    if fmt == "parquet":
        assert ui[0]["note_id"] == 101 and ui[0]["patient_id"] == "5" and ui[0]["service_date"] == "2025-01-02"


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised_in_csv_and_excel(cell: str) -> None:
    """Issue 13 item 2 (OWASP CSV injection): a leading quote, and no formula is stored in Excel."""
    from openpyxl import load_workbook

    df = pd.DataFrame({"Note": [cell], "Score": [0.5]})
    assert neutralise(cell) == "'" + cell
    import csv

    assert list(csv.reader(io.StringIO(to_csv_bytes(df).decode("utf-8-sig"), newline="")))[1][0] == "'" + cell
    ws = load_workbook(io.BytesIO(to_excel_bytes(df))).active
    # (XML stores a carriage return as a line feed)
    assert ws["A2"].value == ("'" + cell).replace("\r", "\n") and ws["A2"].data_type == "s"
    assert ws["B2"].value == 0.5  # numbers stay numbers


def test_excel_download_has_a_frozen_filterable_header() -> None:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(to_excel_bytes(FRAME))).active
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"


def test_the_shown_table_uses_human_labels_and_carries_dates_codes_and_messages() -> None:
    rec = record({"dose_response": "met", "reassessment": "partial"}, note_id="a")
    rec["findings"] = [{"rule": "drug-jw-jz-missing", "severity": "error", "message": "J2274x5 has neither JW nor JZ",
                        "facts": {"codes": "J2274x5"}}]
    df = human_frame(results_frame([rec], [{"patient_id": "5", "service_date": "2025-01-02", "billed_codes": "95990"}]))
    row = df.iloc[0].to_dict()
    assert row["Dose response"] == "Met" and row["Reassessment"] == "Partial" and row["Drug purchase"] == "N/A"
    assert row["Patient"] == "5" and row["Service date"] == "2025-01-02" and row["Billed codes"] == "95990"
    assert row["Findings"] == "J2274x5 has neither JW nor JZ [J2274x5]"
    assert "None" not in df.astype(str).values and not any("_status" in c for c in df.columns)


def test_records_download_is_the_jsonl_auditor_tipsheet_reads(tmp_path: Path) -> None:
    from auditor.report.tipsheet import read_records, summarise

    rec = record({"dose_response": "missing"}, note_id="a")
    rec["input"] = {"author": "Dr A"}
    path = tmp_path / "audit.jsonl"
    path.write_bytes(records_jsonl([rec, record(note_id="b")]))
    summary = summarise(read_records(path), by="author")
    assert summary["notes"] == 2 and "Dr A" in summary["groups"]


def test_upload_mapping_renames_drops_and_numbers_like_the_form_says() -> None:
    df = pd.DataFrame({"Text": ["a", "b"], "Author Name": ["Ann", "=Bob"], "payer": ["medicare", "x"]})
    data = df.to_csv(index=False).encode()
    rows = rows_from_upload("x.csv", data, read_table("x.csv", data),
                            {"note_id": None, "text": "Text", "author": "Author Name", "payer": None})
    assert rows == [{"note_id": "row-1", "text": "a", "author": "Ann"}, {"note_id": "row-2", "text": "b", "author": "=Bob"}]


def test_a_bad_jsonl_line_becomes_its_own_error_row_naming_the_upload() -> None:
    data = b'{"note_id": "a", "text": "x"}\nnot json\n{"note_id": "b", "text": "y"}\n'
    rows = rows_from_upload("e.jsonl", data, read_table("e.jsonl", data), {"note_id": "note_id", "text": "text"})
    assert [r["note_id"] for r in rows] == ["a", "(line 2)", "b"]
    assert rows[1]["_error"] == "e.jsonl line 2 is not a JSON object"


def test_nothing_of_the_upload_is_left_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    seen: list[str] = []
    real = tempfile.TemporaryDirectory

    def spy(*a, **k):  # noqa: ANN002, ANN003
        d = real(*a, **k)
        seen.append(d.name)
        return d

    monkeypatch.setattr(tempfile, "TemporaryDirectory", spy)
    data = FRAME.to_csv(index=False).encode()
    rows_from_upload("x.csv", data, read_table("x.csv", data), {"note_id": "NOTE_ID", "text": "NOTE_TEXT"})
    assert seen and not any(Path(d).exists() for d in seen)
