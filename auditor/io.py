"""Readers and writers for note exports: rows stream in, records stream out.

Why streaming everywhere: an export can hold millions of notes. Readers yield
one row at a time out of pandas / pyarrow / openpyxl chunks, writers append
chunk by chunk to `OUTPUT.partial` and rename it on success, so memory stays
flat and an interrupted run never leaves a half file under the real name.

Problems a user can fix (missing file, unknown extension, missing column,
existing output) raise `InputError` with a one-line message; the CLI prints it
and exits 2. Nothing here logs or prints note text.
"""
from __future__ import annotations

import csv
import datetime as _dt
import decimal
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from auditor.audit import META_COLUMNS, flat_row

INPUT_SUFFIXES = (".csv", ".jsonl", ".parquet", ".xlsx")
OUTPUT_SUFFIXES = (".jsonl", ".csv", ".parquet", ".html")
STDIO = "-"
READ_CHUNK = 1000  # rows per pandas / pyarrow read; rows are re-batched for the pipeline
Row = dict[str, Any]
Record = dict[str, Any]


class InputError(Exception):
    """A problem with an argument, input or output path that the user can fix; the message is one line."""


# --------------------------------------------------------------------------- values


def plain(value: Any) -> Any:
    """A JSON-serialisable Python value: NaN/NaT/NA -> None, numpy scalars -> Python, dates -> ISO text."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (str, bool, int)):
        return value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "item") and callable(value.item) and type(value).__module__ == "numpy":
        return plain(value.item())
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) and value.tzinfo is None else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):  # pandas Timestamp and friends
        return plain(value.to_pydatetime()) if hasattr(value, "to_pydatetime") else value.isoformat()
    return str(value)


def _meta_text(value: Any) -> str | None:
    """Meta columns are codes, roles and dates: text, whatever type the spreadsheet gave them."""
    v = plain(value)
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _text_value(value: Any) -> Any:
    """The note text as read. Undecodable bytes stay bytes so the audit records a per-note error."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # surrogate-escaped bytes from a file that is not UTF-8
            return value.encode("utf-8", errors="surrogateescape")
        return value
    if isinstance(value, (bytes, bytearray)):  # binary Parquet/Arrow columns
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_default(value: Any) -> Any:
    """`json.dumps(default=...)` for values a reader or component may leave behind."""
    out = plain(value)
    return out if not isinstance(out, (set, frozenset)) else sorted(out)


def to_row(raw: Mapping[str, Any], id_col: str, text_col: str) -> Row:
    """An input record in the audit's row shape: note_id, text and the known meta columns."""
    row: Row = {"note_id": plain(raw.get(id_col)), "text": _text_value(raw.get(text_col))}
    for col in META_COLUMNS:
        if col in raw:
            row[col] = _meta_text(raw[col])
    return row


def _missing_columns(path: str, found: Sequence[str], id_col: str, text_col: str) -> None:
    lacking = [c for c in (id_col, text_col) if c not in found]
    if lacking:
        names = ", ".join(str(c) for c in found) or "none"
        flags = " and ".join(f"--{'id' if c == id_col else 'text'}-col" for c in lacking)
        raise InputError(f"{path}: no column {', '.join(repr(c) for c in lacking)} (columns found: {names}); use {flags}")


# --------------------------------------------------------------------------- readers


class Source:
    """One input (file, folder or stdin): validated on creation, read lazily, row by row."""

    def __init__(self, path: str, kind: str, id_col: str, text_col: str,
                 rows: Callable[[], Iterator[Row]], count: Callable[[], int | None]) -> None:
        self.path, self.kind, self.id_col, self.text_col = path, kind, id_col, text_col
        self._rows, self._count = rows, count

    def rows(self) -> Iterator[Row]:
        """Rows in file order, each shaped by `to_row`."""
        return self._rows()

    def count(self) -> int | None:
        """How many notes the input holds, when a cheap pass can tell (for the progress bar's ETA)."""
        try:
            return self._count()
        except Exception:  # noqa: BLE001  a count is a nicety; the real read reports real problems
            return None


