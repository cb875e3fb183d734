"""End to end in a real browser: `streamlit run app.py` driven by Debian's Chromium.

One server, one browser page, four tests that run in order and build on each
other (one note -> export -> review -> tip sheet), so the whole file stays
well under two minutes. Each test pins behaviour of issue 14 that failed
before it was fixed (the issue's point numbers are in the docstrings), and
takes a screenshot of its page: the README's, in docs/, with
AUDITOR_UPDATE_DOCS_SCREENSHOTS=1.

The server is started from a scratch directory without address or
usage-statistics flags: the app's own config must bind 127.0.0.1 and send
nothing, and every request the browser makes must go to that server.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = Path("/usr/bin/chromium")
GOLD = [json.loads(line) for line in (ROOT / "annotations" / "gold.jsonl").read_text().splitlines() if line.strip()]
BY_ID = {r["note_id"]: r for r in GOLD}
DEV = [r for r in GOLD if r["split"] == "dev"]
SHOWCASE = "dict-030"  # partial, a statement not counted (could not be done), a drug-units finding with its claim line
TRAP = "http://127.0.0.1:9"  # the discard port: any request to it is a note, id or file name turned active
HOSTILE = (
    "# Pump refill visit\n"
    "* reservoir checked\n"
    "1. first item\n3. third item\n4. fourth item\n"
    "dose 4 -> 5 mg/day\n"
    "~~struck words~~ and __underlined__ and *starred*\n"
    "Line before a rule\n---\n"
    f"See [the chart]({TRAP}/link) and ![pixel]({TRAP}/pixel.png) and {TRAP}/bare\n"
    "***\n"
    f"<b>bold?</b> <script>alert('xss')</script> <img src=\"{TRAP}/img.png\" onerror=\"alert('img')\">\n"
    "Reservoir 2.0 mL aspirated, refilled with 20 mL. Pain 3/10 on current dose, no sedation.\n"
    "Goals: walk the dog daily, reviewed today.   Signed: J. Doe, MD"
)
HOSTILE_ID = f"![id]({TRAP}/id.png)"
FORMULA = f'=HYPERLINK("{TRAP}/x","click")'
EARLY_FIRST, EARLY_SECOND = "nurse-014", "tmpl-017"  # one patient, 14 days apart: refill-interval-early on the second
WAIT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium "
                       "(apt-get install -y --no-install-recommends chromium chromium-driver)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) listening on `port`."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and local.endswith(f":{port:04X}"):
                out.append(local.rsplit(":", 1)[0])
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """streamlit run from a scratch directory with no address flag, stopped (by its own pid) afterwards."""
    port = _free_port()
    scratch = tmp_path_factory.mktemp("cwd")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(scratch / "data")}
    env.pop("AUDITOR_ALLOW_REMOTE", None)
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=scratch, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
        yield {"url": url, "port": port, "data": scratch / "data"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="module")
def page(server: dict[str, Any]):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            pg = ctx.new_page()
            pg.set_default_timeout(WAIT_MS)
            pg.dialogs = []  # type: ignore[attr-defined]
            pg.requests = []  # type: ignore[attr-defined]
            pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
            ctx.on("request", lambda r: pg.requests.append(r.url))  # type: ignore[attr-defined]
            pg.goto(server["url"])
            pg.get_by_text("Audit one note").wait_for()
            yield pg
        finally:
            browser.close()


def _sidebar(pg, label: str) -> None:
    pg.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()


def _main_text(pg) -> str:
    return pg.locator('[data-testid="stMain"]').inner_text()


def _shot(pg, name: str) -> None:
    """A screenshot of the page into test-output/screenshots/, and into docs/ (the README's) when
    AUDITOR_UPDATE_DOCS_SCREENSHOTS=1, so an ordinary test run leaves the checkout unchanged."""
    out = DOCS if os.environ.get("AUDITOR_UPDATE_DOCS_SCREENSHOTS") == "1" else ROOT / "test-output" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    pg.set_viewport_size({"width": 1440, "height": 1800})  # Streamlit scrolls inside its own container
    pg.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop > 0) e.scrollTop = 0; })")
    pg.wait_for_timeout(800)
    pg.screenshot(path=str(out / name))
    pg.set_viewport_size({"width": 1440, "height": 1000})


def _settle(pg) -> None:
    """Wait until the app has finished its run (no stale elements, no running indicator)."""
    pg.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')"
                         " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def _pick(pg, label: str, option: str) -> None:
    """Choose `option` in the selectbox or multiselect labelled `label` (again if a rerun swallowed it)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        _settle(pg)
        box = pg.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(has_text=label).first
        box.locator("input").click()
        pg.keyboard.type(option)
        try:
            pg.get_by_role("option", name=option, exact=True).first.wait_for(timeout=WAIT_MS)
        except PlaywrightTimeout:  # a rerun closed the list while typing (a loaded machine): type again
            pg.keyboard.press("Escape")
            continue
        pg.keyboard.press("Enter")  # the typed text leaves one match, focused (a click can land mid-repaint)
        pg.keyboard.press("Escape")
        pg.wait_for_timeout(300)
        _settle(pg)
        box = pg.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(has_text=label).first
        shown = box.inner_text() + " ".join(i.input_value() for i in box.locator("input").all())
        if option in shown or box.get_attribute("data-value") == option:
            return
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def _heading(pg) -> str:
    h = pg.locator("h3.verbatim").first
    h.wait_for()
    return h.inner_text()


def _await_heading(pg, text: str, timeout: int = WAIT_MS) -> None:
    """Wait until the open note's heading reads `text` (a rerun takes a moment)."""
    pg.wait_for_function("t => [...document.querySelectorAll('h3.verbatim')].some(h => h.innerText === t)",
                         arg=text, timeout=timeout)


def _audit_pasted(pg, text: str, codes: str = "") -> None:
    box = pg.get_by_label("Note text")
    box.fill(text)
    box.blur()
    codes_box = pg.get_by_label("Billed codes (optional)")
    codes_box.fill(codes)
    codes_box.blur()
    pg.get_by_role("button", name="Audit note").click()
    # wait for this note's own rendering, not a fixed pause: under load the previous note can still be on screen
    pg.wait_for_function("t => { const el = document.querySelector('div.note-text'); return !!el && el.innerText === t; }",
                         arg=text, timeout=60_000)
    pg.wait_for_timeout(300)  # the panels below the note finish drawing


def test_one_note_is_shown_verbatim_and_says_why_each_status(page) -> None:
    """Points 1 and 2: Markdown, HTML, links and images in a note stay text; each status has its reason and evidence."""
    _audit_pasted(page, HOSTILE)
    shown = page.locator("div.note-text").inner_text()
    assert shown == HOSTILE
    main = page.locator('[data-testid="stMain"]')
    assert main.locator(f'img[src^="{TRAP}"], a[href^="{TRAP}"], script').count() == 0
    assert "pasted-" in _main_text(page)  # a content-hash id, not one shared "pasted-note"

    note = BY_ID[SHOWCASE]
    _audit_pasted(page, note["text"], note.get("billed_codes") or "")
    panels = page.locator("div.element")
    panels.nth(5).wait_for()  # all six element panels rendered
    assert panels.count() == 6
    assert set(page.locator("span.status-chip").all_inner_texts()) <= {"Met", "Partial", "Missing", "N/A"}
    reasons = page.locator("div.element .reason").all_inner_texts()
    assert len(reasons) == 6 and all(r.strip() for r in reasons)
    assert any(re.search(r"(before|condition): .*; (after|goals): ", r, re.I) for r in reasons)
    assert re.match(r"^line \d+", page.locator("ol.evidence li").first.inner_text())
    from playwright.sync_api import expect  # retries until the rerun has drawn the panel

    expect(page.locator("ul.discounted .modifier").first).to_contain_text("could not be done", timeout=30_000)
    finding = page.locator("li.finding").first
    assert "billed x" in finding.locator(".message").inner_text() and "Claim line:" in finding.inner_text()
    assert "{" not in finding.inner_text()  # words, not raw JSON
    assert page.locator("div.note-text").inner_text() == note["text"]
    _shot(page, "one_note.png")


def _export(tmp: Path) -> tuple[Path, list[dict[str, Any]]]:
    """30 notes: one patient's two refills 14 days apart in rows 1 and 30, a Markdown id, a formula author."""
    others = [r for r in DEV if r.get("patient_id") != BY_ID[EARLY_FIRST]["patient_id"]][:28]
    rows = [BY_ID[EARLY_FIRST], *others, BY_ID[EARLY_SECOND]]
    out = []
    for i, r in enumerate(rows):
        out.append({"note_id": HOSTILE_ID if i == 1 else r["note_id"], "text": HOSTILE if i == 1 else r["text"],
                    "patient_id": r.get("patient_id"), "service_date": r.get("service_date"),
                    "billed_codes": r.get("billed_codes"), "author": FORMULA if i == 2 else r.get("author"),
                    "author_role": r.get("author_role"), "payer": r.get("payer")})
    path = tmp / "export.csv"
    pd.DataFrame(out).to_csv(path, index=False)
    return path, out


def _download(pg, button: str, to: Path) -> Path:
    with pg.expect_download() as dl:
        pg.get_by_role("button", name=button, exact=True).click()
    dl.value.save_as(to)
    return to


def test_export_keeps_state_checks_intervals_once_and_downloads_what_a_spreadsheet_needs(page, tmp_path_factory) -> None:
    """Points 1, 4, 5 and 9; issue 13 item 2."""
    from openpyxl import load_workbook

    tmp = tmp_path_factory.mktemp("export")
    path, rows = _export(tmp)
    _sidebar(page, "Export")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="Audit 30 notes").click()
    page.get_by_text("Audited 30 notes from export.csv").wait_for(timeout=90_000)

    # point 5: the two refills sit in rows 1 and 30 (different batches of 25): still one interval pass
    _pick(page, "Open note by id", EARLY_SECOND)
    _await_heading(page, f"Note {EARLY_SECOND}")
    assert any("refill after 14 days" in m for m in page.locator("li.finding .message").all_inner_texts())

    # point 1: an id written in Markdown is shown as written and fetches nothing
    _pick(page, "Open note by id", HOSTILE_ID)
    _await_heading(page, f"Note {HOSTILE_ID}")
    assert page.locator("div.note-text").inner_text() == HOSTILE

    # point 9: the downloads carry dates, patient, codes, finding messages and human labels; no live formula
    table = list(csv.DictReader(io.StringIO(_download(page, "CSV", tmp / "a.csv").read_text(encoding="utf-8-sig"))))
    assert len(table) == 30
    assert {"Note", "Patient", "Service date", "Billed codes", "Findings", "Pump status", "Score"} <= set(table[0])
    assert {r["Pump status"] for r in table} <= {"Met", "Partial", "Missing", "N/A", ""}
    assert table[0]["Service date"] == rows[0]["service_date"] and table[0]["Patient"] == rows[0]["patient_id"]
    assert table[2]["Author"] == "'" + FORMULA
    assert "refill after 14 days" in table[-1]["Findings"]
    assert "None" not in {v for r in table for v in r.values()}
    ws = load_workbook(_download(page, "Excel", tmp / "a.xlsx")).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in ws.iter_rows() for c in row)
    report = _download(page, "HTML report", tmp / "report.html")
    _download(page, "Records (JSONL)", tmp_path_factory.getbasetemp() / "records.jsonl")

    # point 4: a selected row stays the same note when a filter moves the rows
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    page.wait_for_timeout(500)
    for _ in range(3):  # a click during a repaint can be lost
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the header is 35 px, then row 1
        page.wait_for_timeout(1200)
        if _heading(page) == f"Note {EARLY_FIRST}":
            break
    assert _heading(page) == f"Note {EARLY_FIRST}"
    status = page.locator('div.element[data-element="pump_status"]').get_attribute("data-status")
    other = "Missing" if status == "met" else "Met"
    _pick(page, "Pump status", other)
    page.wait_for_function("() => !document.body.innerText.includes('30 of 30 notes match')")
    page.wait_for_timeout(800)
    assert _heading(page) == f"Note {EARLY_FIRST}"
    matched = re.search(r"(\d+) of 30 notes match", _main_text(page))
    assert matched and int(matched.group(1)) < 30

    # point 4: Export -> Review -> Export keeps the upload, the audit, the filter and the open note
    _sidebar(page, "Review")
    page.get_by_text("Reviewer vs auditor agreement").wait_for()
    _sidebar(page, "Export")
    page.get_by_text("Audited 30 notes from export.csv").wait_for()
    _settle(page)  # the Review page's elements go stale before Streamlit drops them: wait out the rerun
    page.wait_for_function("t => document.querySelector('[data-testid=\"stMain\"]').innerText.includes(t)",
                           arg=f"{matched.group(1)} of 30 notes match")
    assert f"{matched.group(1)} of 30 notes match" in _main_text(page)
    assert _heading(page) == f"Note {EARLY_FIRST}"
    _shot(page, "export.png")

    # point 1 in the HTML report: the note verbatim, the reasons in words, nothing fetched
    report_page = page.context.new_page()
    try:
        report_page.goto(report.as_uri())
        hostile = report_page.locator("section.note").filter(has_text=HOSTILE_ID)
        assert hostile.locator("div.note-text").inner_text() == HOSTILE
        assert hostile.locator("div.element .reason").count() == 6
    finally:
        report_page.close()


