#!/usr/bin/env bash
# Installs the auditor into .venv and audits the bundled sample export.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test,spark]'
mkdir -p out
.venv/bin/auditor audit samples/notes.csv --out out/sample_audit.jsonl --force
.venv/bin/auditor audit samples/notes.csv --out out/sample_report.html --force
echo "audited samples/notes.csv -> out/sample_audit.jsonl, out/sample_report.html"
