"""auditor.bulk without the CLI: a run from RunOptions, and options refused before anything is read."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.bulk import OptionError, RunOptions, run
from auditor.io import read_records

SAMPLE_CSV = Path(__file__).resolve().parents[1] / "samples" / "notes.csv"


def test_a_run_from_options_writes_the_reference_records(tmp_path, nlp, sample_records, capsys):
    out = tmp_path / "out.jsonl"
    assert run(RunOptions(inputs=[str(SAMPLE_CSV)], out=str(out), quiet=True)) == 0
    assert read_records(out) == sample_records
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("change", "says"), [
    ({"batch_size": 0}, "--batch-size"),
    ({"n_process": 0}, "--n-process"),
    ({"inputs": ["-", "-"]}, "stdin"),
    ({"claims": "c.csv", "engine": "spark"}, "--claims"),
])
def test_unusable_options_are_refused_before_any_output(tmp_path, change, says):
    opts = {"inputs": [str(SAMPLE_CSV)], "out": str(tmp_path / "out.jsonl"), "quiet": True, **change}
    with pytest.raises(OptionError, match=says):
        run(RunOptions(**opts))
    assert not list(tmp_path.iterdir())
