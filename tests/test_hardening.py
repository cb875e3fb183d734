"""Issue 13: nothing lost, nothing leaked, nothing stalls, for the inputs and accidents of real exports."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from auditor.io import read_records as read_jsonl
from tests.run_fixtures import interrupt_after

REPO = Path(__file__).resolve().parents[1]
COLUMNS = ["note_id", "text", "patient_id", "service_date", "author", "author_role", "payer", "billed_codes"]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8", columns: list[str] = COLUMNS) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, lines
    return lines[0]




# --------------------------------------------------------------------------- 1. lone surrogates


def test_lone_surrogate_in_a_jsonl_note_gets_an_error_record_and_resume_passes_it(tmp_path, cli, sample_rows, monkeypatch):
    rows = [json.dumps(r) for r in sample_rows[:4]]
    rows.insert(2, '{"note_id": "s", "text": "a\\ud800b pump refilled"}')
    rows.insert(3, '{"note_id": "id\\udfff", "text": "Pump refilled with 20 mL."}')
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", out, "--batch-size", "2", "-q")[0] == 130
    monkeypatch.undo()
    code, _, err = cli("audit", src, "--out", out, "--resume", "-q")
    assert code == 0, err
    recs = read_jsonl(out)
    assert [r["note_id"] for r in recs] == [sample_rows[0]["note_id"], sample_rows[1]["note_id"], "s", "id\udfff",
                                             sample_rows[2]["note_id"], sample_rows[3]["note_id"]]
    assert "not valid Unicode" in recs[2]["error"] and recs[3]["error"] is None


def test_lone_surrogate_in_a_note_id_does_not_break_parquet_or_csv_output(tmp_path, cli, sample_rows):
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({**sample_rows[0], "note_id": "n\ud800"}) + "\n", encoding="utf-8")
    for suffix in ("parquet", "csv"):
        code, _, err = cli("audit", src, "--out", tmp_path / f"out.{suffix}", "-q")
        assert code == 0, err
    assert pq.read_table(tmp_path / "out.parquet").column("note_id").to_pylist() == ["n\\ud800"]


# --------------------------------------------------------------------------- 2. formula injection


HOSTILE_IDS = ["=HYPERLINK(\"http://x.example\",\"click\")", "+1+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_output_cells_cannot_run_as_formulas_but_parquet_keeps_raw_values(tmp_path, cli, sample_rows):
    import pyarrow.parquet as pq

    rows = [{**sample_rows[i], "note_id": nid} for i, nid in enumerate(HOSTILE_IDS)] + [sample_rows[9]]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    assert cli("audit", src, "--out", tmp_path / "out.csv", "-q")[0] == 0
    assert cli("audit", src, "--out", tmp_path / "out.parquet", "-q")[0] == 0
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        cells = list(csv.DictReader(fh))
    assert [c["note_id"] for c in cells] == ["'" + i for i in HOSTILE_IDS] + [sample_rows[9]["note_id"]]
    for cell in (v for c in cells for v in c.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert pq.read_table(tmp_path / "out.parquet").column("note_id").to_pylist() == [r["note_id"] for r in rows]


# --------------------------------------------------------------------------- 3. no cell on stderr


SECRET = "Jane Q Doe reports her pump alarm woke her at night"


def test_column_errors_of_a_headerless_export_never_show_a_cell(tmp_path, cli):
    from openpyxl import Workbook

    (tmp_path / "h.csv").write_text(f'n001,"{SECRET}",P0042\nn002,"another note text here",P0043\n', encoding="utf-8")
    wb = Workbook()
    wb.active.append(["n001", SECRET, "P0042"])
    wb.save(tmp_path / "h.xlsx")
    for name, extra in (("h.csv", ()), ("h.xlsx", ()), ("h.csv", ("--text-col", "NOTE_TEXT"))):
        code, out, err = cli("audit", tmp_path / name, "--out", tmp_path / "o.jsonl", *extra)
        line = one_line(err)
        assert code == 2 and SECRET not in err and "Jane" not in err and "P0042" not in err and "n001" not in err
        assert "3 columns found" in line and "column 2 does not look like a name" in line


def test_column_errors_name_header_cells_that_look_like_names(tmp_path, cli):
    (tmp_path / "in.csv").write_text("NOTE_ID,NOTE_TEXT\nn1,text\n", encoding="utf-8")
    code, _, err = cli("audit", tmp_path / "in.csv", "--out", tmp_path / "o.jsonl")
    assert code == 2 and "columns found: NOTE_ID, NOTE_TEXT" in one_line(err)


# --------------------------------------------------------------------------- 5. resume fingerprint


def _edit_delete_insert(rows):
    return [rows[0], rows[2], rows[3], {**rows[1], "note_id": "new"}, *rows[4:]]


def _edit_swap(rows):
    return [rows[1], rows[0], *rows[2:]]


def _edit_text(rows):
    return [rows[0], {**rows[1], "text": rows[1]["text"] + " Addendum."}, *rows[2:]]


def _edit_meta(rows):
    return [{**rows[0], "payer": "commercial"}, *rows[1:]]


@pytest.mark.parametrize("edit", [_edit_delete_insert, _edit_swap, _edit_text, _edit_meta],
                         ids=["delete-and-insert", "swap", "edited-text", "edited-meta"])
def test_resume_refuses_an_input_changed_before_the_resume_point(edit, tmp_path, cli, sample_rows, monkeypatch):
    rows = sample_rows[:12]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", out, "--batch-size", "5", "-q")[0] == 130
    monkeypatch.undo()
    write_jsonl(src, edit(rows))
    code, _, err = cli("audit", src, "--out", out, "--resume", "-q")
    assert code == 2 and "changed since the interrupted run" in one_line(err)
    assert not out.exists() and Path(str(out) + ".partial").exists()


def test_resume_of_an_unchanged_input_gives_the_uninterrupted_records(tmp_path, cli, sample_rows, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    assert cli("audit", src, "--out", tmp_path / "whole.jsonl", "-q")[0] == 0
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 2)
    assert cli("audit", src, "--out", out, "--batch-size", "4", "-q")[0] == 130
    monkeypatch.undo()
    assert cli("audit", src, "--out", out, "--resume", "-q")[0] == 0
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl", "whole.jsonl"]


# --------------------------------------------------------------------------- 6. a rerun keeps the partial


def test_plain_rerun_keeps_an_interrupted_partial_and_force_starts_over(tmp_path, cli, sample_rows, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    out = tmp_path / "out.jsonl"
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", out, "--batch-size", "5", "-q")[0] == 130
    monkeypatch.undo()
    partial = Path(str(out) + ".partial")
    before = partial.read_bytes()
    code, _, err = cli("audit", src, "--out", out, "-q")
    assert code == 2 and "use --resume to continue it or --force" in one_line(err)
    assert partial.read_bytes() == before
    assert cli("audit", src, "--out", out, "--force", "-q")[0] == 0
    assert len(read_jsonl(out)) == len(sample_rows) and not partial.exists()


def test_plain_rerun_of_an_interrupted_csv_output_is_refused_too(tmp_path, cli, sample_rows, monkeypatch):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows)
    interrupt_after(monkeypatch, 1)
    assert cli("audit", src, "--out", tmp_path / "out.csv", "--batch-size", "5", "-q")[0] == 130
    monkeypatch.undo()
    code, _, err = cli("audit", src, "--out", tmp_path / "out.csv", "-q")
    assert code == 2 and "use --force" in one_line(err)


# --------------------------------------------------------------------------- 7. one writer per output


def test_a_second_run_on_an_output_being_written_exits_2(tmp_path, cli, sample_rows):
    from auditor.io import OutputLock

    src = write_jsonl(tmp_path / "in.jsonl", sample_rows[:3])
    out = tmp_path / "out.jsonl"
    with OutputLock(str(out)):  # what a first run holds while it writes
        code, _, err = cli("audit", src, "--out", out, "-q")
        assert code == 2 and "another auditor run is writing it" in one_line(err)
        assert not out.exists() and not Path(str(out) + ".partial").exists()
    assert cli("audit", src, "--out", out, "-q")[0] == 0
    assert not Path(str(out) + ".lock").exists()


# --------------------------------------------------------------------------- 8. workers die with the parent


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry))
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_die_when_the_parent_is_killed(sig, tmp_path, sample_rows):
    src = write_jsonl(tmp_path / "in.jsonl", sample_rows * 40)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "auditor.cli", "audit", str(src), "--out", str(out), "-q",
                             "--n-process", "2", "--batch-size", "5"], env=env, stderr=subprocess.DEVNULL)
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            workers = [k for k in _children(proc.pid) if _alive(k)]
            if len(workers) >= 2:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(1.0)  # into their initializer: building the pipeline, the state that held 230 MB each
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        left = [w for w in workers if _alive(w)]
        for w in left:  # clean up before failing
            os.kill(w, signal.SIGKILL)
        assert not left, f"orphaned workers {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- 9. extra CSV fields


def test_unquoted_comma_in_a_last_text_column_is_joined_back(tmp_path, cli, sample_rows):
    text = sample_rows[0]["text"].replace('"', "'").replace("\n", " ")
    assert "," in text
    (tmp_path / "in.csv").write_text(f"note_id,text\na,{text}\nb,\"{text}\"\n", encoding="utf-8")
    code, _, err = cli("audit", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    a, b = read_jsonl(tmp_path / "out.jsonl")
    assert a["error"] is None and {**a, "note_id": "b"} == b


def test_unquoted_comma_before_the_last_column_is_an_error_record_never_a_cut(tmp_path, cli, sample_rows):
    text = "Pump refilled, 20 mL added, alarm set"
    (tmp_path / "in.csv").write_text(f'note_id,text,author\na,{text},Dr A\nb,"{text}",Dr B\n', encoding="utf-8")
    code, _, err = cli("audit", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    a, b = read_jsonl(tmp_path / "out.jsonl")
    assert a["note_id"] == "a" and a["score"] is None
    assert "row 1 (line 2) has 5 fields where the header has 3" in a["error"] and "Pump" not in a["error"]
    assert b["error"] is None


# --------------------------------------------------------------------------- 10. encodings


def _legacy_rows(sample_rows):
    return [{**r, "text": r["text"] + " Patient\u2019s dose 5 \u00b5g \u2013 \u201cno change\u201d."} for r in sample_rows[:6]]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_csv_exports_in_real_encodings_give_the_utf8_records(encoding, tmp_path, cli, sample_rows):
    rows = _legacy_rows(sample_rows)
    assert cli("audit", write_jsonl(tmp_path / "ref.jsonl", rows), "--out", tmp_path / "ref.out.jsonl", "-q")[0] == 0
    src = write_csv(tmp_path / "in.csv", rows, encoding=encoding)
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    assert read_jsonl(tmp_path / "out.jsonl") == read_jsonl(tmp_path / "ref.out.jsonl")
    if encoding == "cp1252":
        assert "read as cp1252 (detected; use --encoding to override)" in one_line(err)
    elif encoding == "utf-16":
        assert "read as utf-16 (from its byte-order mark)" in one_line(err)
    else:
        assert err == ""


def test_txt_notes_in_cp1252_are_read_and_said_so(tmp_path, cli, sample_rows):
    rows = _legacy_rows(sample_rows)[:2]
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_bytes(rows[0]["text"].encode("cp1252"))
    (folder / "b.txt").write_text(rows[1]["text"], encoding="utf-8")
    code, _, err = cli("audit", folder, "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    recs = read_jsonl(tmp_path / "out.jsonl")
    assert [r["error"] for r in recs] == [None, None]
    assert "1 note read as cp1252" in one_line(err)


def test_encoding_option_overrides_detection_and_a_bad_name_exits_2(tmp_path, cli, sample_rows):
    src = write_csv(tmp_path / "in.csv", _legacy_rows(sample_rows)[:2], encoding="cp1252")
    code, _, err = cli("audit", src, "--out", tmp_path / "out.jsonl", "--encoding", "cp1252", "-q")
    assert code == 0 and "read as cp1252 (--encoding)" in err
    code, _, err = cli("audit", src, "--out", tmp_path / "o2.jsonl", "--encoding", "klingon", "-q")
    assert code == 2 and "not an encoding" in one_line(err)


# --------------------------------------------------------------------------- 11. sheets and folders


def test_every_sheet_with_the_columns_is_read_and_the_others_are_named(tmp_path, cli, sample_rows):
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "January"
    first.append(["note_id", "text"])
    first.append(["j1", sample_rows[0]["text"]])
    second = wb.create_sheet("February")
    second.append(["text", "note_id"])
    second.append([sample_rows[1]["text"], "f1"])
    lookup = wb.create_sheet("Lookup")
    lookup.append(["code", "meaning"])
    lookup.append(["95990", "refill"])
    wb.create_sheet("Empty")
    wb.save(tmp_path / "in.xlsx")
    code, _, err = cli("audit", tmp_path / "in.xlsx", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 0, err
    assert [r["note_id"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["j1", "f1"]
    assert "sheet 'Lookup' not read" in one_line(err)
    code, _, err = cli("audit", tmp_path / "in.xlsx", "--out", tmp_path / "feb.jsonl", "--sheet", "February", "-q")
    assert code == 0 and [r["note_id"] for r in read_jsonl(tmp_path / "feb.jsonl")] == ["f1"]
    code, _, err = cli("audit", tmp_path / "in.xlsx", "--out", tmp_path / "x.jsonl", "--sheet", "March", "-q")
    assert code == 2 and "no sheet 'March'" in one_line(err)


def test_folder_names_nested_notes_and_dangling_links_and_reads_them_with_recursive(tmp_path, cli, sample_rows):
    folder = tmp_path / "notes"
    (folder / "2026" / "march").mkdir(parents=True)
    (folder / "a.txt").write_text(sample_rows[0]["text"], encoding="utf-8")
    (folder / "2026" / "b.txt").write_text(sample_rows[1]["text"], encoding="utf-8")
    (folder / "2026" / "march" / "c.txt").write_text(sample_rows[2]["text"], encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    code, _, err = cli("audit", folder, "--out", tmp_path / "top.jsonl", "-q")
    assert code == 0
    assert [r["note_id"] for r in read_jsonl(tmp_path / "top.jsonl")] == ["a"]
    assert "2 .txt notes in subfolders not read (use --recursive)" in err and "1 .txt links point to no file" in err
    code, _, err = cli("audit", folder, "--out", tmp_path / "all.jsonl", "--recursive", "-q")
    assert code == 0
    assert [r["note_id"] for r in read_jsonl(tmp_path / "all.jsonl")] == ["a", "2026/b", "2026/march/c"]
    assert "subfolders" not in err


# --------------------------------------------------------------------------- 12. garbage JSONL


def test_all_garbage_jsonl_exits_2(tmp_path, cli):
    (tmp_path / "in.jsonl").write_text("this is not json\n<html>\n", encoding="utf-8")
    code, _, err = cli("audit", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 2 and "none of the first 2 lines is a JSON object" in one_line(err)
    assert not (tmp_path / "out.jsonl").exists()


def test_malformed_first_jsonl_line_still_gets_the_column_check(tmp_path, cli):
    (tmp_path / "in.jsonl").write_text('{broken\n{"note_id": "a", "body": "Pump refilled."}\n', encoding="utf-8")
    code, _, err = cli("audit", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "-q")
    assert code == 2 and "no column 'text'" in one_line(err)


def test_garbage_on_stdin_exits_2(monkeypatch, cli):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"garbage\nmore garbage\n")))
    code, out, err = cli("audit", "-", "--out", "-", "-q")
    assert code == 2 and out == "" and "is it JSONL" in one_line(err)


# --------------------------------------------------------------------------- 14. smaller


def test_tipsheet_escapes_hostile_author_names():
    from auditor.elements import ELEMENTS
    from auditor.report.tipsheet import render_markdown, summarise

    hostile = ["![x](http://evil.example/p.png)", "<script>alert(1)</script>", "[click](javascript:alert(1))",
               "a|b\nc", "=cmd|' /C calc'!A0"]
    recs = [{"note_id": i, "error": None, "input": {"author": who},
             "elements": {e: {"status": "missing", "evidence": []} for e in ELEMENTS}}
            for i, who in enumerate(hostile * 5)]
    md = render_markdown(summarise(recs), min_notes=1)
    assert "![x](" not in md and "<script>" not in md and "](javascript:" not in md
    import re

    by_author = md.split("## By author", 1)[1].split("##", 1)[0]
    table = [line for line in by_author.splitlines() if line.startswith("|")]
    cells = {len(re.split(r"(?<!\\)\|", line)) for line in table}
    assert len(table) == 2 + len(hostile) and len(cells) == 1  # header, rule, one row per author: no broken row


def test_reviews_folder_is_git_ignored():
    out = subprocess.run(["git", "check-ignore", "-q", "annotations/reviews/r.json"], cwd=REPO)
    assert out.returncode == 0
