"""The Spark engine gives the local engine's records, one per note, in input order (issue 5).

One local[2] session for the module; each Python worker builds the pipeline
once, so the module costs roughly: JVM start ~5 s, worker builds ~3 s, audits.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs a Java runtime (Debian's default-jre-headless; .ci/run installs it)", allow_module_level=True)

from auditor.audit import audit_rows  # noqa: E402
from auditor.engines import spark as engine  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.timeout(240),
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

GOLD = Path(__file__).resolve().parent.parent / "annotations" / "gold.jsonl"
ROW_KEYS = ("note_id", "text", "patient_id", "service_date", "author", "author_role", "payer", "billed_codes")


MULTI_VISIT = ("P-D101", "P-5101", "P-AC01", "P-C102", "P-AC02", "P-5103")  # dev patients with refill-interval findings


def _dev_rows(n: int = 20) -> list[dict[str, Any]]:
    """n dev notes: every visit of the multi-visit patients above, then the first others, in file order."""
    with open(GOLD, encoding="utf-8") as fh:
        dev = [json.loads(line) for line in fh if line.strip()]
    dev = [{k: note.get(k) or None for k in ROW_KEYS} for note in dev if note.get("split") == "dev"]
    multi = [r for r in dev if r["patient_id"] in MULTI_VISIT]
    others = [r["note_id"] for r in dev if r not in multi][: n - len(multi)]
    keep = {r["note_id"] for r in multi} | set(others)
    return [r for r in dev if r["note_id"] in keep]


def _frame(spark: Any, rows: list[dict[str, Any]], partitions: int) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(k, StringType(), True) for k in ROW_KEYS])
    return spark.createDataFrame([tuple(r.get(k) for k in ROW_KEYS) for r in rows], schema).repartition(partitions)


def _plain(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as a JSON writer would store them (tuples become lists)."""
    return [json.loads(json.dumps(r, default=str)) for r in records]


@pytest.fixture(scope="module")
def spark() -> Any:
    s = engine.session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def dev_rows() -> list[dict[str, Any]]:
    return _dev_rows(20)


def test_spark_records_equal_local_records_on_dev_notes(spark: Any, nlp: Any, dev_rows: list[dict[str, Any]]) -> None:
    audited = engine.audit_dataframe(_frame(spark, dev_rows, 5)).collect()
    by_id = {r["note_id"]: json.loads(r["record"]) for r in audited}
    local = _plain(audit_rows(nlp, dev_rows))
    assert len(audited) == len(dev_rows) == 20
    assert [by_id[r["note_id"]] for r in local] == local
    row = next(r for r in audited if r["note_id"] == local[0]["note_id"])
    assert row["score"] == local[0]["score"]
    assert row["pump_status_status"] == local[0]["elements"]["pump_status"]["status"]


def test_refill_intervals_are_checked_across_input_partitions(spark: Any, nlp: Any,
                                                              dev_rows: list[dict[str, Any]]) -> None:
    def intervals(recs: list[dict[str, Any]]) -> dict[str, list[str]]:
        return {r["note_id"]: sorted(f["rule"] for f in r["findings"] if f["rule"].startswith("refill-interval"))
                for r in recs}

    spread = engine.audit_dataframe(_frame(spark, dev_rows, 7), partitions=6).collect()
    got = intervals([json.loads(r["record"]) for r in spread])
    want = intervals(audit_rows(nlp, dev_rows))
    assert sum(bool(v) for v in want.values()) >= 3, "the dev sample should hold early refills"
    assert got == want


def test_partition_with_failing_notes_yields_a_record_for_every_note(spark: Any, dev_rows: list[dict[str, Any]]) -> None:
    bad = [{"note_id": "empty", "text": ""}, {"note_id": "none", "text": None}, {"note_id": "blank", "text": "  \n "}]
    rows = dev_rows[:3] + bad + dev_rows[3:5]
    audited = engine.audit_dataframe(_frame(spark, rows, 1), partitions=1).collect()
    got = {r["note_id"]: r for r in audited}
    assert sorted(got) == sorted(r["note_id"] for r in rows)
    for nid in ("empty", "none", "blank"):
        assert got[nid]["error"] == "empty text"
        assert got[nid]["score"] is None
        assert json.loads(got[nid]["record"])["error"] == "empty text"
    assert all(got[r["note_id"]]["error"] is None for r in dev_rows[:5])


