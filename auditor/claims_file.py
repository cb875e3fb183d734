"""A claims file joined to the notes: `auditor audit NOTES --claims CLAIMS.csv|.parquet`.

Why a spill to SQLite: coding teams receive claim lines as their own export,
as large as the notes and in no useful order. The lines are read in chunks
into a temporary on-disk table indexed by note key and by (patient, date), so
memory stays flat however large either file is, each chunk of notes looks up
only its own lines, and every line is marked when a note takes it. At the end
the lines no note took are written, streaming, to OUT.unmatched_claims.csv
with the reason, so every claim line is accounted for.

Join rules (README "Claims file"):
- a line with a key (`note_id`, or the column named by `--claims-key`) joins
  the note with that id, and only it; a key no note has is unmatched;
- a line without a key joins by `patient_id` + `service_date` when exactly one
  note of the run has that pair; two notes of one patient on one date cannot be
  told apart, so the line is unmatched ("ambiguous") rather than guessed (the
  notes are counted before the run; stdin, read once, is judged on the notes
  read so far: a line already given to the first note stays with it);
- a note takes all its lines, duplicates included (a line billed twice is
  billed twice: the units checks see both), and its billed_codes become exactly
  those lines, written as `CODExUNITS-MOD` so the checks read them as they read
  the billed_codes column; a note with no line gets an empty claim (no claim
  findings). The claim's payer fills an empty payer column of the note.
"""
from __future__ import annotations

import csv
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from auditor.dates import parse_date
from auditor.io import InputError

READ_CHUNK = 10_000
AMBIGUOUS = "ambiguous: several notes of this patient on this date"
_CODE = re.compile(r"^(?:[A-Z]\d{4}|\d{4}[0-9A-Z])$")
_MOD_SPLIT = re.compile(r"[;,\s|]+")


def _text(value: Any) -> str:
    """A cell as trimmed text ('' for missing/NaN); integral floats lose their '.0' (ids read as numbers)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def _date(value: Any) -> str:
    d = parse_date(_text(value)) if _text(value) else None
    return d.isoformat() if d else ""


def _units(value: Any) -> float | None:
    s = _text(value)
    if not s:
        return 1.0
    try:
        n = float(s.replace(",", "."))
    except ValueError:
        return None
    return n if n > 0 else None


def _modifiers(value: Any) -> list[str]:
    return [m.upper() for m in _MOD_SPLIT.split(_text(value)) if m]


def billed_line(code: str, units: float, modifiers: Iterable[str]) -> str:
    """One claim line in the billed_codes notation: 'J2278x240', '99213-25', 'J2278x260-JW'."""
    out = code + ("" if units == 1 else f"x{units:g}")
    return out + "".join(f"-{m}" for m in modifiers)


def _chunks(path: Path) -> Iterator[list[dict[str, Any]]]:
    """Claim rows in chunks, as dicts of cells, from CSV or Parquet."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import pandas as pd

        try:
            reader = pd.read_csv(path, dtype=object, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
                                 chunksize=READ_CHUNK)
            for frame in reader:
                yield frame.to_dict("records")
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a readable CSV claims file ({type(exc).__name__})") from None
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            f = pq.ParquetFile(path)
        except Exception as exc:  # noqa: BLE001  pyarrow raises several types for a bad file
            raise InputError(f"{path}: not a readable Parquet claims file ({type(exc).__name__})") from None
        for batch in f.iter_batches(batch_size=READ_CHUNK):
            yield batch.to_pylist()
    else:
        raise InputError(f"{path}: claims must be .csv or .parquet")


def _header(path: Path) -> list[str]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{path}: not a readable Parquet claims file ({type(exc).__name__})") from None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


