"""A learned second opinion: scikit-learn models over sentences, combined with the rules.

- `auditor train` (auditor/learn/train.py) rebuilds the shipped models in
  auditor/resources/models from annotations/ (+ `--reviews DIR`).
- `auditor audit|evaluate --mode rules|model|hybrid` (auditor/learn/hybrid.py).
- For the workbench: `disagreements(record)` lists the elements where rules
  and models disagree; evidence items carry `source`, and model evidence its
  `model` and `probability`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from auditor.learn.hybrid import MODES
from auditor.learn.predict import load_models
from auditor.learn.store import UntrustedModel, warn_fallback

__all__ = ["MODES", "MODE_ENV", "UntrustedModel", "apply", "default_mode", "disagreements", "load_models", "resolve_mode", "warn_fallback"]

FALLBACK_MODE = "rules"


MODE_ENV = "PUMP_AUDITOR_MODE"  # overrides the default (how `--mode` reaches Spark's workers)


def default_mode() -> str:
    """$PUMP_AUDITOR_MODE, else the mode that did best on held-out (resources/models/default_mode.json);
    rules when no model loads."""
    import os

    from auditor import rules

    mode = os.environ.get(MODE_ENV)
    if not mode:
        try:
            mode = rules.load_json("models/default_mode.json").get("default_mode") or FALLBACK_MODE
        except (OSError, ValueError):
            mode = FALLBACK_MODE
    if mode not in MODES or (mode != "rules" and load_models() is None):
        return FALLBACK_MODE
    return mode


def resolve_mode(mode: str | None) -> str:
    """None -> the default; an unknown mode is a ValueError."""
    if mode is None:
        return default_mode()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return mode


def apply(records: Sequence[dict[str, Any]], pumps: Sequence[Mapping[str, Any]], texts: Sequence[str],
          metas: Sequence[Mapping[str, Any]], mode: str) -> list[dict[str, Any]]:
    """The rules' records in `mode`; unchanged (rules) when the models are missing or corrupt."""
    if mode == "rules" or not records:
        return list(records)
    models = load_models()
    if models is None:
        return list(records)
    from auditor.learn.hybrid import apply_batch

    return apply_batch(records, pumps, texts, metas, models, mode)


def disagreements(record: Mapping[str, Any]) -> list[str]:
    """Elements whose rules and model disagree (empty for a rules-mode record)."""
    return [e for e, el in (record.get("elements") or {}).items() if (el or {}).get("disagreement")]
