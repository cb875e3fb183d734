"""Audit a stream of row chunks in this process or in a pool of worker processes.

Why a pool of our own rather than `nlp.pipe(n_process=...)`: the workers send
back the contract's plain-dict records, so no spaCy Doc (and none of medspaCy's
msgpack hooks) crosses a process boundary. Each worker builds the pipeline
once. At most `2 * n_process` chunks are in flight, so reading a file of
millions of notes never queues it all in memory (Pool.imap would read ahead
without bound), and results come back in input order. Workers die with the
parent (`_die_with_parent`): a killed `auditor audit` leaves no orphan holding
a pipeline's memory.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

from spacy.language import Language

from auditor.audit import audit_rows, error_record

Row = dict[str, Any]
Record = dict[str, Any]
_WORKER: Any = None  # this worker process's auditor.pipeline.Renewing


def batched(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of `size` rows (the last may be shorter)."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def audit_chunk(nlp: Language, rows: Sequence[Row], batch_size: int = 50, intervals: bool = True,
                mode: str | None = None) -> list[Record]:
    """`audit_rows`, plus the reader's own reason for rows it could not parse (a JSONL line that is not JSON)."""
    records = audit_rows(nlp, rows, batch_size=batch_size, intervals=intervals, mode=mode)
    for i, row in enumerate(rows):
        if row.get("_error"):
            # a plain dict like the others: audit_rows returns dict[str, Any] records, error_record the Record TypedDict
            records[i] = dict(error_record(row.get("note_id"), row["_error"]))
    return records


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """End this worker when `parent` dies, however it dies (SIGKILL included). On Linux the kernel sends
    SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a daemon thread polls the parent id every second."""
    armed = False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(parent: int | None = None) -> None:
    global _WORKER
    if parent is not None:
        _die_with_parent(parent)
    from auditor.pipeline import Renewing

    _WORKER = Renewing()


def _worker_audit(rows: list[Row], batch_size: int, intervals: bool, mode: str | None = None) -> list[Record]:
    assert _WORKER is not None, "worker initializer did not run"
    return audit_chunk(_WORKER.get(len(rows)), rows, batch_size, intervals=intervals, mode=mode)


def audit_chunks(chunks: Iterable[list[Row]], n_process: int = 1, batch_size: int = 50,
                 nlp: Language | None = None, intervals: bool = True,
                 mode: str | None = None) -> Iterator[tuple[list[Row], list[Record]]]:
    """(rows, records) for every chunk, in order; `n_process > 1` audits in forked workers.

    intervals=True checks refill intervals inside each chunk only; a whole-run
    caller passes False and runs the interval pass itself (auditor.interval_pass).
    """
    if n_process <= 1:
        if nlp is not None:  # the caller's pipeline, used as it is
            for chunk in chunks:
                yield chunk, audit_chunk(nlp, chunk, batch_size, intervals=intervals, mode=mode)
            return
        from auditor.pipeline import Renewing, shared

        renewing = Renewing(nlp=shared())  # the first pipeline is the process's shared one
        for chunk in chunks:
            yield chunk, audit_chunk(renewing.get(len(chunk)), chunk, batch_size, intervals=intervals, mode=mode)
        return
    pool = ProcessPoolExecutor(max_workers=n_process, mp_context=mp.get_context("fork"), initializer=_init_worker,
                               initargs=(os.getpid(),))
    pending: deque[tuple[list[Row], Future[list[Record]]]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(_worker_audit, chunk, batch_size, intervals, mode)))
            if len(pending) >= 2 * n_process:
                rows, fut = pending.popleft()
                yield rows, fut.result()
        while pending:
            rows, fut = pending.popleft()
            yield rows, fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
