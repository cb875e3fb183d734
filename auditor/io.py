"""Readers and writers for note exports: rows stream in, records stream out.

Why streaming everywhere: an export can hold millions of notes. Readers yield
one row at a time out of pandas / pyarrow / openpyxl chunks, writers append
chunk by chunk to `OUTPUT.partial` and rename it on success, so memory stays
flat and an interrupted run never leaves a half file under the real name.

Problems a user can fix (missing file, unknown extension, missing column,
existing output) raise `InputError` with a one-line message; the CLI prints it
and exits 2. Nothing here logs or prints note text, and no message quotes a
cell: a header-less export's "header" is a note (see `describe_columns`).
What a reader wants said (the encoding it used, sheets or files it skipped)
goes into `Source.notices` for the CLI to print.
"""
from __future__ import annotations

import csv
import datetime as _dt
import decimal
import hashlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from auditor.audit import META_COLUMNS, flat_row
from auditor.encodings import Detected, check_codec, detect_bytes, detect_file

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
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:  # surrogate-escaped bytes from a file that is not UTF-8
                return value.encode("utf-8", errors="surrogateescape")
            except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape): the audit records why
                return value
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


NAME_CHARS = 40  # a header cell longer than this, or with more than NAME_SPACES spaces, is not a column name
NAME_SPACES = 3


def looks_like_name(cell: Any) -> bool:
    """A header cell that reads as a column name (short, a few words at most, one line)."""
    text = str(cell)
    return 0 < len(text) <= NAME_CHARS and text.count(" ") <= NAME_SPACES and text.isprintable()


def describe_columns(found: Sequence[Any]) -> str:
    """What an error may say about a header: its cells when every one looks like a name, else only how
    many there are and which ones are not names (a header-less export's first row is a note: never shown)."""
    if not found:
        return "no columns found"
    if all(looks_like_name(c) for c in found):
        return "columns found: " + ", ".join(str(c) for c in found)
    odd = [str(i) for i, c in enumerate(found, 1) if not looks_like_name(c)]
    which = f"column {odd[0]} does" if len(odd) == 1 else f"columns {', '.join(odd[:10])}{', ...' if len(odd) > 10 else ''} do"
    return (f"{len(found)} columns found; {which} not look like a name, so the first row may be a note "
            "(is there a header row?) and no cell is shown")


def _missing_columns(path: str, found: Sequence[str], id_col: str, text_col: str) -> None:
    lacking = [c for c in (id_col, text_col) if c not in found]
    if lacking:
        flags = " and ".join(f"--{'id' if c == id_col else 'text'}-col" for c in lacking)
        raise InputError(f"{path}: no column {', '.join(repr(c) for c in lacking)} ({describe_columns(found)}); use {flags}")


# --------------------------------------------------------------------------- readers


class Source:
    """One input (file, folder or stdin): validated on creation, read lazily, row by row.

    notices: one-line messages the CLI prints (the encoding used when it is not UTF-8, sheets or files
    not read); a folder adds to them while it is read."""

    def __init__(self, path: str, kind: str, id_col: str, text_col: str,
                 rows: Callable[[], Iterator[Row]], count: Callable[[], int | None],
                 notices: list[str] | None = None) -> None:
        self.path, self.kind, self.id_col, self.text_col = path, kind, id_col, text_col
        self._rows, self._count = rows, count
        self.notices: list[str] = notices if notices is not None else []

    def rows(self) -> Iterator[Row]:
        """Rows in file order, each shaped by `to_row`."""
        return self._rows()

    def count(self) -> int | None:
        """How many notes the input holds, when a cheap pass can tell (for the progress bar's ETA)."""
        try:
            return self._count()
        except Exception:  # noqa: BLE001  a count is a nicety; the real read reports real problems
            return None


