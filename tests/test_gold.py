"""The gold set: valid labels and offsets, a fixed split, agreement figures."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from auditor.evaluation.gold import normalise, read_jsonl
from auditor.evaluation.split import split_of

ROOT = Path(__file__).resolve().parents[1] / "annotations"


def test_every_gold_note_validates_and_its_offsets_index_the_text():
    notes = list(read_jsonl(ROOT / "gold.jsonl"))
    assert len(notes) >= 150
    for note in notes:
        _, problems = normalise(dict(note))
        assert problems == [], problems
        for lab in note["labels"].values():
            for ev in lab["evidence"]:
                assert note["text"][ev["start"]:ev["end"]] == ev["text"]


def test_split_is_the_hash_split_and_holds_out_a_third():
    notes = list(read_jsonl(ROOT / "gold.jsonl"))
    assert all(n["split"] == split_of(n["note_id"], n.get("source", "")) for n in notes)
    counts = Counter(n["split"] for n in notes)
    assert counts["heldout"] / len(notes) >= 1 / 3 - 0.05


def test_note_ids_are_unique():
    ids = [n["note_id"] for n in read_jsonl(ROOT / "gold.jsonl")]
    assert len(ids) == len(set(ids))


def test_agreement_with_the_blind_second_annotator_is_computed():
    from auditor.evaluation.agreement import annotator_agreement

    res = annotator_agreement(str(ROOT / "gold.jsonl"), str(ROOT / "iaa" / "second_annotator.jsonl"))
    assert res["all"]["n"] == 6 * 60
    assert 0.0 <= res["all"]["agreement"] <= 1.0


def test_phrase_banks_carry_a_fixed_split():
    for bank in ROOT.glob("phrasebank*.jsonl"):
        for it in read_jsonl(bank):
            assert it["split"] == split_of(it["id"], "phrasebank")
            assert it["concept"] and isinstance(it["expected"], bool)


def test_agreement_reads_a_second_annotator_who_wrote_labels_in_the_gold_format():
    from auditor.evaluation.agreement import annotator_agreement

    res = annotator_agreement(str(ROOT / "gold.jsonl"), str(ROOT / "iaa" / "second_annotator_w16_w23.jsonl"))
    assert res["all"]["n"] == 6 * 40
    assert res["all"]["agreement"] == 1.0
