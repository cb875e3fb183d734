"""The benchmark's generator is seeded and varied, and its runner reports every configuration (tiny sizes)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of scripts beside the package, not installed
    sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402
from bench.generate import MAX_WORDS, MIN_WORDS, STYLES, generate  # noqa: E402

ROLES = {"MD", "DO", "NP", "PA", "RN", "LPN", "MA", None}


def test_same_seed_gives_same_notes_and_other_seed_differs() -> None:
    assert list(generate(5, seed=3)) == list(generate(5, seed=3))
    assert [r["text"] for r in generate(5, seed=3)] != [r["text"] for r in generate(5, seed=4)]


def test_generate_with_start_continues_the_same_stream() -> None:
    assert list(generate(3, seed=1, start=2)) == list(generate(5, seed=1))[2:]


def test_notes_are_varied_and_within_the_word_range() -> None:
    rows = list(generate(300, seed=11))
    words = [len(r["text"].split()) for r in rows]
    assert min(words) >= MIN_WORDS and max(words) <= MAX_WORDS
    assert max(words) - min(words) > 120, "lengths should spread over the range"
    assert len({r["text"] for r in rows}) == len(rows)
    assert len({r["note_id"] for r in rows}) == len(rows)
    firsts = {r["text"].split("\n", 1)[0][:12] for r in rows}
    assert len(firsts) > 50, "openings should vary across styles and phrasings"
    assert sum(r["text"].startswith(("INTRATHECAL PUMP", "Pump Management", "IT DRUG")) for r in rows) > 300 / len(STYLES) / 2


def test_rows_follow_the_contract_input_columns() -> None:
    for r in generate(200, seed=5):
        assert set(r) == {"note_id", "text", "patient_id", "service_date", "author", "author_role", "payer", "billed_codes"}
        assert r["author_role"] in ROLES
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["service_date"])
        assert re.fullmatch(r"\d{5}(x\d+)?(-\d\d)?(;[0-9A-Z]{5}(x\d+)?(-\d\d)?)*", r["billed_codes"])


def test_generated_notes_copy_no_line_of_the_gold_notes() -> None:
    gold_lines = set()
    with open(ROOT / "annotations" / "gold.jsonl", encoding="utf-8") as fh:
        for line in fh:
            gold_lines |= {ln.strip() for ln in json.loads(line)["text"].splitlines() if len(ln.strip()) >= 60}
    for r in generate(300, seed=2):
        assert not gold_lines & {ln.strip() for ln in r["text"].splitlines()}


@pytest.mark.timeout(300)
def test_runner_reports_every_configuration_and_the_memory_sizes() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--notes", "6", "--memory", "4,8", "--memory-chunk", "4", "--chunk", "3",
         "--json", "--timeout", "240"],
        cwd=ROOT, capture_output=True, text=True, timeout=280,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    runs = [r for r in out if r["config"] != "memory"]
    assert [r["config"] for r in runs] == list(bench_run.CONFIGS)
    for r in runs:
        assert r["notes"] == 6 and r["words"] >= 6 * MIN_WORDS
        assert r["notes_per_s"] > 0 and r["words_per_s"] > r["notes_per_s"]
        assert r["peak_rss_mb"] > 50
    two = next(r for r in runs if r["config"] == "auditor2")
    assert two["workers_peak_rss_mb"] > 100, "both workers built a pipeline"
    mem = [r for r in out if r["config"] == "memory"]
    assert [m["notes"] for m in mem] == [4, 8]
    assert mem[-1]["peak_rss_mb"] >= mem[0]["rss_after_build_mb"]
    assert "| auditor2 | 6 |" in bench_run.table(runs)
    assert "| 8 |" in bench_run.memory_table(mem)


def test_runner_rejects_an_unknown_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench_run.main(["--configs", "blank,gpu"])
    assert exc.value.code == 2
    assert "gpu" in capsys.readouterr().err


def test_component_timing_names_every_stage_and_adds_up() -> None:
    from bench.components import measure

    stages = measure(list(generate(6, seed=2)), repeat=1)
    names = [name for name, _ in stages]
    assert names[0] == "tokenizer" and names[-1] == "whole audit (audit_rows)"
    assert {"pump_target_matcher", "pump_context", "the rest (nlp.pipe, GC, decisions, checks, record)"} <= set(names)
    assert all(secs >= 0 for _, secs in stages)
    parts = sum(secs for _, secs in stages[:-1])
    assert parts >= stages[-1][1] * 0.99  # the residual rows make the parts cover the whole