def open_source(path: str, id_col: str = "note_id", text_col: str = "text", encoding: str | None = None,
                sheet: str | None = None, recursive: bool = False) -> Source:
    """Check that `path` is readable and holds the id and text columns; raise InputError if not.

    encoding: of CSV and .txt inputs (default: detected, see auditor.encodings). sheet: the one Excel
    sheet to read (default: every sheet with the id and text columns). recursive: read .txt notes in
    subfolders of a folder too (default: count them in a notice)."""
    if encoding is not None:
        try:
            encoding = check_codec(encoding)
        except LookupError:
            raise InputError(f"--encoding {encoding!r}: not an encoding Python knows") from None
    if path == STDIO:
        return _stdin_source(id_col, text_col)
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file or folder")
    if p.is_dir():
        return _folder_source(p, id_col, text_col, encoding, recursive)
    suffix = p.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InputError(f"{path}: unknown input type {suffix or '(no extension)'!r}; "
                         f"use {', '.join(INPUT_SUFFIXES)}, a folder of .txt notes or - for JSONL on stdin")
    if not os.access(p, os.R_OK):
        raise InputError(f"{path}: not readable")
    if suffix == ".csv":
        return _csv_source(p, id_col, text_col, encoding)
    if suffix == ".xlsx":
        return _xlsx_source(p, id_col, text_col, sheet)
    return {".jsonl": _jsonl_source, ".parquet": _parquet_source}[suffix](p, id_col, text_col)


def _encoding_notice(path: Path | str, found: Detected) -> list[str]:
    return [] if found.is_utf8 else [f"{path}: read as {found.encoding} ({found.describe()})"]


def _csv_source(p: Path, id_col: str, text_col: str, encoding: str | None = None) -> Source:
    """CSV through the csv module: every cell a str (ids keep leading zeros), empty cells missing, and a
    row with more fields than the header either rejoined (text column last) or an error row, never cut."""
    try:
        found = Detected(encoding, "given") if encoding else detect_file(p)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    csv.field_size_limit(sys.maxsize)

    def open_text() -> Any:
        return open(p, encoding=found.encoding, errors="surrogateescape", newline="")

    try:
        with open_text() as fh:
            header = next((r for r in csv.reader(fh) if r), None)
    except (csv.Error, UnicodeError, OSError) as exc:
        raise InputError(f"{p}: not a readable CSV ({type(exc).__name__})") from None
    if header is None:
        raise InputError(f"{p}: not a readable CSV (EmptyDataError: no columns to parse)")
    _missing_columns(str(p), header, id_col, text_col)
    where = {name: header.index(name) for name in (id_col, text_col, *META_COLUMNS) if name in header}
    text_at, id_at, width = where[text_col], where[id_col], len(header)
    text_last = text_at == width - 1

    def rows() -> Iterator[Row]:
        with open_text() as fh:
            reader = csv.reader(fh)
            n = 0
            try:
                for cells in reader:
                    if not cells:
                        continue  # a blank line
                    n += 1
                    if n == 1:
                        continue  # the header
                    if len(cells) > width:
                        if not text_last:
                            nid = cells[id_at] if id_at < width and cells[id_at] != "" else None
                            yield {"note_id": nid, "text": None,
                                   "_error": f"{p} row {n - 1} (line {reader.line_num}) has {len(cells)} fields where "
                                             f"the header has {width} (an unquoted comma?); the note was not read"}
                            continue
                        cells = [*cells[:text_at], ",".join(cells[text_at:])]
                    raw = {name: (cells[i] if i < len(cells) and cells[i] != "" else None) for name, i in where.items()}
                    yield to_row(raw, id_col, text_col)
            except csv.Error as exc:
                raise InputError(f"{p}: CSV cannot be parsed after line {reader.line_num} ({type(exc).__name__})") from None

    def count() -> int:
        with open_text() as fh:
            return max(0, sum(1 for cells in csv.reader(fh) if cells) - 1)

    return Source(str(p), "csv", id_col, text_col, rows, count, _encoding_notice(p, found))


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


def _first_object(lines: Iterable[bytes | str], origin: str) -> dict[str, Any] | None:
    """The first line among the first READ_CHUNK non-blank ones that is a JSON object (its keys are checked).
    None for an input without a non-blank line; InputError when none of them parses: not JSONL."""
    tried = 0
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        tried += 1
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            return obj
        if tried >= READ_CHUNK:
            break
    if tried:
        raise InputError(f"{origin}: none of the first {tried:,} lines is a JSON object; is it JSONL?")
    return None


def _jsonl_source(p: Path, id_col: str, text_col: str) -> Source:
    try:
        with open(p, "rb") as fh:
            first = _first_object(fh, str(p))
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

    def peek() -> Iterator[bytes | str]:  # the lines _first_object reads are kept for the real read
        for line in stream:
            head.append(line)
            yield line

    first = _first_object(peek(), "stdin")
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