def _verbatim_here(pg, text: str) -> None:
    """The open note reads exactly as written, in the highlighted view and in the select-to-mark frame."""
    pg.wait_for_function("t => [...document.querySelectorAll('div.note-text')].some(d => d.innerText === t)", arg=text)
    frame = pg.frame_locator("iframe").first
    frame.locator("#note").wait_for()
    assert frame.locator("#note").evaluate("el => el.textContent") == text
    assert frame.locator("#note img, #note a, #note script").count() == 0


def _up_next(pg) -> list[str]:
    return [li.split(" (")[0] for li in pg.locator("div.up-next li").all_inner_texts()]


def test_review_by_keyboard_with_query_and_finding_verdicts_keeps_one_current_review(page, server, tmp_path_factory) -> None:
    """Points 3, 6 and 8."""
    folder = tmp_path_factory.mktemp("reviews")
    _sidebar(page, "Review")
    page.get_by_text("Reviewer vs auditor agreement").wait_for()
    default = page.get_by_label("Reviews folder (an existing folder; reviews hold note text)")
    assert default.input_value().startswith(str(server["data"]))  # outside the repository
    for label, value in (("Reviews folder (an existing folder; reviews hold note text)", str(folder / "absent")),):
        default.fill(value)
        default.press("Enter")
    page.get_by_text("The reviews folder does not exist").wait_for()
    default.fill(str(folder))
    default.press("Enter")
    name = page.get_by_label("Reviewer", exact=True)
    name.fill("Browser Tester")
    name.press("Enter")
    page.locator("div.up-next li").first.wait_for()
    before = _up_next(page)
    assert all("score" in li for li in page.locator("div.up-next li").all_inner_texts()[:2])  # a reason per row

    first = before[0]
    _pick(page, "Open from the worklist", first)
    _await_heading(page, f"Note {first} (not reviewed yet)")
    page.locator('button:has-text("Draft: ")').first.click()
    draft_box = page.get_by_label("Query draft")
    try:
        page.wait_for_function("() => [...document.querySelectorAll('textarea')].some(t => t.value.includes('Unable to determine'))")
    except Exception:
        (ROOT / "test-output").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-output" / "fail.png"))
        raise
    text = draft_box.input_value()
    assert "Clinical indicators in this note:" in text and "[ ] Other (please specify)" in text
    draft_box.fill(text + "\nThank you.")
    draft_box.blur()
    # select-to-mark: select words in the note and mark them as dose-response evidence
    text_of = {r["note_id"]: r["text"] for r in _export(tmp_path_factory.mktemp("again"))[1]}
    _verbatim_here(page, text_of[first])
    quote = next(line.strip() for line in text_of[first].splitlines() if len(line.strip()) > 8)[:30].strip()
    frame = page.frame_locator("iframe").first
    frame.locator("#note").wait_for()
    frame.locator("#note").evaluate("""(el, q) => { const n = el.firstChild, i = n.textContent.indexOf(q);
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + q.length);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r); }""", quote)
    frame.get_by_role("button", name="Dose response", exact=True).click()
    page.wait_for_function("q => [...document.querySelectorAll('textarea')].some(t => t.value === q)", arg=quote)
    verdicts = page.locator('[data-testid="stRadio"]').filter(has_text="wrong")
    judged = verdicts.count() > 0
    if judged:
        verdicts.first.get_by_text("wrong", exact=True).click()
    comment = page.get_by_label("Comment")
    comment.click()
    page.keyboard.type("a snap, no pan")  # letters typed into a field are text, not shortcuts
    page.wait_for_timeout(800)
    assert comment.input_value() == "a snap, no pan" and not (folder / "Browser_Tester.jsonl").exists()
    page.locator("h3.verbatim").first.click()  # focus out of any field: the shortcuts are page keys
    page.wait_for_timeout(500)
    page.keyboard.press("a")  # agree and move to the next unreviewed note
    page.get_by_text(f"Saved the review of {first}").wait_for()
    page.wait_for_function("t => { const h = document.querySelector('h3.verbatim'); return h && !h.innerText.startsWith(t); }",
                           arg=f"Note {first} ")
    assert "Reviewer: Browser Tester" in _main_text(page) and page.get_by_label("Reviewer", exact=True).count() == 0
    saved = [json.loads(x) for x in (folder / "Browser_Tester.jsonl").read_text().splitlines()]
    assert len(saved) == 1 and saved[0]["note_id"] == first and saved[0]["query"].endswith("Thank you.")
    assert saved[0]["comment"] == "a snap, no pan"
    assert "Unable to determine" in saved[0]["query"]
    assert {"text": quote, "start": text_of[first].index(quote), "end": text_of[first].index(quote) + len(quote)} in \
        saved[0]["labels"]["dose_response"]["evidence"]
    if judged:
        assert "wrong" in saved[0]["finding_labels"].values()

    page.locator("h3.verbatim").first.click()
    page.keyboard.press("p")  # back to the reviewed note
    page.wait_for_function(f"() => document.body.innerText.includes('Note {first} (reviewed)')")
    # Streamlit renders the page in pieces: the heading can arrive before the review's byline
    page.wait_for_function("() => document.querySelector('[data-testid=stMain]').innerText.includes('Reviewed by Browser Tester')")
    assert "Reviewed by Browser Tester" in _main_text(page)
    dose = page.locator('[data-testid="stSelectbox"]').filter(has_text="Dose response (auditor:")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSelectbox]')]"
                           ".filter(e => e.innerText.includes('Dose response (auditor:')).length === 1")
    auto = dose.inner_text().split("(auditor: ")[1].split(")")[0]
    _pick(page, "Dose response (auditor:", "Missing" if auto == "Met" else "Met")
    page.locator("h3.verbatim").first.click()
    page.keyboard.press("s")  # save the correction: history kept, the latest is current
    page.get_by_text("(corrected: Dose response)").wait_for()
    lines = (folder / "Browser_Tester.jsonl").read_text().splitlines()
    assert len(lines) == 2
    from auditor.ui.reviews import load_reviews

    current = load_reviews(folder)
    assert len(current) == 1 and current[0]["labels"]["dose_response"]["status"] != current[0]["auditor_labels"]["dose_response"]
    page.get_by_text("From 1 current reviews").wait_for()

    # point 3: one correction does not reorder the worklist (the most deficient notes stay first)
    after = _up_next(page)
    assert set(after[:3]) <= set(before) - {first}  # (a raw correction rate of 1/1 used to push them down)
    if first != HOSTILE_ID:  # point 1 on this page (checked above when it was the first reviewed)
        _pick(page, "Open from the worklist", HOSTILE_ID)
        _await_heading(page, f"Note {HOSTILE_ID} (not reviewed yet)")
        _verbatim_here(page, HOSTILE)
    _shot(page, "review.png")


