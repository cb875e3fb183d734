"""Throughput and memory benchmark for bulk audits, all configurations on the same notes.

Why: issue 5 asks how fast and how big a bulk audit is. Each configuration
runs in a fresh child process so its peak RSS is its own, on one shared file
of generated notes (bench/generate.py; fictional, so nothing here is PHI):

- ``blank``      spacy.blank("en") tokenizer alone (the floor)
- ``medspacy``   medspacy.load() defaults (PyRuSH, empty target matcher, ConText)
- ``auditor``    the auditor pipeline in one process (nlp.pipe inside audit_rows), rules only
- ``hybrid``     the same with the models' second opinion (``--mode hybrid``, auditor/learn)
- ``auditor2``   the auditor with a 2-process Pool: the pipeline built once per
                 worker by the initializer, imap over chunks of rows

``--memory N,M,...`` streams max(N, M, ...) generated notes through audit_rows
in chunks and reports peak RSS when each size is reached.

    python -m bench.run --notes 2000 --memory 10000,200000
    python -m bench.run --configs "" --memory 10000,200000      # memory check only
    python -m bench.run --notes 6 --memory 4,8 --memory-chunk 4 --json   # CI size
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

CONFIGS = ("blank", "medspacy", "auditor", "hybrid", "auditor2")
ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _hwm_mb(pid: int) -> float:
    """Peak RSS of another live process, from /proc (no psutil in the stack)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def chunked(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


# -- one configuration, run inside a child process --------------------------------------------

def _time_pipe(nlp: Any, texts: list[str], batch_size: int) -> float:
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - t0


def _run_blank(rows: list[dict[str, Any]], batch_size: int, chunk: int) -> dict[str, float]:
    import spacy

    t0 = time.perf_counter()
    nlp = spacy.blank("en")
    setup = time.perf_counter() - t0
    return {"setup_s": setup, "run_s": _time_pipe(nlp, [r["text"] for r in rows], batch_size)}


def _run_medspacy(rows: list[dict[str, Any]], batch_size: int, chunk: int) -> dict[str, float]:
    from loguru import logger

    logger.disable("PyRuSH")  # a DEBUG line per sentence otherwise (STACK_NOTES)
    import medspacy

    t0 = time.perf_counter()
    nlp = medspacy.load()  # defaults: medspacy_pyrush, medspacy_target_matcher, medspacy_context
    setup = time.perf_counter() - t0
    return {"setup_s": setup, "run_s": _time_pipe(nlp, [r["text"] for r in rows], batch_size)}


def _run_auditor(rows: list[dict[str, Any]], batch_size: int, chunk: int, mode: str = "rules") -> dict[str, float]:
    from auditor.audit import audit_rows
    from auditor.pipeline import build, settle

    t0 = time.perf_counter()
    nlp = settle(build())
    if mode != "rules":
        from auditor.learn import load_models

        load_models()  # loading the models is set-up, like building the pipeline
    setup = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(audit_rows(nlp, c, batch_size=batch_size, mode=mode)) for c in chunked(rows, chunk))
    assert n == len(rows), "audit_rows must return one record per row"
    # CPU time is what compares two configurations when other work shares the cores (wall time does not)
    return {"setup_s": setup, "run_s": time.perf_counter() - t0, "cpu_ms_per_note": (time.process_time() - c0) / n * 1000}


_WORKER_NLP: Any = None


def _worker_init(ready: Any) -> None:
    """Pool initializer: build the pipeline once per worker, then wait until all are ready."""
    global _WORKER_NLP
    from auditor.pipeline import build, settle

    _WORKER_NLP = settle(build())
    ready.wait()


def _worker_audit(args: tuple[list[dict[str, Any]], int]) -> int:
    """Audit one chunk; return only the count, so the benchmark times auditing, not pickling records back."""
    from auditor.audit import audit_rows

    rows, batch_size = args
    recs = audit_rows(_WORKER_NLP, rows, batch_size=batch_size, mode="rules")
    return len([json.dumps(r) for r in recs])


