"""The trained models, loaded once per process, scoring sentences for every concept at once.

Why a stacked matrix: each concept's calibrated model is a logistic regression
fitted on all dev data plus a sigmoid (Platt) calibration fitted on its
cross-validated scores (scikit-learn's CalibratedClassifierCV, ensemble=False).
Its probability is sigmoid(-(a * (x . w + c) + b)). Stacking the nine weight
vectors turns nine predict_proba calls into one sparse product, so a note's
sentences are featurised once and scored for every concept together
(tests/test_learn.py checks this equals predict_proba).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from auditor.learn import store
from auditor.learn.concepts import NAMES
from auditor.learn.features import from_arrays, normalise

ENV = "PUMP_AUDITOR_MODELS"  # a folder of trained models to use instead of the shipped ones
CACHE_SIZE = 20_000  # sentences whose scores are kept: template lines recur in every note of an export
SLICE = 1_000  # sentences featurised at a time: a 500-note chunk's n-gram lists would otherwise raise peak memory


@dataclass
class Models:
    """What `auditor train` wrote: the shared vectorizer, one classifier per concept, the manifest."""

    folder: Path
    manifest: dict[str, Any]
    vectorizer: Any
    classifiers: dict[str, Any]
    names: list[str] = field(init=False)
    _w: Any = field(init=False, repr=False)
    _c: Any = field(init=False, repr=False)
    _a: Any = field(init=False, repr=False)
    _b: Any = field(init=False, repr=False)
    _cache: dict[str, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.names = [n for n in NAMES if n in self.classifiers]
        ws, cs, as_, bs = [], [], [], []
        for n in self.names:
            cal = self.classifiers[n].calibrated_classifiers_[0]
            ws.append(np.asarray(cal.estimator.coef_, dtype=np.float64).ravel())
            cs.append(float(np.ravel(cal.estimator.intercept_)[0]))
            as_.append(float(cal.calibrators[0].a_))
            bs.append(float(cal.calibrators[0].b_))
        self._w = np.vstack(ws).T if ws else np.zeros((0, 0))
        self._c, self._a, self._b = np.array(cs), np.array(as_), np.array(bs)

    def column(self, concept: str) -> int:
        return self.names.index(concept)

    def setting(self, concept: str, key: str) -> Any:
        return (self.manifest["concepts"].get(concept) or {}).get(key)

    def threshold(self, concept: str, mode: str) -> float | None:
        """The probability a sentence needs in `mode` (None: the concept is left out of that mode)."""
        if concept not in self.classifiers:
            return None
        c = self.manifest["concepts"].get(concept) or {}
        return c.get("threshold_hybrid") if mode == "hybrid" else c.get("threshold_model")

    def features(self, sentences: Sequence[str]) -> Any:
        return self.vectorizer.transform([normalise(s) for s in sentences])

    def score(self, sentences: Sequence[str]) -> np.ndarray:
        """Probabilities, one row a sentence and one column a concept (`self.names`).

        Each distinct sentence is featurised once: a bounded cache keeps the
        scores of recent ones (memory stays flat; it is cleared when full)."""
        out = np.zeros((len(sentences), len(self.names)))
        keys = [normalise(s) for s in sentences]
        # this call's rows, taken before the cache may be cleared below (a full cache once lost
        # the rows of sentences seen earlier in the same call: KeyError on long runs)
        rows: dict[str, np.ndarray] = {k: self._cache[k] for k in dict.fromkeys(keys) if k in self._cache}
        todo = [k for k in dict.fromkeys(keys) if k not in rows]
        if todo:
            d = np.vstack([np.asarray(self.vectorizer.transform(todo[k:k + SLICE]) @ self._w)
                           for k in range(0, len(todo), SLICE)]) + self._c
            probs = 1.0 / (1.0 + np.exp(self._a * d + self._b))
            fresh = dict(zip(todo, probs))
            if len(self._cache) + len(fresh) > CACHE_SIZE:
                self._cache.clear()
            self._cache.update(fresh)
            rows.update(fresh)
        for n, k in enumerate(keys):
            out[n] = rows[k]
        return out


def _folder(folder: str | Path | None) -> Path:
    if folder is not None:
        return Path(folder)
    env = os.environ.get(ENV)
    return Path(env) if env else store.shipped_dir()


@lru_cache(maxsize=4)
def _load(folder: Path) -> Models | None:
    try:
        manifest = store.read_manifest(folder)
        vectorizer = from_arrays(store.load(folder / manifest.get("features", store.FEATURES)), folder / store.FEATURES)
    except store.ModelUnavailable as exc:
        store.warn_fallback(str(exc))
        return None
    classifiers = {}
    for name in NAMES:
        entry = manifest["concepts"].get(name)
        if not entry:
            continue
        try:
            classifiers[name] = store.load(folder / entry["file"])
        except store.ModelUnavailable as exc:
            store.warn_fallback(f"{exc} (concept {name})")
    if not classifiers:
        return None
    return Models(folder, manifest, vectorizer, classifiers)


def load_models(folder: str | Path | None = None) -> Models | None:
    """The models in `folder` ($PUMP_AUDITOR_MODELS, else the shipped ones), loaded once.

    None, after a warning naming the file, when they are missing or corrupt (the
    rules decide); raises store.UntrustedModel when a file holds an untrusted type.
    """
    return _load(_folder(folder).resolve())


def clear_cache() -> None:
    """Forget loaded models (after `auditor train` wrote new ones in this process)."""
    _load.cache_clear()
