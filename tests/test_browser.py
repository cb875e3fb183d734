"""End to end in a real browser: `streamlit run app.py` driven by Debian's Chromium.

Covers what AppTest cannot: the page actually renders, highlights are HTML
that the browser shows as text (markup in a note runs nothing), an upload
goes through the browser, and a review lands on disk. Screenshots of each
page go to test-output/screenshots/; set AUDITOR_UPDATE_DOCS_SCREENSHOT=1 to
also refresh docs/screenshot.png.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "screenshots"
DEV = [r for r in map(json.loads, (ROOT / "annotations" / "gold.jsonl").read_text().splitlines()) if r["split"] == "dev"]
SHOWCASE = "tmpl-022"  # a dev note with partial and discounted evidence: shows every kind of highlight
XSS = "Pump refilled. <script>alert('xss')</script> Pain 5/10 <img src=x onerror=\"alert('img')\"> end of note"
WAIT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(150),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install -y --no-install-recommends chromium chromium-driver)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A streamlit server on a free local port, stopped (by its own pid) afterwards."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
                pytest.fail(f"streamlit did not start on {url}: {err}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def page(server: str):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            pg = browser.new_page(viewport={"width": 1500, "height": 2600})
            pg.set_default_timeout(WAIT_MS)
            pg.dialogs = []  # type: ignore[attr-defined]
            pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
            pg.goto(server)
            pg.get_by_text("Audit one note").wait_for()
            yield pg
        finally:
            browser.close()


def _sidebar(pg, label: str) -> None:
    pg.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def _audit_pasted(pg, text: str) -> None:
    box = pg.get_by_label("Note text")
    box.fill(text)
    box.blur()
    pg.get_by_role("button", name="Audit note").click()
    pg.get_by_text("Documentation score").wait_for()


def test_a_pasted_note_shows_statuses_and_highlights(page) -> None:
    note = next(r for r in DEV if r["note_id"] == SHOWCASE)
    _audit_pasted(page, note["text"])
    page.locator("mark.ev").first.wait_for()
    assert page.locator("mark.ev").count() >= 3
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "Pump status before and after the refill" in body and "Drug purchased by the practice" in body
    # a status chip beside each of the six elements
    chips = page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] span').filter(
        has_text=re.compile(r"^(met|partial|missing|not applicable)$"))
    assert chips.count() == 6
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "one_note.png"))
    if os.environ.get("AUDITOR_UPDATE_DOCS_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), clip={"x": 0, "y": 0, "width": 1500, "height": 1550})


def test_markup_in_a_note_shows_as_text_and_runs_nothing(page) -> None:
    _audit_pasted(page, XSS)
    note = page.locator("div.note-text")
    note.wait_for()
    page.wait_for_timeout(800)
    assert "<script>alert('xss')</script>" in note.inner_text()
    assert "<img src=x onerror=\"alert('img')\">" in note.inner_text()
    assert note.locator("script, img").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "one_note_markup.png"))


def test_an_upload_is_audited_filtered_and_a_row_opened(page, tmp_path_factory) -> None:
    csv = tmp_path_factory.mktemp("upload") / "export.csv"
    pd.DataFrame([{"NOTE_ID": r["note_id"], "NOTE_TEXT": r["text"], "author_role": r["author_role"]}
                  for r in DEV[:5]]).to_csv(csv, index=False)
    _sidebar(page, "Export")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    page.get_by_role("button", name="Audit 5 notes").click()
    page.get_by_text("Audited 5 notes from export.csv").wait_for()
    page.get_by_text("5 of 5 notes match").wait_for()
    # filter: drug_cost status = met
    ms = page.locator('[data-testid="stMultiSelect"]').filter(has_text="drug_cost")
    ms.locator("input").click()
    page.keyboard.type("met")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.wait_for_function("() => /\\b[0-4] of 5 notes match/.test(document.body.innerText)"
                           " && !document.body.innerText.includes('5 of 5 notes match')")
    matched = int(page.evaluate("() => document.body.innerText.match(/(\\d) of 5 notes match/)[1]"))
    assert 0 < matched < 5
    # select the first row by its selection box (the grid is a canvas: click by position)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    heading = page.locator("h3").filter(has_text=re.compile(r"^Note \S+"))
    assert heading.count() == 0  # nothing open yet: the "Open note" box is at "-"
    page.wait_for_timeout(500)  # the grid repaints after the filter's rerun
    for _ in range(3):  # a click during a repaint can be lost: retry a couple of times
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # header 35 px, then row 1
        try:
            heading.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    heading.wait_for()
    page.get_by_text("Documentation score").wait_for()
    page.get_by_text("Compliance per element").wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "export.png"))


def test_a_review_is_saved_as_jsonl(page, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("reviews")
    _sidebar(page, "Review")
    page.get_by_text("Reviewer vs auditor agreement").wait_for()
    for label, value in (("Reviews folder", str(folder)), ("Reviewer", "Browser Tester")):
        box = page.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")
        page.wait_for_timeout(400)
    page.get_by_label("Comment").fill("checked in a browser")
    page.get_by_role("button", name="Save review").click()
    page.get_by_text("Saved the review of").wait_for()
    page.get_by_text("From 1 saved reviews").wait_for()
    saved = [json.loads(x) for x in (folder / "Browser_Tester.jsonl").read_text().splitlines()]
    assert len(saved) == 1 and saved[0]["reviewer"] == "Browser Tester"
    assert saved[0]["comment"] == "checked in a browser"
    assert set(saved[0]["labels"]) == {"pump_status", "dose_response", "change_reason", "reassessment",
                                       "incident_to", "drug_cost"}
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "review.png"))
