"""Refill-interval findings are a property of the whole run, not of how `auditor audit` chunks it (issues 3, 5).

The gold notes of every patient with more than one visit (plus a few single
visits) are audited with different --batch-size and --n-process values, to
each output format, and resumed; every file output must equal one
`audit_rows` call over all the rows. Only `--out -` checks per chunk, as its
--help says.
"""
from __future__ import annotations

import collections
import csv
import json
import random
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import audit_rows
from auditor.checks import run_intervals, summary_of_record, visit_summary
from auditor.io import dumps, flat, read_records, row_digest, to_row

REPO = Path(__file__).resolve().parents[1]
INTERVAL_RULES = ("refill-interval-early", "refill-interval-exceeds-stability")
MSGPACK_HANG_KEYS = {"section", "modifier", "modifiers", "context_graph"}  # STACK_NOTES


def _interval_count(records: list[dict[str, Any]]) -> int:
    return sum(f["rule"] in INTERVAL_RULES for r in records for f in r.get("findings") or [])


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


MULTI_NOTES = 150


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    """Gold notes of multi-visit patients in gold order (their visits fall in different chunks), plus 5 single visits."""
    gold = [json.loads(line) for line in open(REPO / "annotations" / "gold.jsonl", encoding="utf-8") if line.strip()]
    visits = collections.Counter(n.get("patient_id") for n in gold)
    single = [n["note_id"] for n in gold if visits[n.get("patient_id")] == 1][:5]
    # whole patients, in gold order, up to MULTI_NOTES notes (the suite's time grows with the gold)
    patients: list[Any] = []
    for n in gold:
        pid = n.get("patient_id")
        if visits[pid] > 1 and pid not in patients and sum(visits[p] for p in patients) < MULTI_NOTES:
            patients.append(pid)
    chosen = [n for n in gold if n.get("patient_id") in patients or n["note_id"] in single]
    return [to_row(n, "note_id", "text") for n in chosen]


