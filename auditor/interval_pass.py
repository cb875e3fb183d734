"""The run-wide refill-interval pass of `auditor audit` (issues 3 and 5).

Why a second pass: the interval check compares the visits of one patient, and
those visits can sit in different chunks or worker processes. So chunks are
audited without it (`audit_rows(..., intervals=False)`), the parent keeps the
compact visit summary of every refill of a known patient and date (a few
hundred bytes each, read from the records the workers return, or from the
partial file on --resume), and after the last chunk `run_intervals` runs once
over all of them. The first pass is JSONL records in a file next to OUTPUT;
`merge_findings` streams it once more into the real writer, adding the
interval findings by run index. Findings therefore do not depend on
--batch-size or --n-process. Nothing here reads or prints note text except to
hand the first rows' text to the HTML writer.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Iterator, Mapping, Sequence

from auditor.checks import interval_summaries, run_intervals
from auditor.checks.findings import Finding
from auditor.io import Writer, dumps

Record = dict[str, Any]
MERGE_CHUNK = 1000  # records handed to the writer at a time in the second pass


class IntervalPass:
    """Collects (run index, visit summary) for every record of a run, in order, then finds the intervals."""

    def __init__(self) -> None:
        self.summaries: list[tuple[int, dict[str, Any]]] = []
        self.seen = 0  # records counted so far: the next record's run index

    def add(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Records of the next chunk (keeps only the summaries the interval pass uses)."""
        self.summaries.extend(interval_summaries(records, self.seen))
        self.seen += len(records)

    def add_file(self, path: str, limit: int) -> None:
        """The first `limit` records of a JSONL first pass (a resumed run's records already written)."""
        self.add(list(islice_records(path, limit)))

    def findings(self) -> dict[int, list[Finding]]:
        """Interval findings by run index, over every record added."""
        return run_intervals(self.summaries)


def islice_records(path: str, limit: int | None = None) -> Iterator[Record]:
    """Records of a JSONL file, one at a time, at most `limit`."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            yield json.loads(line)


def _with(record: Record, found: Iterable[Finding]) -> Record:
    """The record with the interval findings appended (a finding already there is not repeated)."""
    findings = list(record.get("findings") or [])
    findings += [f for f in found if f not in findings]
    record["findings"] = findings
    return record


def merge_findings(first_pass: str, writer: Writer, findings: Mapping[int, list[Finding]],
                   texts: Sequence[Any] = (), chunk: int = MERGE_CHUNK) -> None:
    """Stream the first pass into `writer` with `findings` added by run index, close the writer (its atomic
    rename to OUTPUT) and drop the first pass.

    texts: the note text of the first rows (only the HTML report shows text). chunk: records per
    `writer.write`, the first pass's --batch-size, so writers see the chunks they saw before (Parquet
    row groups are cut after a write).
    """
    rows: list[dict[str, Any]] = []
    records: list[Record] = []
    for i, rec in enumerate(islice_records(first_pass)):
        records.append(_with(rec, findings[i]) if i in findings else rec)
        rows.append({"text": texts[i]} if i < len(texts) else {})
        if len(records) >= chunk:
            writer.write(rows, records)
            rows, records = [], []
    if records:
        writer.write(rows, records)
    writer.close()
    os.remove(first_pass)


def merge_jsonl(first_pass: str, out: str, findings: Mapping[int, list[Finding]]) -> None:
    """JSONL output: copy the first pass line by line, re-encoding only the records that gain findings,
    into OUTPUT.merging, then rename it to OUTPUT and drop the first pass. Without findings the first
    pass is simply renamed. An interruption leaves the first pass whole, so --resume still works."""
    if not findings:
        os.replace(first_pass, out)
        return
    merging = out + ".merging"
    try:
        with open(first_pass, encoding="utf-8") as src, \
                open(merging, "w", encoding="utf-8", errors="backslashreplace") as dst:
            for i, line in enumerate(src):
                dst.write(dumps(_with(json.loads(line), findings[i])) + "\n" if i in findings else line)
        os.replace(merging, out)
    except BaseException:
        if os.path.exists(merging):
            os.remove(merging)
        raise
    os.remove(first_pass)
