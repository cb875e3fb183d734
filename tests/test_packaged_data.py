"""What the workbench and the tip sheet read ships in the package, so a wheel behaves like a checkout."""
from __future__ import annotations

from pathlib import Path

from auditor.elements import ELEMENTS
from auditor.report.tipsheet import examples
from auditor.ui.samples import SAMPLES_CSV, load_samples

REPO = Path(__file__).resolve().parents[1]


def test_the_packaged_sample_export_is_the_repository_sample():
    assert SAMPLES_CSV.is_relative_to(REPO / "auditor")
    assert SAMPLES_CSV.read_bytes() == (REPO / "samples" / "notes.csv").read_bytes()
    assert len(load_samples()) == 20


def test_tip_sheet_examples_from_the_package_equal_those_from_the_phrase_banks():
    for element in ELEMENTS:
        assert examples(element) == examples(element, banks=REPO / "annotations")
        assert examples(element)
