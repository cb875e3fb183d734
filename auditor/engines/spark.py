"""Apache Spark engine: audit a DataFrame of notes with mapInPandas.

Why this shape:
- The pipeline is built once per Python worker process (a module-level cache,
  `_worker_nlp`); it is never broadcast and never built per row or per task.
  Spark reuses Python workers between tasks (`spark.python.worker.reuse`), so
  each worker pays the ~2 s build once.
- Only rows go in and only flat columns plus the record's JSON come out: no
  spaCy object crosses a process boundary.
- A note that fails gets an error record from `audit_rows`; a whole batch that
  fails (the pipeline cannot be built, say) gets one error record per row, so
  every input note always has an output row.
- Refill intervals are checked across the visits of one patient, so rows are
  hash-partitioned by `patient_id` and sorted by it inside each partition; a
  worker cuts its audit slices only where the patient changes, so every
  patient's visits reach the same `audit_rows` call, whatever the batching.
- Order: a row index from `monotonically_increasing_id()` is added right after
  reading; the writers persist the audited rows (so the sort's sampling pass
  does not audit twice), order by the index and check it while streaming.
- JSONL is read as lines and parsed by the local reader's own code
  (`auditor.io.to_row`), each row travelling as JSON text (`ROW_JSON`), so a
  line that is not JSON, a nested meta value, an id's JSON type or a lone
  surrogate give the records the local engine gives; Spark's own JSON reader
  would infer structs and drop bad lines into `_corrupt_record`.

Nothing here logs or prints note text.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from auditor.audit import META_COLUMNS, error_record
from auditor.elements import ELEMENTS

if TYPE_CHECKING:  # pyspark is an optional extra; import it lazily
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

ROW_INDEX = "_row"
ROW_JSON = "_row_json"  # a JSONL row as the local reader shaped it, as ASCII JSON (bytes as {"__bytes__": hex})
GROUP = "_patient_key"  # patient_id, or a per-note key when it is missing
RECORD = "record"
FLAT_COLUMNS: tuple[str, ...] = ("note_id", "score", *(f"{e}_status" for e in ELEMENTS), "findings",
                                 "performer_role", "refill", "error")
INPUT_SUFFIXES = (".csv", ".jsonl", ".json", ".parquet")
OUTPUT_SUFFIXES = (".jsonl", ".parquet")
SLICE = 500  # rows per audit_rows call in a worker (more when one patient has more visits)
BATCH_SIZE = 50  # nlp.pipe batch size (STACK_NOTES: ~50 balances work)

_RENEWING: Any = None  # this Python worker's auditor.pipeline.Renewing
BUILDS = 0  # how many times this process built its first pipeline (tests check it stays at 1 per worker)


class SparkInputError(Exception):
    """An input or output problem the user can fix; run_cli prints the one-line message and returns 2."""


# --------------------------------------------------------------------------- session


def configure_environment() -> None:
    """Local-only Spark: workers run this interpreter (so they see our packages), bound to 127.0.0.1."""
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"


def session(master: str = "local[2]", app_name: str = "pump-auditor") -> SparkSession:
    """The active SparkSession, or a new local one with no UI and no network beyond loopback."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    configure_environment()
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.python.worker.reuse", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --------------------------------------------------------------------------- worker side


def _worker_nlp(upcoming: int = 0) -> Any:
    """The pipeline of this Python worker, built on first use and kept for the worker's life
    (renewed every 20,000 notes, so a reused worker's vocabulary does not grow without end)."""
    global _RENEWING, BUILDS
    if _RENEWING is None:
        from auditor.pipeline import Renewing

        _RENEWING = Renewing()
        BUILDS += 1
    return _RENEWING.get(upcoming)


def _plain(value: Any) -> Any:
    """Arrow hands nulls over as None, NaN or pd.NA; the audit wants None."""
    try:
        import pandas as pd

        if value is not None and not isinstance(value, (list, dict, bytes)) and pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def _flat(rec: Mapping[str, Any]) -> dict[str, Any]:
    from auditor.io import flat

    return flat(rec)


def _dumps(rec: Mapping[str, Any]) -> str:
    from auditor.io import dumps

    return dumps(rec)


def encode_row(row: dict[str, Any]) -> str:
    """A reader's row as ASCII JSON text (lone surrogates escaped, bytes kept as hex), for Arrow to carry."""
    def keep(value: Any) -> Any:
        return {"__bytes__": bytes(value).hex()} if isinstance(value, (bytes, bytearray)) else value

    from auditor.io import json_default

    return json.dumps({k: keep(v) for k, v in row.items()}, ensure_ascii=True, default=json_default)