def open_source(path: str, id_col: str = "note_id", text_col: str = "text") -> Source:
    """Check that `path` is readable and holds the id and text columns; raise InputError if not."""
    if path == STDIO:
        return _stdin_source(id_col, text_col)
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file or folder")
    if p.is_dir():
        return _folder_source(p, id_col, text_col)
    suffix = p.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InputError(f"{path}: unknown input type {suffix or '(no extension)'!r}; "
                         f"use {', '.join(INPUT_SUFFIXES)}, a folder of .txt notes or - for JSONL on stdin")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: not readable")
    opener = {".csv": _csv_source, ".jsonl": _jsonl_source, ".parquet": _parquet_source, ".xlsx": _xlsx_source}[suffix]
    return opener(p, id_col, text_col)


def _csv_source(p: Path, id_col: str, text_col: str) -> Source:
    import pandas as pd

    # Every cell is a Python str (ids keep leading zeros, codes stay codes; object dtype because
    # Arrow-backed strings cannot hold the surrogate-escaped bytes of a non-UTF-8 cell); only empty cells are missing.
    opts: dict[str, Any] = dict(dtype=object, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                                encoding_errors="surrogateescape")
    try:
        header = list(pd.read_csv(p, nrows=0, **opts).columns)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, OSError, UnicodeError) as exc:
        raise InputError(f"{p}: not a readable CSV ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})") from None
    _missing_columns(str(p), header, id_col, text_col)
    wanted = [c for c in header if c in (id_col, text_col, *META_COLUMNS)]

    def rows() -> Iterator[Row]:
        try:
            for chunk in pd.read_csv(p, usecols=wanted, chunksize=READ_CHUNK, **opts):
                for raw in chunk.to_dict("records"):
                    yield to_row(raw, id_col, text_col)
        except (pd.errors.ParserError, UnicodeError) as exc:
            raise InputError(f"{p}: CSV cannot be parsed ({str(exc).splitlines()[0][:160]})") from None

    def count() -> int:
        csv.field_size_limit(sys.maxsize)
        with open(p, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            return max(0, sum(1 for _ in csv.reader(fh)) - 1)

    return Source(str(p), "csv", id_col, text_col, rows, count)


def _json_lines(lines: Iterable[bytes | str], origin: str, id_col: str, text_col: str) -> Iterator[Row]:
    """Rows from JSONL lines; a line that is not a JSON object becomes a row whose audit records why."""
    for n, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="surrogateescape")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            yield {"note_id": None, "text": None, "_error": f"{origin} line {n} is not a JSON object"}
            continue
        yield to_row(obj, id_col, text_col)


def _first_object(lines: Iterable[bytes | str]) -> dict[str, Any] | None:
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="replace")
        if line.strip():
            try:
                obj = json.loads(line)
            except ValueError:
                return None
            return obj if isinstance(obj, dict) else None
    return None


def _jsonl_source(p: Path, id_col: str, text_col: str) -> Source:
    try:
        with open(p, "rb") as fh:
            first = _first_object(fh)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    if first is not None:
        _missing_columns(str(p), list(first), id_col, text_col)

    def rows() -> Iterator[Row]:
        with open(p, "rb") as fh:
            yield from _json_lines(fh, str(p), id_col, text_col)

    def count() -> int:
        with open(p, "rb") as fh:
            return sum(1 for line in fh if line.strip())

    return Source(str(p), "jsonl", id_col, text_col, rows, count)


def _stdin_source(id_col: str, text_col: str) -> Source:
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    head: list[bytes | str] = []
    for line in stream:  # peek at the first record to check its columns
        head.append(line)
        if line.strip():
            break
    first = _first_object(head)
    if first is not None:
        _missing_columns("stdin", list(first), id_col, text_col)

    def rows() -> Iterator[Row]:
        def lines() -> Iterator[bytes | str]:
            yield from head
            yield from stream
        yield from _json_lines(lines(), "stdin", id_col, text_col)

    return Source(STDIO, "stdin", id_col, text_col, rows, lambda: None)


