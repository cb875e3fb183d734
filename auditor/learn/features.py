"""Sentence features shared by every concept's model: TF-IDF word and character n-grams.

Why one shared vectorizer: a note's sentences are turned into features once and
every concept's linear model scores the same matrix, so nine models cost about
what one does. Character n-grams (within word boundaries) survive shorthand,
misspellings and OCR noise that word n-grams miss. Digits are folded to 0
before counting: "3.1 mL" and "18 mL" say the same thing to every concept.
"""
from __future__ import annotations

import re
from typing import Any

MAX_CHARS = 400  # a sentence longer than this is a pasted table or run-on: its start says enough
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


def normalise(sentence: str) -> str:
    """Lower case, digits folded to 0, whitespace collapsed, cut at MAX_CHARS."""
    return _SPACE.sub(" ", _DIGIT.sub("0", sentence[:MAX_CHARS].lower())).strip()


def make_vectorizer() -> Any:
    """Word 1-2 grams and character 2-5 grams, sublinear TF, terms seen at least twice (a FeatureUnion)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=False,
                                 token_pattern=r"(?u)\b\w+\b", max_features=20000, dtype=np.float32)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                 lowercase=False, max_features=40000, dtype=np.float32)),
    ])


def to_arrays(vectorizer: Any) -> dict[str, Any]:
    """The fitted vectorizer as plain arrays: its terms in column order and their IDF weights.

    Why: skops writes a fitted TfidfVectorizer's vocabulary as one schema node
    and one NumPy file per term (47,000 files, 36 MB, slow to load); a term
    array is one file.
    """
    import numpy as np

    out: dict[str, Any] = {"parts": [name for name, _ in vectorizer.transformer_list]}
    for name, vec in vectorizer.transformer_list:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        out[f"{name}_terms"] = np.array(terms, dtype=str)
        out[f"{name}_idf"] = np.asarray(vec.idf_, dtype=np.float64)
    return out


def from_arrays(data: Any, where: Any = "features") -> Any:
    """The vectorizer `to_arrays` saved, rebuilt with the same settings as make_vectorizer."""
    from auditor.learn.store import ModelUnavailable

    try:
        union = make_vectorizer()
        parts = dict(union.transformer_list)
        if list(data["parts"]) != list(parts):
            raise KeyError("parts")
        for name, vec in parts.items():
            vec.set_params(vocabulary={t: i for i, t in enumerate(data[f"{name}_terms"].tolist())})
            vec._validate_vocabulary()
            vec.idf_ = data[f"{name}_idf"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelUnavailable(f"{where}: features unreadable ({type(exc).__name__})") from None
    return union