def decode_row(text: str) -> dict[str, Any]:
    """The row `encode_row` wrote."""
    row = json.loads(text)
    for k, v in row.items():
        if isinstance(v, dict) and set(v) == {"__bytes__"}:
            row[k] = bytes.fromhex(v["__bytes__"])
    return row


def _rows(pdf: pd.DataFrame) -> list[dict[str, Any]]:
    rows = [{k: _plain(v) for k, v in r.items()} for r in pdf.to_dict("records")]
    for i, r in enumerate(rows):
        if r.get(ROW_JSON):  # a JSONL row: exactly what the local reader made of its line
            rows[i] = {**decode_row(r[ROW_JSON]), **{k: v for k, v in r.items() if k.startswith("_") and k != ROW_JSON}}
            continue
        r.pop(ROW_JSON, None)
        for col in META_COLUMNS:
            if r.get(col) is not None and not isinstance(r[col], str):
                r[col] = str(r[col])
    return rows


def audit_slice(rows: list[dict[str, Any]], passthrough: Sequence[str] = ()) -> pd.DataFrame:
    """Audit rows of `note_id`, `text` and meta columns in one `audit_rows` call; one output row each, in order."""
    import pandas as pd

    drop = {GROUP, *passthrough}
    part = [{k: v for k, v in r.items() if k not in drop} for r in rows]
    try:
        from auditor.parallel import audit_chunk  # audit_rows, plus the reader's reason for a line it could not parse

        records: Sequence[Mapping[str, Any]] = audit_chunk(_worker_nlp(len(part)), part, batch_size=BATCH_SIZE)
    except Exception as exc:  # noqa: BLE001  every note still gets its record
        records = [error_record(r.get("note_id"), f"engine failed: {type(exc).__name__}") for r in part]
    out = []
    from auditor.io import valid_text

    for row, rec in zip(rows, records):
        flat = _flat(rec)
        item = {c: flat.get(c) for c in FLAT_COLUMNS}
        item["note_id"] = None if item["note_id"] is None else str(item["note_id"])
        item["score"] = None if item["score"] is None else float(item["score"])
        item["refill"] = None if item["refill"] is None else bool(item["refill"])
        for c in ("note_id", "performer_role", "findings", "error", *(f"{e}_status" for e in ELEMENTS)):
            item[c] = None if item[c] is None else valid_text(str(item[c]))  # Arrow refuses lone surrogates
        item[RECORD] = _dumps(rec).encode("utf-8", errors="backslashreplace").decode("utf-8")  # as the JSONL writer
        for c in passthrough:
            item[c] = row.get(c)
        out.append(item)
    cols = [*FLAT_COLUMNS, RECORD, *passthrough]
    return pd.DataFrame(out, columns=cols).astype({"score": "float64"}) if out else pd.DataFrame(columns=cols)


def _cut(rows: list[dict[str, Any]]) -> int:
    """Where to end a slice: the last patient change at or before SLICE rows (0: none yet, keep reading)."""
    for i in range(min(len(rows) - 1, SLICE), 0, -1):
        if rows[i][GROUP] != rows[i - 1][GROUP]:
            return i
    return 0


def _audit_partition(batches: Iterator[pd.DataFrame], passthrough: Sequence[str]) -> Iterator[pd.DataFrame]:
    """Slices of about SLICE rows, never splitting one patient's visits (the rows arrive sorted by patient)."""
    pending: list[dict[str, Any]] = []
    for pdf in batches:
        pending += _rows(pdf)
        while len(pending) > SLICE and (i := _cut(pending)):
            yield audit_slice(pending[:i], passthrough)
            pending = pending[i:]
    if pending:
        yield audit_slice(pending, passthrough)


# --------------------------------------------------------------------------- driver side


def output_schema(df: DataFrame, passthrough: Sequence[str] = ()) -> Any:
    """Flat audit columns, the record as JSON text, then the passthrough columns with their input types."""
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    types = {"score": DoubleType(), "refill": BooleanType()}
    fields = [StructField(c, types.get(c, StringType()), True) for c in FLAT_COLUMNS]
    fields.append(StructField(RECORD, StringType(), True))
    fields += [StructField(c, df.schema[c].dataType, True) for c in passthrough]
    return StructType(fields)


