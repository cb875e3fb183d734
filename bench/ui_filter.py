"""Time the workbench on a large export in a real browser: audit with progress, then filtering.

Issue 14 asks that a 5,000-note export audits with progress and that filtering
it responds in under 1.5 s. This starts `streamlit run app.py` on 127.0.0.1,
uploads N generated notes (bench.generate: fictional), audits them, then
applies and clears element filters and the score slider, timing each from the
key press to the new "X of N notes match" line and the table being drawn.

    python -m bench.ui_filter --notes 5000
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.generate import main as generate

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _matches(pg) -> str:
    m = re.search(r"(\d+) of \d+ notes match", pg.locator('[data-testid="stMain"]').inner_text())
    return m.group(0) if m else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose app.py to time (e.g. an older commit)")
    ap.add_argument("--old-labels", action="store_true", help="filters labelled by element id and status code (before issue 14)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="ui_filter_"))
    notes = tmp / "export.jsonl"
    generate([str(args.notes), "--seed", str(args.seed), "--out", str(notes)])
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(root), "XDG_DATA_HOME": str(tmp / "data")}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--server.fileWatcherType", "none"], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            pg = browser.new_page(viewport={"width": 1440, "height": 1000})
            pg.set_default_timeout(60_000)
            pg.goto(url)
            pg.get_by_text("Audit one note").wait_for()
            pg.locator('[data-testid="stSidebar"]').get_by_text("Export", exact=True).click()
            pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(notes))
            t0 = time.monotonic()
            pg.get_by_role("button", name=f"Audit {args.notes} notes").click()
            pg.locator('[data-testid="stProgress"]').first.wait_for()
            progress_seen = time.monotonic() - t0
            pg.get_by_text(f"Audited {args.notes} notes from export.jsonl").wait_for(timeout=3_600_000)
            audit_s = time.monotonic() - t0
            pg.wait_for_timeout(2000)
            timings = []
            filters = [("Pump status", "Met"), ("Dose response", "Missing"), ("Drug purchase", "N/A"),
                       ("Reassessment", "Partial")]
            if args.old_labels:
                filters = [("pump_status", "met"), ("dose_response", "missing"), ("drug_cost", "not_applicable"),
                           ("reassessment", "partial")]
            for label, option in filters:
                before = _matches(pg)
                box = pg.locator('[data-testid="stMultiSelect"]').filter(has_text=label).first
                box.locator("input").click()
                pg.keyboard.type(option)
                pg.get_by_role("option", name=option, exact=True).first.wait_for()
                t = time.monotonic()
                pg.keyboard.press("Enter")
                pg.wait_for_function("b => { const m = document.body.innerText.match(/\\d+ of \\d+ notes match/);"
                                     " return m && m[0] !== b && !document.querySelector('[data-stale=\"true\"]'); }",
                                     arg=before)
                pg.locator('[data-testid="stDataFrame"]').first.wait_for()
                timings.append(time.monotonic() - t)
                pg.keyboard.press("Escape")
                pg.wait_for_timeout(500)
            browser.close()
        print(json.dumps({"notes": args.notes, "progress_shown_after_s": round(progress_seen, 2),
                          "audit_s": round(audit_s, 1), "filter_s": [round(x, 2) for x in timings],
                          "filter_median_s": round(statistics.median(timings), 2),
                          "filter_max_s": round(max(timings), 2)}))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
