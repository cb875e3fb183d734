"""Every input and output format round-trips through `auditor audit` with one record per note, in order."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditor.audit import audit_rows, flat_row
from auditor.elements import ELEMENTS
from auditor.io import complete_records, plain, to_row
from auditor.io import read_records as read_jsonl
from tests.run_fixtures import interrupt_after

REPO = Path(__file__).resolve().parents[1]
SAMPLE_COLUMNS = ["note_id", "text", "patient_id", "service_date", "author", "author_role", "payer", "billed_codes"]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _csv(path: Path, rows: list[dict[str, Any]], columns: list[str] = SAMPLE_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def _xlsx(path: Path, rows: list[dict[str, Any]], columns: list[str] = SAMPLE_COLUMNS) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) if r.get(c) != "" else None for c in columns])
    wb.save(path)
    return path


def _parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


WRITERS = {"csv": _csv, "jsonl": write_jsonl, "parquet": _parquet, "xlsx": _xlsx}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_input_format_gives_the_reference_records(fmt, tmp_path, cli, sample_rows, sample_records):
    src = WRITERS[fmt](tmp_path / f"notes.{fmt}", sample_rows)
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "--quiet")
    assert code == 0, err
    assert read_jsonl(tmp_path / "out.jsonl") == sample_records


def test_txt_folder_uses_file_stems_as_ids_in_name_order(tmp_path, cli, nlp, sample_rows):
    folder = tmp_path / "notes"
    folder.mkdir()
    for r in sample_rows[:5]:
        (folder / f"{r['note_id']}.txt").write_text(r["text"], encoding="utf-8")
    (folder / "ignored.md").write_text("not a note", encoding="utf-8")
    code, _, err = cli("audit", folder, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    got = read_jsonl(tmp_path / "out.jsonl")
    want_rows = sorted(({"note_id": r["note_id"], "text": r["text"]} for r in sample_rows[:5]), key=lambda r: r["note_id"])
    assert got == audit_rows(nlp, want_rows)


def test_stdin_to_stdout_streams_jsonl(monkeypatch, cli, sample_rows, sample_records):
    data = "".join(json.dumps(r) + "\n" for r in sample_rows[:6]).encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = cli("audit", "-", "--out", "-", "-q")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == sample_records[:6]


def test_csv_output_is_flat_rows(tmp_path, cli, sample_records):
    code, _, err = cli("audit", REPO / "samples" / "notes.csv", "--out", tmp_path / "out.csv", "-q")
    assert code == 0, err
    df = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == list(flat_row(sample_records[0]))
    assert df["note_id"].tolist() == [r["note_id"] for r in sample_records]
    for e in ELEMENTS:
        assert df[f"{e}_status"].tolist() == [r["elements"][e]["status"] for r in sample_records]
    assert [float(s) for s in df["score"]] == [r["score"] for r in sample_records]


def test_parquet_output_keeps_types_and_order_across_row_groups(tmp_path, cli, sample_rows, monkeypatch):
    import auditor.io

    monkeypatch.setattr(auditor.io.ParquetWriter.__init__, "__defaults__", (8,))  # row groups of 8 rows
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    for out in ("out.parquet", "out.jsonl"):  # same chunking: refill-interval checks see the same visits
        code, _, err = cli("audit", src, "--out", tmp_path / out, "-q", "--batch-size", "7")
        assert code == 0, err
    pf = pq.ParquetFile(tmp_path / "out.parquet")
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.metadata.num_row_groups)] == [14, 6]
    assert pf.schema_arrow.field("score").type == pa.float64()
    assert pf.schema_arrow.field("refill").type == pa.bool_()
    want = [{k: plain(v) for k, v in flat_row(r).items()} for r in read_jsonl(tmp_path / "out.jsonl")]
    assert pf.read().to_pylist() == want


def test_html_output_is_written_atomically(tmp_path, cli, sample_rows):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows[:3])
    out = tmp_path / "report.html"
    code, _, err = cli("audit", src, "--out", out, "-q")
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert all(r["note_id"] in page for r in sample_rows[:3])
    assert not Path(str(out) + ".partial").exists()


def test_renamed_columns_and_numeric_ids(tmp_path, cli, sample_rows):
    rows = [{"NOTE_ID": 1000 + i, "NOTE_TEXT": r["text"]} for i, r in enumerate(sample_rows[:3])]
    src = write_jsonl(tmp_path / "export.jsonl", rows)
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "--id-col", "NOTE_ID", "--text-col", "NOTE_TEXT", "-q")
    assert code == 0, err
    assert [r["note_id"] for r in read_jsonl(tmp_path / "out.jsonl")] == [1000, 1001, 1002]


def test_csv_ids_stay_text_with_leading_zeros(tmp_path, cli, sample_rows):
    rows = [{"note_id": f"00{i}", "text": r["text"]} for i, r in enumerate(sample_rows[:2])]
    src = _csv(tmp_path / "in.csv", rows, ["note_id", "text"])
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    assert [r["note_id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["000", "001"]


def test_empty_none_and_binary_notes_each_get_an_error_record_in_order(tmp_path, cli, sample_rows):
    good = sample_rows[0]["text"]
    rows = [
        {"note_id": "a", "text": good},
        {"note_id": "b", "text": None},
        {"note_id": "c", "text": "   "},
        {"note_id": "d", "text": b"\xff\xfe\x00binary"},
        {"note_id": "e", "text": good, "payer": float("nan")},
    ]
    src = _parquet(tmp_path / "in.parquet", [{**r, "payer": None} for r in rows])
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    recs = read_jsonl(tmp_path / "out.jsonl")
    assert [r["note_id"] for r in recs] == list("abcde")
    assert [r["error"] is None for r in recs] == [True, False, False, False, True]
    assert recs[1]["error"] == recs[2]["error"] == "empty text"
    assert "UTF-8" in recs[3]["error"]
    assert all(r["score"] is None for r in recs if r["error"])


def test_undecodable_csv_cell_and_txt_file_fail_only_their_note(tmp_path, cli, sample_rows):
    # UTF-8 files (they hold valid multi-byte characters) with one broken cell / file: only that note fails
    text = sample_rows[0]["text"].replace('"', "'") + " 5 \u00b5g"
    raw = ('note_id,text\nok,"' + text + '"\nbad,"caf').encode("utf-8") + b"\xe9 latin-1\"\nempty,\n"
    (tmp_path / "in.csv").write_bytes(raw)
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_bytes("caf\u00e9 ".encode("utf-8") + b"\xff bad bytes")
    code, _, err = cli("audit", tmp_path / "in.csv", folder, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    recs = read_jsonl(tmp_path / "out.jsonl")
    assert [r["note_id"] for r in recs] == ["ok", "bad", "empty", "a", "b"]
    assert [bool(r["error"]) for r in recs] == [False, True, True, False, True]
    assert "UTF-8" in recs[1]["error"] and "UTF-8" in recs[4]["error"]


def test_jsonl_line_that_is_not_json_gets_its_own_error_record(tmp_path, cli, sample_rows):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(sample_rows[0]) + "\n{not json\n" + json.dumps(sample_rows[1]) + "\n", encoding="utf-8")
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    recs = read_jsonl(tmp_path / "out.jsonl")
    assert [r["note_id"] for r in recs] == [sample_rows[0]["note_id"], None, sample_rows[1]["note_id"]]
    assert recs[1]["error"] == f"{src} line 2 is not a JSON object"


def test_duplicate_ids_get_a_record_each_and_a_warning(tmp_path, cli, sample_rows):
    rows = [sample_rows[0], sample_rows[1], sample_rows[0], sample_rows[0]]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 4
    assert "warning: 2 notes repeat an earlier note_id" in err


def test_xlsx_numbers_and_dates_become_text_meta(tmp_path, cli, sample_rows):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["note_id", "text", "service_date", "billed_codes", "patient_id"])
    ws.append([7, sample_rows[0]["text"], dt.datetime(2026, 3, 2), 95990, 17])
    wb.save(tmp_path / "in.xlsx")
    code, _, err = cli("audit", tmp_path / "in.xlsx", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    (rec,) = read_jsonl(tmp_path / "out.jsonl")
    assert rec["note_id"] == 7
    assert rec["input"] == {"service_date": "2026-03-02", "billed_codes": "95990", "patient_id": "17"}




def test_resume_appends_the_rest_after_a_torn_partial(tmp_path, cli, sample_rows, sample_records, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", out, "--batch-size", "7", "-q")[0] == 130
    monkeypatch.undo()
    with open(str(out) + ".partial", "a", encoding="utf-8") as fh:
        fh.write('{"note_id": "torn')
    code, _, err = cli("audit", src, "--out", out, "--resume")
    assert code == 0, err
    assert "resuming after 7 records" in err
    assert read_jsonl(out) == sample_records
    assert not Path(str(out) + ".partial").exists() and not Path(str(out) + ".partial.inputs").exists()


def test_resume_refuses_a_partial_from_another_input(tmp_path, cli, sample_rows, sample_records, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", out, "--batch-size", "3", "-q")[0] == 130
    monkeypatch.undo()
    write_jsonl(src, sample_rows[5:])
    code, _, err = cli("audit", src, "--out", out, "--resume", "-q")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "changed since the interrupted run" in err


def test_complete_records_counts_whole_lines_and_cuts_a_torn_tail(tmp_path):
    p = tmp_path / "x.jsonl.partial"
    p.write_bytes(b'{"note_id": "a"}\n{"note_id": 2}\n{"note_id": "c", "sc')
    assert complete_records(str(p)) == (2, 2)
    assert p.read_bytes() == b'{"note_id": "a"}\n{"note_id": 2}\n'


def test_interrupted_run_leaves_only_the_partial_file(tmp_path, cli, sample_rows, monkeypatch):
    import auditor.parallel as parallel

    real = parallel.audit_chunk
    calls = {"n": 0}

    def dies_on_second_chunk(nlp, rows, batch_size=50, **options):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(nlp, rows, batch_size, **options)

    monkeypatch.setattr(parallel, "audit_chunk", dies_on_second_chunk)
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    out = tmp_path / "out.jsonl"
    code, _, err = cli("audit", src, "--out", out, "--batch-size", "5", "-q")
    assert code == 130 and "--resume" in err
    assert not out.exists()
    assert len(read_jsonl(Path(str(out) + ".partial"))) == 5


def test_to_row_makes_values_json_plain():
    import datetime as dt

    import numpy as np

    row = to_row({"id": np.int64(5), "body": "x", "payer": np.nan, "service_date": pd.Timestamp("2026-01-02"),
                  "billed_codes": 95990.0, "other": "dropped"}, "id", "body")
    assert row == {"note_id": 5, "text": "x", "payer": None, "service_date": "2026-01-02", "billed_codes": "95990"}
    assert json.dumps(row)
    assert plain(dt.date(2026, 1, 2)) == "2026-01-02"