@pytest.fixture(scope="module")
def src(rows, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("intervals") / "notes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(nlp, rows) -> list[dict[str, Any]]:
    """One audit_rows call over every row (one call = one run), as a JSONL output holds it."""
    return [json.loads(dumps(r)) for r in audit_rows(nlp, rows)]


def test_the_subset_has_interval_findings_between_visits_in_different_chunks(rows, reference):
    assert _interval_count(reference) >= 5
    pid_chunks: dict[Any, set[int]] = collections.defaultdict(set)
    for i, r in enumerate(rows):
        pid_chunks[r.get("patient_id")].add(i // 5)
    flagged = {rows[i]["patient_id"] for i, r in enumerate(reference) if _interval_count([r])}
    assert any(len(pid_chunks[p]) > 1 for p in flagged)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("options", [("--batch-size", "5"), ("--batch-size", "1000"),
                                     ("--batch-size", "7", "--n-process", "2")], ids=["batch5", "batch1000", "2procs"])
def test_jsonl_findings_are_the_same_for_any_batch_size_and_worker_count(options, cli, src, tmp_path, reference):
    out = tmp_path / "out.jsonl"
    code, _, err = cli("audit", src, "--out", out, "-q", *options)
    assert code == 0, err
    assert read_records(out) == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no first pass or merge file left


def test_csv_parquet_and_html_outputs_carry_the_run_wide_interval_findings(cli, src, tmp_path, reference):
    import pyarrow.parquet as pq

    expected = [flat(r)["findings"] for r in reference]
    for name in ("out.csv", "out.parquet", "out.html"):
        code, _, err = cli("audit", src, "--out", tmp_path / name, "-q", "--batch-size", "5")
        assert code == 0, err
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as fh:
        assert [r["findings"] for r in csv.DictReader(fh)] == expected
    assert pq.read_table(tmp_path / "out.parquet").column("findings").to_pylist() == expected
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert all(rule in page for rule in INTERVAL_RULES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.html", "out.parquet"]


def _cut_between_visits(rows: list[dict[str, Any]], reference: list[dict[str, Any]]) -> int:
    """A cut near the middle with a patient's visit before it and that visit's interval finding after it,
    so the resumed run must recover the summary of a record it did not audit itself."""
    first: dict[Any, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(r.get("patient_id"), i)
    cuts = [first[rows[i]["patient_id"]] + 1 for i, rec in enumerate(reference)
            if _interval_count([rec]) and first[rows[i]["patient_id"]] < i]
    assert cuts, "the gold needs a patient whose later visit raises an interval finding"
    return min(cuts, key=lambda k: abs(k - len(rows) // 2))


def test_resume_recovers_the_summaries_of_records_already_written(nlp, cli, src, rows, tmp_path, reference):
    k = _cut_between_visits(rows, reference)
    out = tmp_path / "out.jsonl"
    first_pass = audit_rows(nlp, rows[:k], intervals=False)
    Path(str(out) + ".partial").write_text("".join(dumps(r) + "\n" for r in first_pass) + '{"note_id": "to',
                                           encoding="utf-8")
    Path(str(out) + ".partial.inputs").write_text("".join(row_digest(r) + "\n" for r in rows[:k]), encoding="ascii")
    code, _, err = cli("audit", src, "--out", out, "--resume", "--batch-size", "5")
    assert code == 0, err
    assert f"resuming after {k} records" in err
    assert read_records(out) == reference


def test_resume_after_an_interrupted_interval_pass_finishes_it(nlp, cli, src, rows, tmp_path, reference):
    out = tmp_path / "out.jsonl"
    Path(str(out) + ".partial").write_text("".join(dumps(r) + "\n" for r in audit_rows(nlp, rows, intervals=False)),
                                           encoding="utf-8")
    Path(str(out) + ".partial.inputs").write_text("".join(row_digest(r) + "\n" for r in rows), encoding="ascii")
    Path(str(out) + ".merging").write_text('{"note_id": "half a merge', encoding="utf-8")
    code, _, err = cli("audit", src, "--out", out, "--resume", "-q")
    assert code == 0, err
    assert read_records(out) == reference
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_stdout_checks_intervals_only_within_each_chunk_as_help_says(nlp, cli, src, rows, reference):
    code, out, err = cli("audit", src, "--out", "-", "-q", "--batch-size", "1000")
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == reference
    code, out, err = cli("audit", src, "--out", "-", "-q", "--batch-size", "5")
    assert code == 0, err
    per_chunk = [json.loads(dumps(r)) for i in range(0, len(rows), 5) for r in audit_rows(nlp, rows[i:i + 5])]
    got = [json.loads(line) for line in out.splitlines()]
    assert got == per_chunk
    assert [r["findings"] for r in got] != [r["findings"] for r in reference]  # chunks see other neighbours
    code, out, _ = cli("audit", "--help")
    assert code == 0 and "same --batch-size chunk" in " ".join(out.split())


def test_audit_rows_without_intervals_keeps_per_note_findings_and_claim_summary(nlp, rows, reference):
    got = [json.loads(dumps(r)) for r in audit_rows(nlp, rows, intervals=False)]
    assert _interval_count(got) == 0
    stripped = [dict(r, findings=[f for f in r["findings"] if f["rule"] not in INTERVAL_RULES]) for r in reference]
    assert got == stripped


def test_visit_summary_is_small_plain_json_and_what_the_record_carries(nlp, rows, reference):
    from auditor.audit import META_COLUMNS

    records = audit_rows(nlp, rows, intervals=False)
    made = 0
    for row, rec, stored in zip(rows, records, reference):
        summary = visit_summary(rec, {c: row.get(c) for c in META_COLUMNS}, row["text"])
        assert summary == summary_of_record(stored)  # read back from a JSONL record, as --resume does
        encoded = json.dumps(summary)
        assert len(encoded) < 1500 and not _keys(summary) & MSGPACK_HANG_KEYS
        made += summary["refill"] and summary["patient_id"] is not None
    assert made >= 50


def test_run_intervals_does_not_depend_on_the_order_of_summaries(reference):
    pairs = [(i, summary_of_record(r)) for i, r in enumerate(reference)]
    expected = run_intervals(pairs)
    assert sum(len(v) for v in expected.values()) == _interval_count(reference)
    shuffled = pairs[:]
    random.Random(7).shuffle(shuffled)
    assert run_intervals(shuffled) == expected