def audit_dataframe(df: DataFrame, id_col: str = "note_id", text_col: str = "text",
                    passthrough: Sequence[str] = (), partitions: int | None = None) -> DataFrame:
    """Audit every row of `df`: flat audit columns plus `record`, the full contract record as JSON.

    Rows are repartitioned by patient (refill intervals need all of a patient's
    visits together) into `partitions` (default: 4 per core, at least the
    input's); the output is therefore not in input order: pass a row index in
    `passthrough` and order by it. Meta columns of the audit contract are used
    when present, as text.
    """
    from pyspark.sql import functions as F

    from auditor.io import describe_columns

    parsed = ROW_JSON in df.columns  # JSONL rows (read_inputs): their id and text travel inside ROW_JSON
    missing = [c for c in (id_col, text_col) if c not in df.columns and not parsed]
    if missing:
        raise SparkInputError(f"no column {', '.join(map(repr, missing))} ({describe_columns(df.columns)})")
    meta = [c for c in META_COLUMNS if c in df.columns and c not in (id_col, text_col)]

    def col(name: str) -> Any:
        return F.col(name) if name in df.columns else F.lit(None).cast("string")

    cols = [col(id_col).alias("note_id"), col(text_col).cast("string").alias("text")]
    cols += [F.col(c).cast("string").alias(c) for c in meta]
    if parsed:
        cols.append(F.col(ROW_JSON))
    cols += [F.col(c) for c in passthrough]
    note_key = F.concat(F.lit("\u0000"), F.coalesce(col(id_col).cast("string"), F.lit("")), F.lit("\u0000"),
                        F.monotonically_increasing_id())
    patient = F.col("patient_id").cast("string") if "patient_id" in meta else F.lit(None).cast("string")
    src = df.select(*cols, F.coalesce(patient, note_key).alias(GROUP))
    n = partitions or max(df.rdd.getNumPartitions(), df.sparkSession.sparkContext.defaultParallelism * 4)
    order = [GROUP, "service_date"] if "service_date" in meta else [GROUP]
    src = src.repartition(n, GROUP).sortWithinPartitions(*order)
    keep = tuple(passthrough)
    with warnings.catch_warnings():  # PySpark 4.x warns on pandas 3; mapInPandas works (tests pin it)
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        return src.mapInPandas(lambda it: _audit_partition(it, keep), schema=output_schema(df, keep))


