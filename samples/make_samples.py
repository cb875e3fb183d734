"""Rebuild samples/notes.csv and samples/notes.jsonl from dev-split gold notes.

Why a fixed id list: the sample export is what the README and setup script
audit, so it must not drift when gold notes are added; only `dev` notes are
used so the held-out set never leaks into a demo. Run from the repo root:
`.venv/bin/python samples/make_samples.py`.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["note_id", "text", "patient_id", "service_date", "author", "author_role", "payer", "billed_codes"]
IDS = [
    "tmpl-001", "tmpl-003", "tmpl-004", "tmpl-006", "tmpl-047",
    "dict-002", "dict-008", "dict-012", "dict-047", "dict-059",
    "nurse-001", "nurse-003", "nurse-008", "nurse-021", "nurse-029",
    "soap-001", "soap-011", "soap-017", "soap-040", "soap-042",
]


def main() -> None:
    gold = {}
    with open(ROOT / "annotations" / "gold.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                note = json.loads(line)
                gold[note["note_id"]] = note
    rows = []
    for nid in IDS:
        note = gold[nid]
        assert note["split"] == "dev", f"{nid} is not a dev note"
        rows.append({c: (note.get(c) or "") for c in COLUMNS})
    with open(ROOT / "samples" / "notes.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with open(ROOT / "samples" / "notes.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} notes to samples/notes.csv and samples/notes.jsonl")


if __name__ == "__main__":
    main()