def _xlsx_source(p: Path, id_col: str, text_col: str, sheet: str | None = None) -> Source:
    """Every sheet whose header holds the id and text columns, in workbook order (or only `sheet`);
    a sheet with rows but without those columns is named in a notice, never skipped silently."""
    from openpyxl import load_workbook

    def open_book() -> Any:
        return load_workbook(p, read_only=True, data_only=True)

    def header_of(ws: Any) -> list[str]:
        cells = next(ws.iter_rows(values_only=True, max_row=1), ())
        return [str(h) if h is not None else "" for h in cells]

    try:
        wb = open_book()
        try:
            names = list(wb.sheetnames)
            active = wb.active.title if wb.active is not None else names[0]
            headers = {name: header_of(wb[name]) for name in names}
        finally:
            wb.close()
    except Exception as exc:  # noqa: BLE001  openpyxl raises many types for a bad workbook
        raise InputError(f"{p}: not a readable Excel workbook ({type(exc).__name__})") from None
    notices: list[str] = []
    if sheet is not None:
        if sheet not in headers:
            shown = ", ".join(repr(n) for n in names if looks_like_name(n))
            raise InputError(f"{p}: no sheet {sheet!r} (sheets: {shown or len(names)})")
        chosen = [sheet]
    else:
        chosen = [n for n in names if id_col in headers[n] and text_col in headers[n]]
        if not chosen:
            chosen = [active]
        others = [n for n in names if n not in chosen and any(headers[n])]
        if others:
            notices.append(f"{p}: sheet{'s' if len(others) > 1 else ''} {', '.join(repr(n) for n in others)} "
                           f"not read (no {id_col!r} and {text_col!r} columns; use --sheet to pick one)")
    for name in chosen:
        _missing_columns(f"{p} sheet {name!r}" if len(names) > 1 else str(p),
                         [h for h in headers[name] if h], id_col, text_col)

    def sheet_rows(name: str) -> Iterator[tuple[Any, ...]]:
        wb = open_book()
        try:
            it = wb[name].iter_rows(values_only=True)
            next(it, None)  # the header
            for cells in it:
                if not all(c is None for c in cells):  # openpyxl reports formatted but empty rows at the end
                    yield cells
        finally:
            wb.close()

    def rows() -> Iterator[Row]:
        for name in chosen:
            header = headers[name]
            for cells in sheet_rows(name):
                yield to_row(dict(zip(header, cells)), id_col, text_col)

    def count() -> int:
        return sum(sum(1 for _ in sheet_rows(name)) for name in chosen)

    return Source(str(p), "xlsx", id_col, text_col, rows, count, notices)


def _txt_files(p: Path, recursive: bool) -> tuple[list[tuple[str, Path]], int, int]:
    """(note id, file) for the folder's .txt notes in name order, how many .txt notes lie in subfolders
    (read only when recursive) and how many .txt links point nowhere. Ids are file stems at the top
    level and relative paths without .txt below it. Symlinked folders are not followed (no loops)."""
    found: list[tuple[str, Path]] = []
    nested = dangling = 0
    for root, dirs, files in os.walk(p, followlinks=False):
        dirs.sort()
        here = Path(root)
        top = here == p
        for name in sorted(files):
            f = here / name
            if f.suffix.lower() != ".txt":
                continue
            if not f.is_file():
                dangling += 1
                continue
            if not top and not recursive:
                nested += 1
                continue
            rel = f.relative_to(p)
            found.append((f.stem if top else rel.with_suffix("").as_posix(), f))
    found.sort(key=lambda item: (len(item[1].relative_to(p).parts) > 1, item[1].relative_to(p).as_posix()))
    return found, nested, dangling


