"""Model files: skops in, skops out, and only the types listed here are trusted on load.

Why skops: a pickle runs whatever code its author put in it; skops rebuilds
objects from a schema and refuses types nobody trusted. Loading a file that
holds any type outside TRUSTED fails with one line naming the type (a model
file someone swapped in is not used). A missing or corrupt file is not an
attack: the auditor warns naming the file and decides with the rules.
"""
from __future__ import annotations

import json
import sys
import warnings
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

# Types a shipped model may contain besides skops's defaults (scikit-learn estimators, NumPy, SciPy).
TRUSTED: tuple[str, ...] = (
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
)
MANIFEST = "manifest.json"
FEATURES = "features.skops"


class UntrustedModel(Exception):
    """A model file holds a type that is not trusted; the message is one line."""


class ModelUnavailable(Exception):
    """A model file is missing or unreadable; the message names the file, never note text."""


def shipped_dir() -> Path:
    """The models that ship inside the package (auditor/resources/models)."""
    return Path(str(resources.files("auditor").joinpath("resources", "models")))


def save(obj: Any, path: str | Path) -> None:
    """Write `obj` with skops, compressed."""
    import skops.io as sio

    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED)


def load(path: str | Path) -> Any:
    """Read a skops file, trusting only TRUSTED beyond skops's defaults."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelUnavailable(f"{path}: model file missing")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001  a truncated zip, bad JSON schema, ...
        raise ModelUnavailable(f"{path}: model file unreadable ({type(exc).__name__})") from None
    refused = [t for t in untrusted if t not in TRUSTED]
    if refused:
        raise UntrustedModel(f"{path}: refusing to load untrusted type {refused[0]}"
                             + (f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""))
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:  # noqa: BLE001
        raise ModelUnavailable(f"{path}: model file unreadable ({type(exc).__name__})") from None


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ModelUnavailable(f"{path}: model manifest missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelUnavailable(f"{path}: model manifest unreadable") from None
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), dict):
        raise ModelUnavailable(f"{path}: model manifest has no concepts")
    return data


_WARNED: set[str] = set()


def warn_fallback(message: str) -> None:
    """Say once, on stderr and as a RuntimeWarning, which file failed and that the rules decide instead.

    Why stderr too: an imported library installs an 'ignore' filter for every
    warning, so a warning alone would not reach the person running the audit."""
    text = f"{message}; deciding with the rules"
    if text not in _WARNED:
        _WARNED.add(text)
        print(f"auditor: warning: {text}", file=sys.stderr)
    warnings.warn(text, RuntimeWarning, stacklevel=3)
