"""The workbench's main paths and error messages, run headless with AppTest."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from spacy.language import Language
from streamlit.testing.v1 import AppTest

from auditor.elements import ELEMENTS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
GOLD = Path(__file__).resolve().parents[1] / "annotations" / "gold.jsonl"
DEV = [r for r in map(json.loads, GOLD.read_text().splitlines()) if r["split"] == "dev"]


@pytest.fixture()
def app(nlp: Language, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A fresh session of the app; `nlp` makes sure the cached pipeline is already built.

    The default reviews folder points into tmp_path, so no test creates one in the real home.
    """
    monkeypatch.setenv("AUDITOR_REVIEWS_DIR", str(tmp_path.parent / f"{tmp_path.name}-default-reviews"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _export_csv(n: int = 6) -> bytes:
    rows = [{"NOTE_ID": r["note_id"], "NOTE_TEXT": r["text"], "author": r["author"],
             "author_role": r["author_role"], "payer": r["payer"]} for r in DEV[:n]]
    return pd.DataFrame(rows).to_csv(index=False).encode()


def _goto(at: AppTest, page: str) -> None:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception


def _upload(at: AppTest, name: str, data: bytes) -> None:
    _goto(at, "Export")
    at.file_uploader(key="upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception


def _all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _all_html(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_a_pasted_note_shows_score_checklist_and_highlights(app: AppTest) -> None:
    app.text_area(key="one_text").set_value(DEV[0]["text"]).run()
    app.button(key="btn_one_audit").click().run()
    assert not app.exception
    assert len(app.metric) == 1 and 0.0 <= float(app.metric[0].value) <= 1.0
    page = _all_html(app)
    assert page.count('class="element"') == len(ELEMENTS)
    assert '<mark class="ev' in page
    assert app.session_state["open"]["id"].startswith("pasted-")


def test_a_sample_can_be_picked_and_audited_with_role_and_codes(app: AppTest) -> None:
    app.radio(key="one_source").set_value("Pick a sample").run()
    assert app.selectbox(key="one_sample").options
    app.selectbox(key="one_role").set_value("RN")
    app.text_input(key="one_codes").set_value("95990;J0475x4")
    app.button(key="btn_one_audit").click().run()
    assert not app.exception and len(app.metric) == 1
    assert app.session_state["open"]["note"]["author_role"] == "RN"


def test_missing_elements_get_a_tip(app: AppTest) -> None:
    app.text_area(key="one_text").set_value("Baclofen pump refilled without difficulty.").run()
    app.button(key="btn_one_audit").click().run()
    assert any("A compliant note records" in i.value for i in app.info)


def test_an_empty_note_is_refused_with_a_message(app: AppTest) -> None:
    app.button(key="btn_one_audit").click().run()
    assert [e.value for e in app.error] == ["The note is empty: paste a note or pick a sample."]


def test_markup_in_a_note_is_shown_escaped_and_never_as_markdown(app: AppTest) -> None:
    app.text_area(key="one_text").set_value("# Pt doing well <script>alert(1)</script> <img src=x onerror=alert(2)>").run()
    app.button(key="btn_one_audit").click().run()
    html_blocks = [str(h.proto.body) for h in app.get("html") if "note-text" in str(h.proto.body)]
    assert len(html_blocks) == 1
    assert "<script" not in html_blocks[0] and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_blocks[0]
    assert not any("note-text" in m.value for m in app.markdown)


def test_an_export_is_audited_filtered_opened_and_downloadable(app: AppTest) -> None:
    _upload(app, "export.csv", _export_csv())
    app.button(key="btn_export_audit").click().run()
    assert not app.exception
    full = app.dataframe[0].value
    assert len(full) == 6 and {"Note", "Score", "Drug purchase", "Author", "Service date"} <= set(full.columns)
    wanted = app.session_state["export"]["df"]["drug_cost_status"].iloc[0]
    app.multiselect(key="flt_drug_cost").set_value([wanted]).run()
    shown = app.dataframe[0].value
    assert 1 <= len(shown) <= 6 and set(shown["Drug purchase"]) == {{"met": "Met", "missing": "Missing", "not_applicable": "N/A"}[wanted]}
    app.selectbox(key="open_pick").set_value(str(shown["Note"].iloc[0])).run()
    assert not app.exception and len(app.metric) == 1
    assert app.session_state["open"]["id"] == str(shown["Note"].iloc[0])
    assert {b.label for b in app.get("download_button")} == {"CSV", "Excel", "HTML report", "Records (JSONL)"}


def test_an_export_with_odd_column_names_is_mapped_by_hand(app: AppTest) -> None:
    df = pd.DataFrame({"key": ["a", "b"], "narrative": [DEV[0]["text"], DEV[1]["text"]]})
    _upload(app, "odd.xlsx", (lambda b: (df.to_excel(b, index=False), b.getvalue())[1])(io.BytesIO()))
    assert "No text column" in _all_html(app)
    app.selectbox(key="map_text").set_value("narrative").run()
    app.selectbox(key="map_note_id").set_value("key").run()
    app.button(key="btn_export_audit").click().run()
    assert list(app.dataframe[0].value["Note"]) == ["a", "b"]


@pytest.mark.parametrize("name,data,message", [
    ("no_text.csv", b"id,colour\n1,red\n", "No text column"),
    ("empty.csv", b"", "is empty"),
    ("fake.xlsx", b"hello, I am not a spreadsheet", "could not be read"),
    ("fake.parquet", b"\x00\x01\x02 binary junk", "could not be read"),
])
def test_unusable_uploads_show_one_clean_error(app: AppTest, name: str, data: bytes, message: str) -> None:
    _upload(app, name, data)
    assert message in _all_html(app)
    assert not app.get("button") or all(b.key != "btn_export_audit" for b in app.button)


def test_review_is_saved_as_annotation_jsonl_and_agreement_shown(app: AppTest, tmp_path: Path) -> None:
    _upload(app, "export.csv", _export_csv(4))
    app.button(key="btn_export_audit").click().run()
    _goto(app, "Review")
    app.text_input(key="review_folder").set_value(str(tmp_path)).run()
    app.text_input(key="reviewer").set_value("Ann Lee").run()
    todo = app.dataframe[0].value
    assert len(todo) == 4 and list(todo["Priority"]) == sorted(todo["Priority"], reverse=True)
    first = str(todo["Note"].iloc[0])
    app.selectbox(key="wl_pick").set_value(first).run()
    assert not app.exception and app.session_state["open"]["id"] == first
    auto = app.session_state["open"]["record"]["elements"]["dose_response"]["status"]
    flipped = "missing" if auto == "met" else "met"
    app.selectbox(key=f"rv_dose_response_{first}").set_value(flipped)
    app.text_area(key=f"rc_{first}").set_value("checked against the flowsheet")
    _button(app, f"btn_correct_{first}").click().run()
    assert not app.exception and "Saved the review of" in _all_html(app)
    saved = [json.loads(line) for line in (tmp_path / "Ann_Lee.jsonl").read_text().splitlines()]
    assert len(saved) == 1 and saved[0]["note_id"] == first
    assert saved[0]["labels"]["dose_response"]["status"] == flipped
    assert saved[0]["reviewer"] == "Ann Lee" and saved[0]["comment"] == "checked against the flowsheet"
    agreement = app.dataframe[-1].value.set_index("Element")
    assert agreement.loc["Dose response", "Reviews"] == 1 and agreement.loc["Dose response", "Agree"] == 0
    assert agreement.loc["Dose response", "Commonest correction"] in ("Met → Missing", "Missing → Met")
    assert first not in list(app.dataframe[0].value["Note"])
    assert app.session_state["reviewer_locked"] == "Ann Lee"


def test_review_page_without_an_open_note_says_what_to_do(app: AppTest, tmp_path: Path) -> None:
    _goto(app, "Review")
    app.text_input(key="review_folder").set_value(str(tmp_path)).run()
    assert any("Open a note first" in i.value for i in app.info)


def test_a_review_without_reviewer_name_is_refused(app: AppTest, tmp_path: Path) -> None:
    app.text_area(key="one_text").set_value(DEV[1]["text"]).run()
    app.button(key="btn_one_audit").click().run()
    _goto(app, "Review")
    app.text_input(key="review_folder").set_value(str(tmp_path)).run()
    nid = app.session_state["open"]["id"]
    _button(app, f"btn_agree_{nid}").click().run()
    assert "reviewer" in _all_html(app)
    assert not list(tmp_path.iterdir())


def test_a_reviews_folder_that_does_not_exist_is_refused_not_created(app: AppTest, tmp_path: Path) -> None:
    _goto(app, "Review")
    app.text_input(key="review_folder").set_value(str(tmp_path / "new")).run()
    assert any("does not exist" in e.value for e in app.get("html")) or "does not exist" in _all_html(app)
    assert not (tmp_path / "new").exists()


def test_the_app_refuses_a_non_local_address_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import config

    monkeypatch.delenv("AUDITOR_ALLOW_REMOTE", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    old = config.get_option("server.address")
    try:
        config.set_option("server.address", "0.0.0.0")
        at.run()
        assert any("not bound to 127.0.0.1" in e.value for e in at.error) and not at.get("text_area")
        monkeypatch.setenv("AUDITOR_ALLOW_REMOTE", "1")
        at.run()
        assert not at.error
    finally:
        config.set_option("server.address", old)


def test_an_uploaded_file_name_is_shown_as_text_never_as_markdown(app: AppTest) -> None:
    name = "![x](http://127.0.0.1:9/a.png) [link](http://127.0.0.1:9).csv"
    _upload(app, name, _export_csv(2))
    app.button(key="btn_export_audit").click().run()
    assert not app.exception
    assert not any("](http" in m.value for kind in (app.markdown, app.caption, app.success, app.error) for m in kind)
    assert "![x](http://127.0.0.1:9/a.png) [link](http://127.0.0.1:9).csv" in _all_html(app)