def _parquet_source(p: Path, id_col: str, text_col: str) -> Source:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{p}: not a readable Parquet file ({str(exc).splitlines()[0][:120]})") from None
    names = list(pf.schema_arrow.names)
    _missing_columns(str(p), names, id_col, text_col)
    wanted = [c for c in names if c in (id_col, text_col, *META_COLUMNS)]

    def rows() -> Iterator[Row]:
        with pq.ParquetFile(p) as f:
            for batch in f.iter_batches(batch_size=READ_CHUNK, columns=wanted):
                for raw in batch.to_pylist():
                    yield to_row(raw, id_col, text_col)

    return Source(str(p), "parquet", id_col, text_col, rows, lambda: pf.metadata.num_rows)


def _xlsx_source(p: Path, id_col: str, text_col: str) -> Source:
    from openpyxl import load_workbook

    def sheet_rows() -> Iterator[tuple[Any, ...]]:
        wb = load_workbook(p, read_only=True, data_only=True)
        try:
            yield from wb.active.iter_rows(values_only=True)
        finally:
            wb.close()

    try:
        header_cells = next(sheet_rows(), ())
    except Exception as exc:  # noqa: BLE001  openpyxl raises many types for a bad workbook
        raise InputError(f"{p}: not a readable Excel workbook ({type(exc).__name__})") from None
    header = [str(h) if h is not None else "" for h in header_cells]
    _missing_columns(str(p), [h for h in header if h], id_col, text_col)

    def rows() -> Iterator[Row]:
        it = sheet_rows()
        next(it, None)
        for cells in it:
            if all(c is None for c in cells):
                continue  # openpyxl reports formatted but empty rows at the end of a sheet
            yield to_row(dict(zip(header, cells)), id_col, text_col)

    def count() -> int:
        return sum(1 for cells in sheet_rows() if not all(c is None for c in cells)) - 1

    return Source(str(p), "xlsx", id_col, text_col, rows, count)


def _folder_source(p: Path, id_col: str, text_col: str) -> Source:
    files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".txt" and f.is_file())
    if not files:
        raise InputError(f"{p}: folder holds no .txt notes")

    def rows() -> Iterator[Row]:
        for f in files:
            data = f.read_bytes()
            try:
                text: Any = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data  # the audit records "not valid UTF-8" for this note
            yield {"note_id": f.stem, "text": text}

    return Source(str(p), "txt", id_col, text_col, rows, lambda: len(files))


# --------------------------------------------------------------------------- writers


class Writer:
    """Appends records chunk by chunk to OUTPUT.partial; `close` renames it to OUTPUT."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.partial = path + ".partial"
        self.resumed = 0
        self.last_id: Any = None

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Flush and close the partial file (subclasses)."""

    def close(self) -> None:
        """Finish the file and move it under its real name in one step."""
        self._finish()
        os.replace(self.partial, self.path)

    def finish(self) -> None:
        """Finish the file but leave it under its partial name (a first pass that is read again)."""
        self._finish()


def dumps(record: Mapping[str, Any]) -> str:
    """One JSONL line (without the newline)."""
    return json.dumps(record, ensure_ascii=False, default=json_default)


class JsonlWriter(Writer):
    """The contract's records, one a line; the only format that resumes."""

    def __init__(self, path: str, resume: bool = False, partial: str | None = None) -> None:
        super().__init__(path)
        self.partial = partial or self.partial
        if resume and os.path.exists(self.partial):
            self.resumed, self.last_id = complete_records(self.partial)
            self._fh = open(self.partial, "a", encoding="utf-8", errors="backslashreplace")
        else:
            self._fh = open(self.partial, "w", encoding="utf-8", errors="backslashreplace")

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        self._fh.write("".join(dumps(r) + "\n" for r in records))
        self._fh.flush()

    def _finish(self) -> None:
        self._fh.close()


def complete_records(path: str) -> tuple[int, Any]:
    """Count the complete JSONL records in `path`, cut off a torn last line, return (count, last note_id)."""
    count, good_end, last_id = 0, 0, None
    with open(path, "rb") as fh:
        pos = 0
        for line in fh:
            end = pos + len(line)
            if line.endswith(b"\n"):
                try:
                    obj = json.loads(line)
                except ValueError:
                    break
                count, good_end = count + 1, end
                last_id = obj.get("note_id") if isinstance(obj, dict) else None
            pos = end
    if good_end != os.path.getsize(path):
        with open(path, "r+b") as fh:
            fh.truncate(good_end)
    return count, last_id


