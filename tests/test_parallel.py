"""The pipeline crosses process boundaries: pickling, a worker pool, and spaCy's own nlp.pipe(n_process=2)."""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from auditor.audit import audit_rows
from auditor.io import read_records, to_row

REPO = Path(__file__).resolve().parents[1]


def test_pickled_pipeline_audits_the_same(nlp, sample_rows, sample_records):
    clone = pickle.loads(pickle.dumps(nlp))
    assert audit_rows(clone, [to_row(r, "note_id", "text") for r in sample_rows]) == sample_records


@pytest.mark.timeout(300)
def test_two_worker_processes_give_the_same_records_in_order(cli, tmp_path):
    # batch 3 over 20 notes: 7 chunks through a window of 4, so ordering across workers is exercised
    for n in ("1", "2"):
        code, _, err = cli("audit", REPO / "samples" / "notes.csv", "--out", tmp_path / f"{n}.jsonl",
                           "--n-process", n, "--batch-size", "3", "-q")
        assert code == 0, err
    one, two = read_records(tmp_path / "1.jsonl"), read_records(tmp_path / "2.jsonl")
    assert len(two) == 20
    assert two == one


PIPE_SCRIPT = textwrap.dedent("""
    import json, sys
    from auditor.pipeline import build
    texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
    nlp = build()
    one = [d._.pump for d in nlp.pipe(texts, batch_size=5)]
    two = [d._.pump for d in nlp.pipe(texts, batch_size=5, n_process=2)]
    print("same" if one == two else "different", len(two))
""")


def test_spacy_pipe_with_two_processes_works_on_the_pipeline(tmp_path):
    script = tmp_path / "pipe2.py"
    script.write_text(PIPE_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, str(script), str(REPO / "samples" / "notes.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the script and spaCy's workers, nothing else
        proc.communicate()
        pytest.fail("nlp.pipe(n_process=2) hung for 240 s (see STACK_NOTES: msgpack hooks, E871)")
    assert proc.returncode == 0, err[-1500:]
    assert out.split() == ["same", "20"]


def test_renewing_pipeline_is_rebuilt_every_n_notes_and_audits_the_same(nlp, sample_rows, sample_records):
    from auditor.audit import audit_rows
    from auditor.io import to_row
    from auditor.pipeline import Renewing

    rows = [to_row(r, "note_id", "text") for r in sample_rows]
    renewing = Renewing(every=8, nlp=nlp)
    records = []
    first = renewing.get(0)
    for i in range(0, len(rows), 5):
        chunk = rows[i:i + 5]
        records += audit_rows(renewing.get(len(chunk)), chunk, intervals=False)
    assert renewing.renewals == 1  # chunks of 5: renewed before the third chunk, once 10 notes had passed
    assert renewing.nlp is not first
    expected = audit_rows(nlp, rows, intervals=False)
    assert records == expected
