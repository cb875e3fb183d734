"""Rebuilds auditor/resources/examples.json: the tip sheet's example wording, from the phrase banks.

The banks live in annotations/ (not in the wheel); the fragments the tip sheet quotes ship in
the package so an installed auditor writes the same tip sheet as a checkout.
Run after adding a phrase bank:  python scripts/make_examples.py
"""
from __future__ import annotations

import json
from pathlib import Path

from auditor.report.tipsheet import EXAMPLE_CONCEPTS, candidates

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    table = {element: candidates(element, ROOT / "annotations") for element in EXAMPLE_CONCEPTS}
    out = ROOT / "auditor" / "resources" / "examples.json"
    out.write_text(json.dumps({"_doc": __doc__.splitlines()[0], **table}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{out}: {sum(len(v) for v in table.values())} fragments")