class StdoutWriter(Writer):
    """JSONL to standard output (`--out -`), flushed per chunk so pipes see records as they come."""

    def __init__(self) -> None:
        super().__init__(STDIO)

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        sys.stdout.write("".join(dumps(r) + "\n" for r in records))
        sys.stdout.flush()

    def close(self) -> None:
        sys.stdout.flush()


def flat(record: Mapping[str, Any]) -> dict[str, Any]:
    """`flat_row` with JSON-plain values."""
    return {k: plain(v) for k, v in flat_row(record).items()}


class CsvWriter(Writer):
    """Flat rows (`flat_row`): note_id, score, <element>_status, findings, performer_role, refill, error."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._fh = open(self.partial, "w", encoding="utf-8", newline="", errors="backslashreplace")
        self._csv: csv.DictWriter | None = None

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        flats = [flat(r) for r in records]
        if self._csv is None:
            self._csv = csv.DictWriter(self._fh, fieldnames=list(flat({"note_id": None, "score": None})), extrasaction="ignore")
            self._csv.writeheader()
        self._csv.writerows(flats)
        self._fh.flush()

    def _finish(self) -> None:
        if self._csv is None:  # no notes: still a valid CSV with its header
            csv.DictWriter(self._fh, fieldnames=list(flat({"note_id": None, "score": None}))).writeheader()
        self._fh.close()


class ParquetWriter(Writer):
    """Flat rows in one Parquet file, a row group per `row_group` rows (flat rows are small, so buffering
    them keeps memory flat while avoiding thousands of tiny row groups); note_id is stored as text so ids
    of any type fit."""

    def __init__(self, path: str, row_group: int = 10_000) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        super().__init__(path)
        self._pa = pa
        cols = list(flat({"note_id": None, "score": None}))
        types = {"score": pa.float64(), "refill": pa.bool_()}
        self.schema = pa.schema([(c, types.get(c, pa.string())) for c in cols])
        self._writer = pq.ParquetWriter(self.partial, self.schema)
        self.row_group = row_group
        self._buffer: list[dict[str, Any]] = []

    def _coerce(self, col: str, value: Any) -> Any:
        if value is None:
            return None
        if col == "score":
            return float(value)
        if col == "refill":
            return bool(value)
        return value if isinstance(value, str) else json.dumps(value, default=json_default) if isinstance(value, (dict, list)) else str(value)

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        self._buffer.extend(flat(r) for r in records)
        if len(self._buffer) >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            data = {c: [self._coerce(c, f.get(c)) for f in self._buffer] for c in self.schema.names}
            self._writer.write_table(self._pa.table(data, schema=self.schema))
            self._buffer = []

    def _finish(self) -> None:
        self._flush()
        self._writer.close()


def check_output(out: str, force: bool, resume: bool) -> None:
    """Refuse an unknown extension, a missing folder, or an existing output without --force."""
    if out == STDIO:
        if resume:
            raise InputError("--resume needs an output file, not -")
        return
    p = Path(out)
    if p.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"{out}: unknown output type {p.suffix or '(no extension)'!r}; use {', '.join(OUTPUT_SUFFIXES)} or -")
    if resume and p.suffix.lower() != ".jsonl":
        raise InputError("--resume works with a .jsonl output only")
    if not p.parent.is_dir():
        raise InputError(f"{out}: folder {p.parent} does not exist")
    if p.is_dir():
        raise InputError(f"{out}: is a folder")
    if p.exists() and not force:
        raise InputError(f"{out} exists; use --force to overwrite it")


def open_writer(out: str, force: bool = False, resume: bool = False, **report_opts: Any) -> Writer:
    """The writer for `out`'s extension, after `check_output`."""
    check_output(out, force, resume)
    if out == STDIO:
        return StdoutWriter()
    suffix = Path(out).suffix.lower()
    if suffix == ".jsonl":
        return JsonlWriter(out, resume=resume)
    if suffix == ".csv":
        return CsvWriter(out)
    if suffix == ".parquet":
        return ParquetWriter(out)
    from auditor.report.html import HtmlReportWriter

    return HtmlReportWriter(out, **report_opts)


def read_records(path: str | Path) -> list[Record]:
    """All records of a JSONL audit output (tests, evaluation, small files)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