def test_tip_sheet_shows_rates_compares_runs_and_downloads(page, tmp_path_factory) -> None:
    """Point 7: rates per element and group with a minimum size, two runs side by side, Markdown and HTML."""
    _sidebar(page, "Tip sheet")
    page.get_by_text("Deficiency rates (missing or partial").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').nth(1).wait_for(timeout=60_000)  # charts render one after the other
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
    records = tmp_path_factory.getbasetemp() / "records.jsonl"
    page.locator('[data-testid="stFileUploader"] input[type="file"]').last.set_input_files(str(records))
    page.get_by_text("Upload the records of an earlier run").wait_for(state="detached")
    md = _download(page, "Tip sheet (Markdown)", tmp_path_factory.mktemp("ts") / "tips.md").read_text()
    assert md.startswith("# Documentation tip sheet") and "%" in md
    _download(page, "Tip sheet (HTML)", tmp_path_factory.mktemp("ts") / "tips.html")
    _shot(page, "tipsheet.png")


def test_the_server_binds_localhost_only_and_the_browser_fetched_nothing_else(page, server) -> None:
    """Issue 13 item 13 and point 1: app config binds 127.0.0.1 from any directory; nothing leaves the machine."""
    assert _listening(server["port"]) and set(_listening(server["port"])) <= {"0100007F", "00000000000000000000000001000000"}
    outside = [u for u in page.requests if not u.startswith((server["url"], "data:", "blob:", "file:"))]  # type: ignore[attr-defined]
    assert outside == []
    assert page.dialogs == []  # type: ignore[attr-defined]
