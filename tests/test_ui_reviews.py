from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.elements import ELEMENTS
from auditor.evaluation.gold import normalise
from auditor.ui.reviews import ReviewError, build_review, check_folder, load_reviews, parse_quotes, pasted_id, save_review
from tests.ui_fixtures import TEXT, record

NOTE = {"note_id": "n1", "text": TEXT, "author_role": "RN", "payer": None}


def _statuses(**over: str) -> dict[str, str]:
    base = {el: "not_applicable" for el in ELEMENTS}
    base.update({"dose_response": "met", "reassessment": "missing"})
    base.update(over)
    return base


def _rec() -> dict:
    rec = record({"dose_response": "met", "reassessment": "partial"})
    rec["elements"]["dose_response"]["evidence"] = [
        {"start": 55, "end": 93, "text": TEXT[55:93], "rule": "r1", "label": "RESPONSE"}]
    return rec


def test_review_is_a_valid_gold_annotation_with_reviewer_fields() -> None:
    rev = build_review(NOTE, _rec(), _statuses(pump_status="partial"),
                       {"pump_status": ["before: Residual 3.0 mL aspirated"]}, "Ann Lee", "ok",
                       now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    _, problems = normalise(json.loads(json.dumps(rev)))
    assert problems == []
    assert rev["labels"]["pump_status"]["evidence"] == [
        {"text": "Residual 3.0 mL aspirated", "start": 0, "end": 25, "part": "before"}]
    assert rev["reviewer"] == "Ann Lee" and rev["reviewed_at"] == "2026-03-01T00:00:00+00:00"
    assert rev["comment"] == "ok" and rev["auditor_labels"]["reassessment"] == "partial"
    assert "payer" not in rev and rev["author_role"] == "RN"


def test_agreeing_without_quotes_keeps_the_auditors_evidence() -> None:
    rev = build_review(NOTE, _rec(), _statuses(), {}, "Ann")
    assert rev["labels"]["dose_response"]["evidence"] == [{"text": TEXT[55:93], "start": 55, "end": 93}]


def test_a_quote_not_in_the_note_is_refused() -> None:
    with pytest.raises(ReviewError, match="not in the note"):
        build_review(NOTE, _rec(), _statuses(), {"dose_response": ["made up words"]}, "Ann")


def test_a_status_the_element_cannot_take_is_refused() -> None:
    with pytest.raises(ReviewError, match="dose_response"):
        build_review(NOTE, _rec(), _statuses(dose_response="not_applicable"), {}, "Ann")


def test_a_review_needs_a_reviewer() -> None:
    with pytest.raises(ReviewError, match="reviewer"):
        build_review(NOTE, _rec(), _statuses(), {}, "  ")


def test_saved_reviews_load_back_latest_per_note_and_reviewer(tmp_path: Path) -> None:
    first = build_review(NOTE, _rec(), _statuses(), {}, "Ann", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    second = build_review(NOTE, _rec(), _statuses(reassessment="partial"), {"reassessment": ["goals: Will check goals"]},
                          "Ann", now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    (tmp_path / "rev").mkdir()
    path = save_review(tmp_path / "rev", first)
    save_review(tmp_path / "rev", second)
    save_review(tmp_path / "rev", build_review(NOTE, _rec(), _statuses(), {}, "Bob/../x"))
    assert path.name == "Ann.jsonl" and len(path.read_text().splitlines()) == 2
    assert sorted(p.name for p in (tmp_path / "rev").iterdir()) == ["Ann.jsonl", "Bob_x.jsonl"]
    loaded = load_reviews(tmp_path / "rev")
    assert len(loaded) == 2
    ann = next(r for r in loaded if r["reviewer"] == "Ann")
    assert ann["labels"]["reassessment"]["status"] == "partial"


def test_loading_skips_broken_lines_and_a_missing_folder(tmp_path: Path) -> None:
    assert load_reviews(tmp_path / "absent") == []
    (tmp_path / "x.jsonl").write_text("{broken\n[1]\n")
    assert load_reviews(tmp_path) == []


def test_quotes_are_one_a_line() -> None:
    assert parse_quotes(" a \n\n b\n") == ["a", "b"]


def test_reviews_are_saved_only_into_an_existing_folder(tmp_path: Path) -> None:
    rev = build_review(NOTE, _rec(), _statuses(), {}, "Ann")
    for bad in (tmp_path / "absent", "relative/folder", "", tmp_path / "file.txt"):
        if str(bad).endswith("file.txt"):
            Path(bad).write_text("x")
        with pytest.raises(ReviewError):
            save_review(bad, rev)
    assert not (tmp_path / "absent").exists() and not Path("relative/folder").exists()
    assert check_folder(tmp_path) == tmp_path


def test_the_default_folder_is_outside_the_repository_and_movable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from auditor.ui.reviews import default_folder

    monkeypatch.delenv("AUDITOR_REVIEWS_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    repo = Path(__file__).resolve().parents[1]
    assert repo not in default_folder().resolve().parents
    assert default_folder() == Path.home() / ".local" / "share" / "pump-auditor" / "reviews"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_folder() == tmp_path / "pump-auditor" / "reviews"
    monkeypatch.setenv("AUDITOR_REVIEWS_DIR", str(tmp_path / "r"))
    assert default_folder() == tmp_path / "r"


def test_pasted_notes_get_an_id_from_their_content() -> None:
    assert pasted_id("a note") == pasted_id("a note") != pasted_id("another note")
    assert pasted_id("a note").startswith("pasted-")


def test_finding_verdicts_and_query_are_saved_with_the_review() -> None:
    rev = build_review(NOTE, _rec(), _statuses(), {}, "Ann", findings={"drug-jw-jz-missing": "wrong", "x": "maybe"},
                       query="Please clarify ...")
    assert rev["finding_labels"] == {"drug-jw-jz-missing": "wrong"} and rev["query"] == "Please clarify ..."
    _, problems = normalise(json.loads(json.dumps(rev)))
    assert problems == []


def test_a_non_utf8_file_in_the_folder_does_not_stop_loading(tmp_path: Path) -> None:
    save_review(tmp_path, build_review(NOTE, _rec(), _statuses(), {}, "Ann"))
    (tmp_path / "latin1.jsonl").write_bytes("{\"caf\xe9\": 1}\n".encode("latin-1"))
    assert len(load_reviews(tmp_path)) == 1
