"""The tokenizer reads the normalised note; pump_evidence maps offsets back.

Why a tokenizer wrapper: spaCy fixes a Doc's text at tokenization, so the one
place to hand every component the normalised text (auditor/normalize.py) is
the tokenizer. The map back to the original is kept on the Doc until
pump_evidence, the last component, remaps its output with it.
"""
from __future__ import annotations

from typing import Any, Callable

from spacy.tokens import Doc

from auditor.normalize import Normalised, normalise

if not Doc.has_extension("pump_norm"):
    Doc.set_extension("pump_norm", default=None)


class NormalizingTokenizer:
    """Wraps a spaCy tokenizer: normalise, tokenize, remember the map (only when something changed)."""

    def __init__(self, tokenizer: Callable[[str], Doc]):
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        norm = normalise(text)
        doc = self.tokenizer(norm.text)
        if norm.changed:
            doc._.pump_norm = norm
        return doc

    def pipe(self, texts: Any, batch_size: int = 1000) -> Any:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:  # rules, vocab, explain, ... of the wrapped tokenizer
        if name == "tokenizer":
            raise AttributeError(name)
        return getattr(self.tokenizer, name)


def normalised_of(doc: Doc) -> Normalised | None:
    """The map back to the note as written, or None when the rules read it unchanged."""
    return doc._.pump_norm if Doc.has_extension("pump_norm") else None
