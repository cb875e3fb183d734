"""Chaos: kill `auditor audit` (SIGKILL) at a random moment and at random chosen points (mid-chunk, mid-merge,
between the merge's rename and its clean-up, before the fingerprint is removed), resume each time, and
compare with an uninterrupted run byte for byte. Six short runs of the gold notes: about half a minute."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "annotations" / "gold.jsonl"
HARNESS = Path(__file__).resolve().parent / "chaos_harness.py"
BATCH = "25"
SUBSET = 325  # notes: 13 chunks, enough for every kill point drawn below (chunk 2-12, merge 1-8)


def _run(point: str, src: Path, out: Path, kill_after: float | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, str(HARNESS), point, "audit", str(src), "--out", str(out), "--resume", "-q",
           "--batch-size", BATCH]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err, err.decode(errors="replace")
    return proc.returncode


def _finished(out: Path) -> bool:
    return out.exists() and not Path(str(out) + ".partial").exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, bytes]:
    """The gold notes and their uninterrupted audit (in this process: the pipeline is already built)."""
    from auditor.cli import main

    where = tmp_path_factory.mktemp("chaos_ref")
    src = where / "notes.jsonl"  # the first SUBSET gold notes: every kill point is reached (13 chunks of 25)
    with open(GOLD, encoding="utf-8") as fh:
        src.write_text("".join(line for _, line in zip(range(SUBSET), fh)), encoding="utf-8")
    assert main([
        "audit", str(src), "--out", str(where / "ref.jsonl"), "-q", "--batch-size", BATCH]) == 0
    return src, (where / "ref.jsonl").read_bytes()


@pytest.mark.timeout(300)
def test_kills_at_random_and_chosen_points_then_resume_give_the_uninterrupted_output(tmp_path, reference, nlp):
    src, ref = reference
    out = tmp_path / "out.jsonl"
    rng = random.Random(int(time.time()) // 86400)  # a new schedule each day, the same within a CI day
    # a kill at a random moment (start-up, reading, auditing: wherever it lands), then at chosen points
    assert _run("none:0", src, out, kill_after=rng.uniform(0.3, 2.5)) == -signal.SIGKILL
    for point in (f"chunk:{rng.randint(2, 12)}", f"merge:{rng.randint(1, 8)}", "rename", "inputs"):
        code = _run(point, src, out)
        assert code == -signal.SIGKILL, (point, code)  # every point is reached
    runs = 0
    while not _finished(out):
        assert _run("none:0", src, out) == 0
        runs += 1
        assert runs <= 2
    assert out.read_bytes() == ref
    left = {p.name for p in tmp_path.iterdir()} - {"out.jsonl"}
    assert left <= {"out.jsonl.lock", "out.jsonl.partial.inputs"}, left