def _run_auditor2(rows: list[dict[str, Any]], batch_size: int, chunk: int, processes: int = 2) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    ready = ctx.Barrier(processes + 1)
    t0 = time.perf_counter()
    with ctx.Pool(processes, initializer=_worker_init, initargs=(ready,)) as pool:
        ready.wait(timeout=300)
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        n = sum(pool.imap(_worker_audit, ((c, batch_size) for c in chunked(rows, chunk))))
        run = time.perf_counter() - t0
        workers_mb = sum(_hwm_mb(p.pid) for p in mp.active_children())
    assert n == len(rows), "every row must come back audited"
    return {"setup_s": setup, "run_s": run, "workers_peak_rss_mb": workers_mb}


def _run_hybrid(rows: list[dict[str, Any]], batch_size: int, chunk: int) -> dict[str, float]:
    return _run_auditor(rows, batch_size, chunk, mode="hybrid")


RUNNERS = {"blank": _run_blank, "medspacy": _run_medspacy, "auditor": _run_auditor, "hybrid": _run_hybrid,
           "auditor2": _run_auditor2}


def run_config(name: str, notes_path: str, batch_size: int, chunk: int) -> dict[str, Any]:
    """Run one configuration in this process; throughput excludes building the pipeline."""
    rows = read_rows(notes_path)
    words = sum(len(r["text"].split()) for r in rows)
    res: dict[str, Any] = {"config": name, "notes": len(rows), "words": words}
    load_before = os.getloadavg()[0]
    res.update(RUNNERS[name](rows, batch_size, chunk))
    res["load_avg_1m"] = max(load_before, os.getloadavg()[0])  # > cores means other work shared the CPUs
    res["notes_per_s"] = len(rows) / max(res["run_s"], 1e-9)
    res["words_per_s"] = words / max(res["run_s"], 1e-9)
    res["peak_rss_mb"] = peak_rss_mb() + res.get("workers_peak_rss_mb", 0.0)
    return res


# -- memory: stream N notes through audit_rows ---------------------------------------------------

def memory_check(sizes: list[int], chunk: int, batch_size: int, seed: int,
                 renew_every: int = 0) -> Iterator[dict[str, Any]]:
    """Stream generated notes through audit_rows in chunks, with the pipeline renewed as the CLI
    renews it (auditor.pipeline.Renewing; renew_every=0: never); yield peak RSS as each size is reached."""
    from auditor.audit import audit_rows
    from auditor.pipeline import Renewing
    from bench.generate import generate

    renewing = Renewing(every=renew_every if renew_every > 0 else 10**18)
    after_build = peak_rss_mb()
    todo = sorted(set(sizes))
    done = 0
    t0 = time.perf_counter()
    for rows in chunked(generate(todo[-1], seed=seed), chunk):
        for rec in audit_rows(renewing.get(len(rows)), rows, batch_size=batch_size):
            json.dumps(rec)  # what a writer would do; nothing is kept
        done += len(rows)
        while todo and done >= todo[0]:
            yield {"notes": todo.pop(0), "peak_rss_mb": peak_rss_mb(), "rss_after_build_mb": after_build,
                   "vocab_strings": len(renewing.nlp.vocab.strings), "renewals": renewing.renewals,
                   "elapsed_s": time.perf_counter() - t0}


# -- driver --------------------------------------------------------------------------------------