def _folder_source(p: Path, id_col: str, text_col: str, encoding: str | None = None, recursive: bool = False) -> Source:
    files, nested, dangling = _txt_files(p, recursive)
    notices: list[str] = []
    if nested:
        notices.append(f"{p}: {nested:,} .txt notes in subfolders not read (use --recursive)")
    if dangling:
        notices.append(f"{p}: {dangling:,} .txt links point to no file; skipped")
    if not files:
        raise InputError(f"{p}: folder holds no .txt notes" + (" at its top level (use --recursive)" if nested else ""))
    other: dict[str, int] = {}

    def rows() -> Iterator[Row]:
        other.clear()
        for nid, f in files:
            try:
                data = f.read_bytes()
            except OSError as exc:
                yield {"note_id": nid, "text": None, "_error": f"{f.name}: cannot be read ({exc.strerror})"}
                continue
            found = Detected(encoding, "given") if encoding else detect_bytes(data)
            text: Any = data.decode(found.encoding, errors="surrogateescape")
            if text.startswith("\ufeff"):
                text = text[1:]
            if not found.is_utf8:
                other[found.encoding] = other.get(found.encoding, 0) + 1
            yield {"note_id": nid, "text": _text_value(text)}  # undecodable bytes: "not valid UTF-8"
        for enc, n in sorted(other.items()):
            notices.append(f"{p}: {n:,} note{'s' if n > 1 else ''} read as {enc}"
                           + (" (--encoding)" if encoding else " (detected; use --encoding to override)"))

    return Source(str(p), "txt", id_col, text_col, rows, lambda: len(files), notices)


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
    """The contract's records, one a line; the only format that resumes.

    fingerprint=True keeps OUTPUT.partial.inputs beside the partial file: one line per input row
    consumed (`row_digest`: its id, text and meta columns), written before the row's record, so
    --resume can check that the input's first rows are still the ones audited (`resume_check`)."""

    def __init__(self, path: str, resume: bool = False, partial: str | None = None, fingerprint: bool = False) -> None:
        super().__init__(path)
        self.partial = partial or self.partial
        self.inputs = inputs_path(self.partial) if fingerprint else None
        self.digests: list[str] = []  # on resume: the digests of the rows already audited
        if resume and os.path.exists(self.partial):
            self.resumed, self.last_id = complete_records(self.partial)
            if self.inputs is not None:
                self.digests = read_digests(self.inputs, self.partial, self.resumed)
            self._fh = open(self.partial, "a", encoding="utf-8", errors="backslashreplace")
        else:
            self._fh = open(self.partial, "w", encoding="utf-8", errors="backslashreplace")
        self._inputs = open(self.inputs, "a" if self.digests else "w", encoding="ascii") if self.inputs else None

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        if self._inputs is not None:
            self._inputs.write("".join(row_digest(r) + "\n" for r in rows))
            self._inputs.flush()
        self._fh.write("".join(dumps(r) + "\n" for r in records))
        self._fh.flush()

    def _finish(self) -> None:
        self._fh.close()
        if self._inputs is not None:
            self._inputs.close()

    def discard_inputs(self) -> None:
        """Drop the fingerprint once the output is complete under its real name."""
        if self.inputs is not None and os.path.exists(self.inputs):
            os.remove(self.inputs)


def inputs_path(partial: str) -> str:
    """The fingerprint file of a partial output."""
    return partial + ".inputs"