class ClaimsJoin:
    """Claim lines of one file, spilled to a temporary SQLite table, handed to notes as they stream by."""

    def __init__(self, path: str | os.PathLike[str], key: str = "note_id") -> None:
        self.path = Path(path)
        self.key = key
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such claims file")
        header = _header(self.path)
        if "code" not in header:
            raise InputError(f"{self.path}: claims need a 'code' column (columns found: {', '.join(header) or 'none'})")
        has_key = key in header
        if not has_key and not {"patient_id", "service_date"} <= set(header):
            raise InputError(f"{self.path}: claims need a {key!r} column, or patient_id and service_date to join by")
        self._dir = tempfile.TemporaryDirectory(prefix="auditor-claims-")
        self.db = sqlite3.connect(os.path.join(self._dir.name, "claims.sqlite"))
        self.db.execute("""CREATE TABLE line (id INTEGER PRIMARY KEY, row INTEGER, nkey TEXT, patient TEXT, day TEXT,
                           code TEXT, units REAL, modifiers TEXT, payer TEXT, credential TEXT, raw_code TEXT,
                           raw_units TEXT, raw_modifiers TEXT, note TEXT, reason TEXT)""")
        self.lines = 0
        self._load(has_key)
        self.db.execute("CREATE INDEX by_key ON line(nkey)")
        self.db.execute("CREATE INDEX by_visit ON line(patient, day)")
        self.db.commit()
        self._visits: dict[tuple[str, str], int] = {}  # (patient, date) -> notes with that pair
        self._prescanned = False
        self._keys: set[str] = set()

    # ------------------------------------------------------------------ load
    def _load(self, has_key: bool) -> None:
        row_no = 0
        for chunk in _chunks(self.path):
            batch = []
            for cells in chunk:
                row_no += 1
                raw_code = _text(cells.get("code"))
                code = raw_code.upper().replace(" ", "")
                units = _units(cells.get("units"))
                reason = None
                if not _CODE.match(code):
                    reason = "no valid CPT/HCPCS code"
                elif units is None:
                    reason = "units not a positive number"
                nkey = _text(cells.get(self.key)) if has_key else ""
                patient, day = _text(cells.get("patient_id")), _date(cells.get("service_date"))
                if reason is None and not nkey and not (patient and day):
                    reason = f"no {self.key} and no patient_id + service_date to join by"
                batch.append((row_no, nkey, patient, day, code, units or 0.0, ";".join(_modifiers(cells.get("modifiers"))),
                              _text(cells.get("payer")).lower(), _text(cells.get("rendering_credential")),
                              raw_code, _text(cells.get("units")), _text(cells.get("modifiers")), reason))
            self.db.executemany("""INSERT INTO line (row, nkey, patient, day, code, units, modifiers, payer, credential,
                                   raw_code, raw_units, raw_modifiers, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""", batch)
            self.lines += len(batch)

    # ------------------------------------------------------------------ join
    def prescan(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Count the notes of each (patient, date) over the whole run before joining.

        Why: a line without a key may be given to a note only when no other note
        of the run has the same patient and date; knowing that before the first
        note is audited keeps a note's findings from depending on notes further
        down the file. (Input read once, such as stdin, skips this: see `attach`.)
        """
        for row in rows:
            visit = (_text(row.get("patient_id")), _date(row.get("service_date")))
            if visit[0] and visit[1]:
                self._visits[visit] = self._visits.get(visit, 0) + 1
        self._prescanned = True

    def attach(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The note rows, each with billed_codes set from its claim lines (empty when it has none), lazily."""
        for row in rows:
            yield self._assign(row)

    def _assign(self, row: dict[str, Any]) -> dict[str, Any]:
        nid = _text(row.get("note_id"))
        visit = (_text(row.get("patient_id")), _date(row.get("service_date")))
        found: list[tuple[Any, ...]] = []
        if nid and nid not in self._keys:  # a repeated note id: its lines went to the first note with that id
            found = self.db.execute("SELECT id, code, units, modifiers, payer FROM line WHERE reason IS NULL AND note IS NULL "
                                    "AND nkey = ? ORDER BY id", (nid,)).fetchall()
        self._keys.add(nid)
        if visit[0] and visit[1]:
            if not self._prescanned:
                self._visits[visit] = self._visits.get(visit, 0) + 1
            by_visit = "reason IS NULL AND nkey = '' AND patient = ? AND day = ?"
            if self._visits[visit] == 1:
                found += self.db.execute(f"SELECT id, code, units, modifiers, payer FROM line WHERE {by_visit} "
                                         "AND note IS NULL ORDER BY id", visit).fetchall()
            else:  # two notes of one patient on one date: the line cannot be given to either
                self.db.execute(f"UPDATE line SET reason = ? WHERE {by_visit} AND note IS NULL",
                                (AMBIGUOUS, *visit))
        found.sort(key=lambda f: f[0])
        if found:
            self.db.executemany("UPDATE line SET note = ? WHERE id = ?", [(nid or "?", f[0]) for f in found])
        row["billed_codes"] = ";".join(billed_line(c, u, [m for m in mods.split(";") if m]) for _, c, u, mods, _ in found)
        payers = [p for *_, p in found if p]
        if payers and not _text(row.get("payer")):
            row["payer"] = payers[0]
        return row

    # ------------------------------------------------------------------ account
    def finish(self, out_path: str) -> int:
        """Write every claim line no note took to `out_path` (CSV, streamed); return how many."""
        self.db.execute("UPDATE line SET reason = ? WHERE reason IS NULL AND note IS NULL AND nkey != ''",
                        (f"no note with this {self.key}",))
        self.db.execute("UPDATE line SET reason = 'no note of this patient on this date' WHERE reason IS NULL AND note IS NULL")
        self.db.commit()
        n = 0
        tmp = out_path + ".partial"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["claims_row", self.key, "patient_id", "service_date", "code", "units", "modifiers", "payer",
                        "rendering_credential", "reason"])
            cur = self.db.execute("SELECT row, nkey, patient, day, raw_code, raw_units, raw_modifiers, payer, credential, reason "
                                  "FROM line WHERE note IS NULL ORDER BY row")
            for rec in cur:
                w.writerow(rec)
                n += 1
        os.replace(tmp, out_path)
        return n

    def matched(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM line WHERE note IS NOT NULL").fetchone()[0])

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()


def unmatched_path(out: str, claims: str) -> str:
    """OUT.unmatched_claims.csv next to the output (OUT without its extension); beside CLAIMS for `--out -`."""
    base = claims if out == "-" else out
    p = Path(base)
    return str(p.with_name(p.stem + ".unmatched_claims.csv"))
