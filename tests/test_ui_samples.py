from __future__ import annotations

import json
from pathlib import Path

from auditor.ui.samples import GOLD, load_samples


def test_samples_csv_is_used_when_present(tmp_path: Path) -> None:
    csv = tmp_path / "notes.csv"
    csv.write_text("note_id,text,author_role,extra\ns1,hello,RN,x\n")
    assert load_samples(csv_path=csv, gold_path=tmp_path / "none") == [{"note_id": "s1", "text": "hello", "author_role": "RN"}]


def test_gold_dev_notes_stand_in_and_heldout_never_shows(tmp_path: Path) -> None:
    rows = load_samples(limit=8, csv_path=tmp_path / "absent.csv", gold_path=GOLD)
    split = {json.loads(l)["note_id"]: json.loads(l)["split"] for l in GOLD.read_text().splitlines() if l.strip()}
    assert 1 <= len(rows) <= 8
    assert all(split[r["note_id"]] == "dev" for r in rows)
    assert all(r["text"] for r in rows)


def test_no_sources_means_no_samples(tmp_path: Path) -> None:
    assert load_samples(csv_path=tmp_path / "a.csv", gold_path=tmp_path / "b.jsonl") == []
