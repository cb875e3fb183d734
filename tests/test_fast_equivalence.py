"""The fast path changes speed, never records: build(fast=False) and build(fast=True) audit alike."""
from __future__ import annotations

from tests.sampling import spread
import json
from pathlib import Path

import pytest

from auditor.audit import audit_rows
from auditor.pipeline import build

from .conftest import GOLD, read_jsonl

REPO = Path(__file__).resolve().parents[1]
# characters real exports carry that the fast path treats specially (non-ASCII triage, case partners)
PERTURB = {" ": "\u00a0", "-": "\u2013", "'": "\u2019", "u": "\u00b5" if False else "u", "k": "\u212a", "s": "\u017f"}


def _perturbed(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        out.append(PERTURB.get(ch, ch) if i % 7 == 0 else ch)
    return out and "".join(out) + " \u2022 ok"


@pytest.fixture(scope="module")
def pipelines():
    return build(fast=True), build(fast=False)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    gold = read_jsonl(GOLD)
    picked = spread(gold, 200)  # every writer and style; flat time as the gold grows
    bank = []
    for path in sorted((REPO / "annotations").glob("phrasebank*.jsonl")):
        bank += [{"note_id": r["id"], "text": r["text"]} for r in read_jsonl(path)[::12]]
    perturbed = [{**n, "note_id": f"{n['note_id']}~u", "text": _perturbed(n["text"])} for n in spread(gold[1:], 60)]
    return [{k: v for k, v in n.items() if k not in ("labels", "visit")} for n in picked] + bank + perturbed


def test_fast_and_plain_pipelines_give_identical_records(pipelines, rows):
    fast, plain = pipelines
    a = audit_rows(fast, rows)
    b = audit_rows(plain, rows)
    differ = [x["note_id"] for x, y in zip(a, b) if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True)]
    assert not differ, f"{len(differ)} of {len(rows)} records differ, e.g. {differ[:5]}"


def test_plain_pipeline_has_no_fast_components():
    from medspacy.context import ConText

    nlp = build(fast=False)
    ctx = dict(nlp.pipeline)["pump_context"]
    assert type(ctx) is ConText


def test_environment_switch_turns_the_fast_path_off(monkeypatch):
    from auditor import fast

    monkeypatch.setenv("PUMP_AUDITOR_FAST", "0")
    assert not fast.enabled()
    monkeypatch.setenv("PUMP_AUDITOR_FAST", "1")
    assert fast.enabled()
