"""The bulk run behind `auditor audit`: read every input, audit in chunks, write records in input order.

Why apart from the CLI: the run (streaming, --resume, the run-wide refill-interval pass,
worker processes, the claims join, the summary line) is the part worth testing and reusing;
the CLI only turns arguments into a `RunOptions` and reports what this module raises.
Progress and notices go to stderr; stdout carries records only with `--out -`. Note text
is never printed.

Errors follow the audit contract: an unusable option raises `OptionError` and unreadable
input `auditor.io.InputError` (the CLI exits 2 with one line for both); a worker that dies
or a reader that goes away (`--out - | head`) ends the run with status 1, partial output kept.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from auditor.interval_pass import IntervalPass, merge_findings, merge_jsonl
from auditor.io import (InputError, JsonlWriter, OutputLock, Row, Source, Writer, check_output, check_partials,
                        open_source, open_writer, resume_check)

if TYPE_CHECKING:
    from auditor.claims_file import ClaimsJoin


class OptionError(Exception):
    """A run option that cannot be used (a batch size of 0, stdin twice): reported like an argument error."""


@dataclass(frozen=True)
class RunOptions:
    """What `auditor audit` was asked to do; the fields are its options (see `auditor audit --help`)."""

    inputs: Sequence[str]
    out: str
    id_col: str = "note_id"
    text_col: str = "text"
    batch_size: int = 50
    n_process: int = 1
    force: bool = False
    resume: bool = False
    engine: str = "local"
    encoding: str | None = None
    sheet: str | None = None
    recursive: bool = False
    quiet: bool = False
    claims: str | None = None
    claims_key: str = "note_id"
    mode: str | None = None


def check_options(opts: RunOptions) -> None:
    """Refuse options no run can use, before anything is read or written."""
    if opts.batch_size < 1:
        raise OptionError("--batch-size must be at least 1")
    if opts.n_process < 1:
        raise OptionError("--n-process must be at least 1")
    if list(opts.inputs).count("-") > 1:
        raise OptionError("stdin (-) can be read only once")
    if opts.claims and opts.engine == "spark":
        raise OptionError("--claims works with the local engine")


def run(opts: RunOptions) -> int:
    """Audit `opts.inputs` into `opts.out`; the exit status (0 done, 1 a run cut short)."""
    check_options(opts)
    if opts.engine == "spark":
        return run_spark(opts)
    check_output(opts.out, opts.force, opts.resume)  # before reading a byte of the inputs
    lock = None if opts.out == "-" else OutputLock(opts.out)
    try:
        check_partials(opts.out, opts.force, opts.resume)
        return _run_locked(opts)
    finally:
        if lock is not None:
            lock.release()


def run_spark(opts: RunOptions) -> int:
    """Hand the run to Apache Spark (auditor/engines/spark.py), which reports its own errors."""
    import importlib

    if opts.mode:  # Spark's Python workers read the mode from the environment they inherit
        from auditor.learn import MODE_ENV

        os.environ[MODE_ENV] = opts.mode

    try:
        spark = importlib.import_module("auditor.engines.spark")
    except ImportError as exc:
        missing = getattr(exc, "name", "") or ""
        detail = "" if missing.startswith("auditor.engines") or not missing else f" ({missing} is missing)"
        raise InputError(f"spark engine not installed{detail}") from None
    status = spark.run_cli(list(opts.inputs), opts.out, opts.id_col, opts.text_col, opts.force)
    return status if isinstance(status, int) else 0


def _say(message: str) -> None:
    """One line on stderr (the first line of `message`)."""
    print(message.splitlines()[0] if message else "error", file=sys.stderr)


def _count(sources: list[Source]) -> int | None:
    """Notes in all inputs, for the progress bar; None when an input cannot be counted ahead (stdin)."""
    total = 0
    for s in sources:
        n = s.count()
        if n is None:
            return None
        total += n
    return total


def _progress(total: int | None, quiet: bool) -> Any:
    """A tqdm bar on stderr with rate and ETA (no monitor thread, so forking workers is safe)."""
    from tqdm import tqdm

    class _Bar(tqdm):  # type: ignore[misc,type-arg]
        monitor_interval = 0

    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    return _Bar(total=total, unit=" notes", file=sys.stderr, disable=quiet, dynamic_ncols=True,
                mininterval=0.5 if tty else 30.0, smoothing=0.1)


def _notices(sources: list[Source], shown: set[str]) -> None:
    """Print each reader notice once (encodings used, sheets and files not read): never note text."""
    for s in sources:
        for line in s.notices:
            if line not in shown:
                shown.add(line)
                print(f"auditor audit: {line}", file=sys.stderr)


def _open_claims(opts: RunOptions, sources: list[Source]) -> ClaimsJoin | None:
    """The claims join for --claims (None without it); notes that can be read twice are counted first."""
    if not opts.claims:
        return None
    from auditor.claims_file import ClaimsJoin

    join = ClaimsJoin(opts.claims, key=opts.claims_key)
    if "-" not in opts.inputs:
        join.prescan(chain.from_iterable(s.rows() for s in sources))
    return join


class _Tally:
    """Records written, notes not audited, and ids seen before (each repeat still gets its own record)."""

    def __init__(self) -> None:
        self.done = self.errors = self.duplicates = 0
        self._seen: set[Any] = set()

    def add(self, records: Sequence[Mapping[str, Any]]) -> None:
        for rec in records:
            nid = rec.get("note_id")
            key = (type(nid).__name__, nid) if isinstance(nid, (str, int, float, bool)) else None
            if key is not None:
                if key in self._seen:
                    self.duplicates += 1
                else:
                    self._seen.add(key)
            self.errors += bool(rec.get("error"))
        self.done += len(records)


def _run_locked(opts: RunOptions) -> int:
    """The run itself, holding the output's lock."""
    sources = [open_source(p, opts.id_col, opts.text_col, encoding=opts.encoding, sheet=opts.sheet,
                           recursive=opts.recursive) for p in opts.inputs]
    shown: set[str] = set()
    _notices(sources, shown)
    total = None if opts.quiet else _count(sources)
    writer = open_writer(opts.out, force=opts.force, resume=opts.resume)
    # First pass: JSONL records without run-wide intervals (OUTPUT.partial for .jsonl, so --resume reads it;
    # OUTPUT.records.partial for the other formats), merged with the interval findings at the end.
    # stdout cannot be rewritten: there each chunk checks its own intervals (see --help).
    streaming = opts.out == "-"
    first: Writer = writer if streaming or isinstance(writer, JsonlWriter) else JsonlWriter(opts.out, partial=opts.out + ".records.partial")
    run_intervals = IntervalPass()
    keep_texts = 0 if first is writer else int(getattr(writer, "max_notes", 0))  # the HTML report shows text
    texts: list[Any] = []
    if writer.resumed:
        run_intervals.add_file(first.partial, writer.resumed)
    rows: Iterator[Row] = chain.from_iterable(s.rows() for s in sources)
    claims = _open_claims(opts, sources)
    if claims is not None:
        rows = claims.attach(rows)
    if writer.resumed:
        resume_check(writer.partial, getattr(writer, "digests", ()), rows)  # consumes the rows already audited
        total = None if total is None else max(0, total - writer.resumed)
    if not opts.quiet and opts.resume:
        print(f"auditor: resuming after {writer.resumed} records already in {writer.partial}", file=sys.stderr)

    from auditor.parallel import audit_chunks, batched

    from auditor.learn import load_models, resolve_mode

    mode = resolve_mode(opts.mode)
    if mode != "rules":
        load_models()  # once, before any worker forks: an untrusted file stops here, a missing one warns here
    if opts.n_process <= 1:  # build before the bar starts, so its rate is the audit's
        from auditor.pipeline import shared

        shared()
    tally = _Tally()
    started = time.monotonic()
    bar = _progress(total, opts.quiet)
    try:
        for chunk, records in audit_chunks(batched(rows, opts.batch_size), opts.n_process, opts.batch_size,
                                           intervals=streaming, mode=mode):
            first.write(chunk, records)
            if not streaming:
                run_intervals.add(records)
            if len(texts) < keep_texts:
                texts.extend(r.get("text") for r in chunk[:keep_texts - len(texts)])
            tally.add(records)
            bar.update(len(records))
    except BrokenProcessPool:
        bar.close()
        _say("auditor audit: a worker process died (out of memory?); partial output kept"
             + (", rerun with --resume" if opts.out.endswith(".jsonl") else ""))
        return 1
    except BrokenPipeError:  # `--out - | head`: the reader has gone
        bar.close()
        return 1
    bar.close()
    added = 0
    if streaming:
        writer.close()
    else:
        first.finish()
        found = run_intervals.findings()
        added = sum(len(f) for f in found.values())
        if isinstance(first, JsonlWriter) and first is writer:
            merge_jsonl(first.partial, opts.out, found)
            first.discard_inputs()
        else:
            merge_findings(first.partial, writer, found, texts, chunk=opts.batch_size)
    _notices(sources, shown)  # a folder's encodings are known once it is read
    unmatched_note = _finish_claims(claims, opts)
    if tally.duplicates:
        print(f"auditor audit: warning: {tally.duplicates} notes repeat an earlier note_id (each got its own record)",
              file=sys.stderr)
    if not opts.quiet:
        secs = time.monotonic() - started
        rate = tally.done / secs if secs > 0 else 0.0
        where = "stdout" if opts.out == "-" else opts.out
        print(f"auditor audit: {tally.done + writer.resumed} records ({tally.errors} not audited) -> {where} "
              f"in {secs:.1f} s ({rate:.1f} notes/s)"
              + ("" if streaming else f"; {added} refill-interval findings across the run") + unmatched_note, file=sys.stderr)
    return 0


def _finish_claims(claims: ClaimsJoin | None, opts: RunOptions) -> str:
    """Write the claim lines no note took; the summary line's claims part ("" without --claims)."""
    if claims is None or opts.claims is None:
        return ""
    from auditor.claims_file import unmatched_path

    where_unmatched = unmatched_path(opts.out, opts.claims)
    unmatched = claims.finish(where_unmatched)
    note = f"; claims: {claims.lines} lines, {claims.matched()} joined, {unmatched} unmatched -> {where_unmatched}"
    claims.close()
    return note
