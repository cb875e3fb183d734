"""The code has no unused or undefined names (ruff's pyflakes rules) and type-checks (mypy), both as
configured in pyproject.toml."""
from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# modules mypy may not yet check (none: the whole package is clean; add one only with a reason)
MYPY_NOT_YET: set[str] = set()


def test_ruff_finds_no_unused_or_undefined_names():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install '.[test]')")
    done = subprocess.run([ruff, "check", "auditor", "tests", "bench", "app.py"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_finds_no_type_errors():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install '.[test]')")
    # mypy's incremental cache outside the work tree, one per checkout: a cold run of the package takes
    # about 20 s on 2 cores, a warm one (nothing changed) about 2 s
    cache = Path(tempfile.gettempdir()) / f"pump-auditor-mypy-{hashlib.sha256(str(REPO).encode()).hexdigest()[:12]}"
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), "auditor"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]  # 2: mypy itself failed
    found = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert found or done.returncode == 0, done.stdout[-3000:]
    errors = [line for line in found if line.split(":", 1)[0].replace("\\", "/") not in MYPY_NOT_YET]
    assert not errors, "\n".join(errors[:50])