def test_pipeline_is_built_once_per_python_worker_across_partitions(spark: Any) -> None:
    def builds_in_worker(batches: Any) -> Any:  # nested: pickled by value into the worker
        import os

        import pandas as pd

        from auditor.engines import spark as worker_engine

        for pdf in batches:
            worker_engine._worker_nlp()
            worker_engine._worker_nlp()
            yield pd.DataFrame({"pid": [os.getpid()] * len(pdf), "builds": [worker_engine.BUILDS] * len(pdf)})

    seen = spark.range(0, 12, numPartitions=6).mapInPandas(builds_in_worker, "pid long, builds long").collect()
    assert len(seen) == 12
    assert {r["builds"] for r in seen} == {1}, "a worker built the pipeline more than once"
    assert len({r["pid"] for r in seen}) <= 2, "local[2] should reuse its two Python workers for six partitions"


def test_run_cli_reads_parquet_and_writes_parquet_in_input_order(spark: Any, nlp: Any, tmp_path: Path,
                                                                  dev_rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    rows = dev_rows[:12]
    src = tmp_path / "notes.parquet"
    pd.DataFrame(rows).to_parquet(src)
    out = tmp_path / "audit.parquet"
    assert engine.run_cli([str(src)], str(out), "note_id", "text", False) == 0
    got = pd.read_parquet(out)
    local = audit_rows(nlp, rows)
    assert list(got["note_id"]) == [r["note_id"] for r in rows]
    assert list(got["findings"]) == [";".join(f["rule"] for f in r["findings"]) for r in local]
    assert list(got["reassessment_status"]) == [r["elements"]["reassessment"]["status"] for r in local]
    assert got["score"].tolist() == pytest.approx([r["score"] for r in local])
    assert "record" not in got.columns


def test_run_cli_writes_jsonl_records_in_input_order_from_csv_with_renamed_columns(
        spark: Any, tmp_path: Path, dev_rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    rows = dev_rows[:10]
    frame = pd.DataFrame({"NOTE_ID": [r["note_id"] for r in rows], "NOTE_TEXT": [r["text"] for r in rows],
                          "author_role": [r["author_role"] for r in rows]})
    src = tmp_path / "export.csv"
    frame.to_csv(src, index=False)  # notes hold newlines: quoted multi-line fields
    out = tmp_path / "audit.jsonl"
    assert engine.run_cli([str(src)], str(out), "NOTE_ID", "NOTE_TEXT", False) == 0
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["note_id"] for r in recs] == [r["note_id"] for r in rows]
    assert all(r["error"] is None and set(r["elements"]) >= {"pump_status", "drug_cost"} for r in recs)


def test_run_cli_refuses_existing_output_without_force(spark: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "audit.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    assert engine.run_cli([str(tmp_path / "x.csv")], str(out), "note_id", "text", False) == 2
    assert "use --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_run_cli_reports_missing_text_column_in_one_line(spark: Any, tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "notes.jsonl"
    src.write_text(json.dumps({"note_id": "a", "body": "x"}) + "\n", encoding="utf-8")
    assert engine.run_cli([str(src)], str(tmp_path / "o.jsonl"), "note_id", "text", False) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no column 'text'" in err[0]


def test_run_cli_jsonl_records_equal_the_local_engine_for_bad_lines_and_nested_meta(
        spark: Any, tmp_path: Path, dev_rows: list[dict[str, Any]], cli: Any) -> None:
    rows = [dict(r) for r in dev_rows[:4]]
    rows[1]["author"] = {"name": "Dr A", "npi": 123}  # non-scalar meta
    rows[2]["billed_codes"] = ["95990", "J2274x5"]
    rows[3]["note_id"] = 7  # an id's JSON type is kept
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "{this is not json")
    lines.insert(4, '{"note_id": "s", "text": "a\\ud800b"}')
    src = tmp_path / "notes.jsonl"
    src.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    assert engine.run_cli([str(src)], str(tmp_path / "spark.jsonl"), "note_id", "text", False) == 0
    code, _, err = cli("audit", src, "--out", tmp_path / "local.jsonl", "-q")
    assert code == 0, err
    assert (tmp_path / "spark.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