def _jsonl_frame(spark: SparkSession, path: str, id_col: str, text_col: str) -> DataFrame:
    """A JSONL file as rows the local reader would give, line for line: ROW_JSON plus the patient and date
    columns the partitioning needs. Lines are numbered in file order (zipWithIndex), so a line that is not
    a JSON object gets the local engine's error ("FILE line N is not a JSON object")."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    from auditor.io import InputError, _first_object, _missing_columns

    try:
        with open(path, "rb") as fh:
            first = _first_object(fh, path)
        if first is not None:
            _missing_columns(path, list(first), id_col, text_col)
    except InputError as exc:
        raise SparkInputError(str(exc)) from None
    schema = StructType([StructField(ROW_JSON, StringType(), True), StructField("patient_id", StringType(), True),
                         StructField("service_date", StringType(), True), StructField("_line", LongType(), True)])

    def parse(item: tuple[str, int]) -> list[tuple[str, str | None, str | None, int]]:
        from auditor.io import _json_lines, valid_text

        line, index = item
        rows = list(_json_lines([line], path, id_col, text_col))
        if not rows:
            return []  # a blank line, as locally
        row = rows[0]
        if row.get("_error"):
            row["_error"] = f"{path} line {index + 1} is not a JSON object"

        def key(name: str) -> str | None:
            value = row.get(name)
            return valid_text(value) if isinstance(value, str) else None

        return [(encode_row(row), key("patient_id"), key("service_date"), index)]

    lines = spark.sparkContext.textFile(path).zipWithIndex().flatMap(parse)  # keeps the partitions' order
    return spark.createDataFrame(lines, schema).drop("_line")


def read_inputs(spark: SparkSession, inputs: Sequence[str], id_col: str = "note_id", text_col: str = "text") -> DataFrame:
    """Read CSV / JSONL / Parquet inputs into one DataFrame with a row index in input order."""
    from pyspark.sql import functions as F

    frames = []
    for path in inputs:
        p = Path(path)
        suffix = p.suffix.lower()
        if not p.exists():
            raise SparkInputError(f"{path}: no such file or folder")
        if suffix not in INPUT_SUFFIXES:
            raise SparkInputError(f"{path}: the spark engine reads {', '.join(INPUT_SUFFIXES)}, not {suffix or 'this'}")
        if suffix == ".csv":  # every column as text, quoted fields may span lines (notes do)
            df = spark.read.csv(path, header=True, multiLine=True, escape='"', inferSchema=False)
        elif suffix in (".jsonl", ".json"):
            df = _jsonl_frame(spark, path, id_col, text_col)
        else:
            df = spark.read.parquet(path)
        frames.append(df)
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other, allowMissingColumns=True)
    return df.withColumn(ROW_INDEX, F.monotonically_increasing_id())


def _in_order(rows: Iterator[Any]) -> Iterator[Any]:
    """Yield rows, failing loudly if the row index ever goes backwards (the order is the contract)."""
    last = -1
    for row in rows:
        if row[ROW_INDEX] <= last:
            raise RuntimeError("spark output lost input order")
        last = row[ROW_INDEX]
        yield row


def _check_output(out: str, force: bool) -> None:
    p = Path(out)
    if p.suffix.lower() not in OUTPUT_SUFFIXES:
        raise SparkInputError(f"{out}: the spark engine writes {', '.join(OUTPUT_SUFFIXES)}, not {p.suffix or 'this'}")
    if not p.parent.resolve().is_dir():
        raise SparkInputError(f"{out}: folder {p.parent} does not exist")
    if p.exists() and not force:
        raise SparkInputError(f"{out} exists; use --force to overwrite it")
    if os.path.exists(out + ".partial") and not force:
        raise SparkInputError(f"{out}.partial holds an interrupted run; use --force to start over")


def write_output(audited: DataFrame, out: str) -> int:
    """Write audited rows in input order: .parquet as a Spark folder of flat rows, .jsonl as records. Returns the count."""
    from pyspark import StorageLevel

    kept = audited.persist(StorageLevel.MEMORY_AND_DISK)  # the sort samples its input: audit once, not twice
    try:
        ordered = kept.orderBy(ROW_INDEX)
        if out.lower().endswith(".parquet"):
            if Path(out).is_file():
                Path(out).unlink()
            ordered.drop(RECORD, ROW_INDEX).write.mode("overwrite").parquet(out)
            return _parquet_rows(out)
        partial = out + ".partial"
        n = 0
        with open(partial, "w", encoding="utf-8") as fh:
            for row in _in_order(ordered.select(RECORD, ROW_INDEX).toLocalIterator()):
                fh.write(row[RECORD] + "\n")
                n += 1
        if Path(out).is_dir():
            shutil.rmtree(out)
        os.replace(partial, out)
        return n
    finally:
        kept.unpersist()


def _parquet_rows(out: str) -> int:
    """Rows in a written Parquet folder, read from the footers (no second audit)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in Path(out).glob("*.parquet"))


def run_cli(inputs: list[str], out: str, id_col: str = "note_id", text_col: str = "text", force: bool = False) -> int:
    """`auditor audit --engine spark`: read, audit, write. 0 when every note has a record, 2 for unusable arguments."""
    try:
        if not inputs:
            raise SparkInputError("no input given")
        if out == "-":
            raise SparkInputError("the spark engine writes a file (.jsonl or .parquet), not standard output")
        _check_output(out, force)
        from auditor.io import InputError, OutputLock

        try:
            lock = OutputLock(out)
        except InputError as exc:
            raise SparkInputError(str(exc)) from None
        try:
            n = _run_locked(inputs, out, id_col, text_col)
        finally:
            lock.release()
    except SparkInputError as exc:
        print(f"auditor: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001  a Py4J or worker failure: one line, never a traceback with data in it
        print(f"auditor: spark run failed ({type(exc).__name__}); see the Spark logs", file=sys.stderr)
        return 2
    print(f"auditor: {n} notes audited with spark -> {out}", file=sys.stderr)
    return 0


def _run_locked(inputs: list[str], out: str, id_col: str, text_col: str) -> int:
    """Read, audit and write, holding the output's lock."""
    spark = session()
    try:
        df = read_inputs(spark, inputs, id_col, text_col)
    except SparkInputError:
        raise
    except Exception as exc:  # noqa: BLE001  Spark's AnalysisException and friends: one clear line
        raise SparkInputError(f"cannot read input: {str(exc).splitlines()[0][:200]}") from None
    audited = audit_dataframe(df, id_col=id_col, text_col=text_col, passthrough=(ROW_INDEX,))
    return write_output(audited, out)


def records(audited: DataFrame) -> Iterator[dict[str, Any]]:
    """The full records of an audited DataFrame, parsed (for notebooks), in the DataFrame's order."""
    for row in audited.select(RECORD).toLocalIterator():
        yield json.loads(row[RECORD])