def _child(args: list[str], timeout: float) -> list[dict[str, Any]]:
    """Run `python -m bench.run` with args in a fresh process; its stdout is JSON lines."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "bench.run", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no stderr"]
        raise RuntimeError(f"bench child {args[:2]} exited {proc.returncode}: {tail[0]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def table(results: list[dict[str, Any]]) -> str:
    """A Markdown table of throughput results."""
    out = ["| configuration | notes | notes/s | words/s | setup s | peak RSS MB | load avg | CPU ms/note |",
           "|---|---|---|---|---|---|---|---|"]
    for r in results:
        out.append(f"| {r['config']} | {r['notes']} | {r['notes_per_s']:.1f} | {r['words_per_s']:,.0f} | "
                   f"{r['setup_s']:.1f} | {r['peak_rss_mb']:.0f} | {r.get('load_avg_1m', float('nan')):.1f} | "
                   + (f"{r['cpu_ms_per_note']:.2f} |" if "cpu_ms_per_note" in r else "- |"))
    return "\n".join(out)


def memory_table(results: list[dict[str, Any]]) -> str:
    out = ["| notes streamed | peak RSS MB | RSS after build MB | vocab strings | pipeline renewals | elapsed s |",
           "|---|---|---|---|---|---|"]
    for r in results:
        out.append(f"| {r['notes']:,} | {r['peak_rss_mb']:.0f} | {r['rss_after_build_mb']:.0f} | "
                   f"{r['vocab_strings']:,} | {r.get('renewals', 0)} | {r['elapsed_s']:.0f} |")
    return "\n".join(out)


def _renew_every(a: argparse.Namespace) -> int:
    from auditor.pipeline import RENEW_EVERY

    return RENEW_EVERY if a.renew_every is None else a.renew_every


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark bulk audits (throughput per configuration, memory).")
    ap.add_argument("--notes", type=int, default=2000, help="notes for the throughput runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma list of {', '.join(CONFIGS)}")
    ap.add_argument("--batch-size", type=int, default=50, help="nlp.pipe batch size")
    ap.add_argument("--chunk", type=int, default=50, help="rows per audit_rows call / per Pool task")
    ap.add_argument("--memory", default="", help="comma list of note counts for the memory check, e.g. 10000,200000")
    ap.add_argument("--memory-chunk", type=int, default=500)
    ap.add_argument("--renew-every", type=int, default=None,
                    help="memory check: renew the pipeline every N notes as the CLI does (default: the CLI's "
                         "auditor.pipeline.RENEW_EVERY; 0: never)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for each child process")
    ap.add_argument("--json", action="store_true", help="print JSON lines instead of Markdown tables")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child == "memory":
        sizes = [int(s) for s in a.memory.split(",") if s]
        for res in memory_check(sizes, a.memory_chunk, a.batch_size, a.seed, _renew_every(a)):
            print(json.dumps(res), flush=True)
        return 0
    if a.child:
        print(json.dumps(run_config(a.child, a.input, a.batch_size, a.chunk)), flush=True)
        return 0

    configs = [c for c in a.configs.split(",") if c]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        ap.error(f"unknown configurations: {', '.join(sorted(unknown))}")
    from bench.generate import generate

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="pump-bench-") as tmp:
        notes = Path(tmp) / "notes.jsonl"
        with open(notes, "w", encoding="utf-8") as fh:
            for row in generate(a.notes, seed=a.seed):
                fh.write(json.dumps(row) + "\n")
        common = ["--batch-size", str(a.batch_size), "--chunk", str(a.chunk)]
        for c in configs:
            results += _child(["--child", c, "--input", str(notes), *common], a.timeout)
            if a.json:
                print(json.dumps(results[-1]), flush=True)
    mem: list[dict[str, Any]] = []
    if a.memory:
        mem = _child(["--child", "memory", "--memory", a.memory, "--memory-chunk", str(a.memory_chunk),
                      "--renew-every", str(_renew_every(a)),
                      "--batch-size", str(a.batch_size), "--seed", str(a.seed)], a.timeout)
        if a.json:
            for m in mem:
                print(json.dumps({"config": "memory", **m}), flush=True)
    if not a.json:
        print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {a.notes} notes, seed {a.seed}\n")
        if results:
            print(table(results))
        if mem:
            print("\n" + memory_table(mem))
    return 0


if __name__ == "__main__":
    sys.exit(main())
