"""`auditor evaluate gold|phrasebank|agreement` and `auditor gold validate|split`: wiring, output, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.evaluation.split import split_of

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "annotations" / "gold.jsonl"
SECOND = REPO / "annotations" / "iaa" / "second_annotator.jsonl"


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, lines
    return lines[0]


@pytest.fixture
def small_gold(tmp_path: Path) -> Path:
    """Three dev gold notes (one billed) in a file of their own: a quick `auditor evaluate`."""
    notes = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = [n for n in notes if n["split"] == "dev"]
    picked = [n for n in dev if not n.get("billed_codes")][:2] + [n for n in dev if n.get("billed_codes")][:1]
    p = tmp_path / "small.jsonl"
    p.write_text("".join(json.dumps(n) + "\n" for n in picked), encoding="utf-8")
    return p


def test_evaluate_with_a_path_first_is_evaluate_gold(cli, small_gold):
    code, implicit, err = cli("evaluate", small_gold, "--json", "--mode", "rules")
    assert code == 0, err
    code, explicit, err = cli("evaluate", "gold", small_gold, "--json", "--mode", "rules")
    assert code == 0, err
    code, options_first, err = cli("evaluate", "--mode", "rules", "--json", small_gold)
    assert code == 0, err
    assert implicit == explicit == options_first
    assert json.loads(implicit)["notes"] == 3


def test_phrasebank_prints_a_line_per_concept_and_the_wrong_fragments_on_request(cli, tmp_path):
    bank = tmp_path / "bank.jsonl"
    items = [
        {"id": "a", "concept": "goals", "expected": True, "text": "Goal: walk to the mailbox without a cane.", "split": "dev"},
        {"id": "b", "concept": "goals", "expected": True, "text": "Weather was fine.", "split": "dev"},
        {"id": "c", "concept": "dose_response", "expected": False, "text": "Pump site clean.", "split": "dev"},
    ]
    bank.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    code, out, err = cli("evaluate", "phrasebank", bank)
    assert code == 0, err
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["dose_response", "goals", "overall"]
    assert "Weather was fine." not in out
    code, out, _ = cli("evaluate", "phrasebank", bank, "--wrong")
    assert code == 0 and "goals True | Weather was fine." in out.splitlines()


def test_agreement_prints_json_per_element_and_overall(cli):
    code, out, err = cli("evaluate", "agreement", GOLD, SECOND)
    assert code == 0, err
    res = json.loads(out)
    assert res["all"]["n"] == 6 * 60 and set(res) >= {"pump_status", "drug_cost", "all"}


def test_gold_validate_passes_the_gold_and_names_each_problem(cli, tmp_path):
    code, out, _ = cli("gold", "validate", GOLD)
    assert code == 0 and out.strip().splitlines()[-1].endswith(" notes, 0 with problems")
    bad = tmp_path / "bad.jsonl"
    note = json.loads(GOLD.read_text(encoding="utf-8").splitlines()[0])
    note["labels"]["dose_response"]["status"] = "maybe"
    bad.write_text(json.dumps(note) + "\n" + json.dumps(note) + "\n", encoding="utf-8")
    code, out, _ = cli("gold", "validate", bad)
    assert code == 1
    assert "dose_response status 'maybe'" in out and "duplicate note_id" in out
    assert out.strip().splitlines()[-1] == "2 notes, 2 with problems"


def test_gold_split_writes_every_note_with_its_hash_split(cli, tmp_path):
    src = tmp_path / "in.jsonl"
    notes = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()[:6]]
    for n in notes:
        n.pop("split")
        for lab in n["labels"].values():
            for ev in lab["evidence"]:
                ev.pop("start", None), ev.pop("end", None)
    src.write_text("".join(json.dumps(n) + "\n" for n in notes), encoding="utf-8")
    out = tmp_path / "gold.jsonl"
    code, printed, err = cli("gold", "split", out, src)
    assert code == 0, err
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [n["split"] for n in written] == [split_of(n["note_id"], n.get("source", "")) for n in notes]
    assert all(n["text"][ev["start"]:ev["end"]] == ev["text"] for n in written for lab in n["labels"].values()
               for ev in lab["evidence"])
    assert sum(sum(c.values()) for c in json.loads(printed).values()) == 6


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["evaluate"], "required"),
        (["evaluate", "gold", "{tmp}/gold.jsonl"], "no such file"),
        (["evaluate", "phrasebank", "{tmp}/bank.jsonl"], "no such file"),
        (["evaluate", "phrasebank", "{tmp}/odd.jsonl"], "concept 'nonsense'"),
        (["evaluate", "agreement", "{gold}", "{tmp}/second.jsonl"], "not in"),
        (["gold", "validate", "{tmp}/none.jsonl"], "no such file"),
        (["gold", "validate", "{tmp}/broken.jsonl"], "not JSON"),
        (["gold", "split", "{tmp}/out.jsonl"], "required"),
        (["gold", "merge"], "invalid choice"),
    ],
)
def test_unusable_evaluation_arguments_exit_2_with_one_line(argv, says, cli, tmp_path):
    (tmp_path / "odd.jsonl").write_text(json.dumps({"id": "x", "concept": "nonsense", "expected": True, "text": "t"}) + "\n")
    (tmp_path / "second.jsonl").write_text(json.dumps({"note_id": "no-such-note", "labels": {}}) + "\n")
    (tmp_path / "broken.jsonl").write_text("{not json\n")
    code, out, err = cli(*[a.format(tmp=tmp_path, gold=GOLD) for a in argv])
    assert code == 2 and out == ""
    assert says in _one_line(err)
