"""Bundled sample notes for the "pick a sample" box.

The sample export ships in the package (resources/samples/notes.csv, a copy of
samples/notes.csv) so an installed wheel offers the same samples as a checkout;
if it cannot be read, a few dev-split gold notes of a checkout stand in. Held-out notes are never
shown, so the UI cannot leak the evaluation set into rule tuning.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from auditor.record import META_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_CSV = Path(__file__).resolve().parents[1] / "resources" / "samples" / "notes.csv"
GOLD = ROOT / "annotations" / "gold.jsonl"


def _from_csv(path: Path, limit: int) -> list[dict[str, Any]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=limit)
    if "note_id" not in df or "text" not in df:
        return []
    return [{k: (v or None) for k, v in r.items() if k in ("note_id", "text", *META_COLUMNS)}
            for r in df.to_dict(orient="records")]


def _from_gold(path: Path, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen_sources: dict[str, int] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("split") != "dev":
                continue
            src = rec.get("source", "")
            if seen_sources.get(src, 0) >= max(1, limit // 4):  # a mix of note styles
                continue
            seen_sources[src] = seen_sources.get(src, 0) + 1
            out.append({k: (rec.get(k) or None) for k in ("note_id", "text", *META_COLUMNS)})
            if len(out) >= limit:
                break
    return out


def load_samples(limit: int = 20, csv_path: Path = SAMPLES_CSV, gold_path: Path = GOLD) -> list[dict[str, Any]]:
    """Up to `limit` sample rows (note_id, text, metadata) from the sample export or the dev gold notes."""
    if csv_path.is_file():
        try:
            rows = _from_csv(csv_path, limit)
        except (OSError, ValueError, pd.errors.ParserError):
            rows = []
        if rows:
            return rows
    return _from_gold(gold_path, limit) if gold_path.is_file() else []