def row_digest(row: Mapping[str, Any]) -> str:
    """16 hex digits that change when a row's id, text, meta columns or reader error change."""
    def canon(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return {"bytes": bytes(value).hex()}
        return value

    data = json.dumps({k: canon(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=True, default=json_default)
    return hashlib.blake2b(data.encode("ascii"), digest_size=8).hexdigest()


def read_digests(inputs: str, partial: str, count: int) -> list[str]:
    """The first `count` digests of a fingerprint file, which is cut to them (a run killed after writing
    a chunk's digests but before its records leaves more). InputError when it is missing or shorter."""
    if not os.path.exists(inputs):
        raise InputError(f"{partial} has no input fingerprint ({os.path.basename(inputs)}), so the input cannot be "
                         "checked; rerun with --force to start over")
    digests: list[str] = []
    end = 0
    with open(inputs, "rb") as fh:
        for line in fh:
            if len(digests) >= count or not line.endswith(b"\n"):
                break
            digests.append(line.decode("ascii", errors="replace").strip())
            end += len(line)
    if len(digests) < count:
        raise InputError(f"{inputs} lists {len(digests):,} notes but {partial} holds {count:,} records; "
                         "rerun with --force to start over")
    with open(inputs, "r+b") as fh:
        fh.truncate(end)
    return digests


def resume_check(partial: str, digests: Sequence[str], rows: Iterable[Row]) -> None:
    """InputError unless the first rows of the input are, in order, the rows audited into `partial`:
    a note deleted, inserted, moved or edited before the resume point would otherwise go unnoticed."""
    n = 0
    it = iter(rows)
    for n, want in enumerate(digests, 1):
        row = next(it, None)
        if row is None:
            raise InputError(f"{partial} holds {len(digests):,} records but the input now has only {n - 1:,} notes; "
                             "rerun with --force to start over")
        if row_digest(row) != want:
            raise InputError(f"input note {n:,} is not the note audited at that place into {partial} (the input "
                             "changed since the interrupted run); rerun with --force to start over")


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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula: one that starts with = + - @ tab or CR gets a
    leading apostrophe (OWASP's CSV injection advice); numbers, None and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CsvWriter(Writer):
    """Flat rows (`flat_row`): note_id, score, <element>_status, findings, performer_role, refill, error.
    Text cells are `spreadsheet_safe`: CSV output is opened in Excel, and an id or author can be hostile."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._fh = open(self.partial, "w", encoding="utf-8", newline="", errors="backslashreplace")
        self._csv: csv.DictWriter | None = None

    def write(self, rows: Sequence[Row], records: Sequence[Record]) -> None:
        flats = [{k: spreadsheet_safe(v) for k, v in flat(r).items()} for r in records]
        if self._csv is None:
            self._csv = csv.DictWriter(self._fh, fieldnames=list(flat({"note_id": None, "score": None})), extrasaction="ignore")
            self._csv.writeheader()
        self._csv.writerows(flats)
        self._fh.flush()

    def _finish(self) -> None:
        if self._csv is None:  # no notes: still a valid CSV with its header
            csv.DictWriter(self._fh, fieldnames=list(flat({"note_id": None, "score": None}))).writeheader()
        self._fh.close()


def valid_text(text: str) -> str:
    """`text` as Arrow and other strict UTF-8 writers accept it: a lone surrogate becomes its escape (\\ud800)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


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
        text = value if isinstance(value, str) else json.dumps(value, default=json_default) if isinstance(value, (dict, list)) else str(value)
        return text if text.isascii() else valid_text(text)

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
    """Refuse an unknown extension, a missing folder, or an existing output without --force (--resume may
    finish a run killed after its output was renamed into place but before its partial file was removed)."""
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
    if p.exists() and not force and not (resume and os.path.exists(out + ".partial")):
        raise InputError(f"{out} exists; use --force to overwrite it")


def partial_files(out: str) -> list[str]:
    """The files a run writes before OUTPUT exists (partial output, first pass, fingerprint, merge)."""
    partial = out + ".partial"
    return [partial, inputs_path(partial), out + ".records.partial", out + ".merging"]


def check_partials(out: str, force: bool, resume: bool) -> None:
    """An interrupted run's partial output is kept: refuse to start over without --force (which removes
    it) or, for .jsonl, --resume. Call while holding the output's lock."""
    if out == STDIO:
        return
    left = [f for f in (out + ".partial", out + ".records.partial") if os.path.exists(f)]
    if force and not resume:
        for f in partial_files(out):
            if os.path.exists(f):
                os.remove(f)
        return
    if left and not resume:
        how = "--resume to continue it or --force" if out.lower().endswith(".jsonl") else "--force"
        raise InputError(f"{left[0]} holds an interrupted run; use {how} to start over")


class OutputLock:
    """OUTPUT.lock, held with flock for the whole run, so a second run on the same output exits 2 instead
    of interleaving records. The kernel drops the lock when the process dies (SIGKILL too), so a killed
    run never blocks its --resume; the file itself is removed by the run that held it."""

    def __init__(self, out: str) -> None:
        import fcntl

        self.path = out + ".lock"
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise InputError(f"{out}: another auditor run is writing it (lock {self.path} is held)") from None
            try:  # the holder before us may have removed the file after we opened it: lock the new one
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "OutputLock":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def open_writer(out: str, force: bool = False, resume: bool = False, **report_opts: Any) -> Writer:
    """The writer for `out`'s extension, after `check_output`."""
    check_output(out, force, resume)
    if out == STDIO:
        return StdoutWriter()
    suffix = Path(out).suffix.lower()
    if suffix == ".jsonl":
        return JsonlWriter(out, resume=resume, fingerprint=True)
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
