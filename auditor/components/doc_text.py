"""`doc.text`, built once per doc.

spaCy joins every token's text on each `doc.text` access (0.3 ms for a
250-word note) and four components read it. The string is kept in
`doc.user_data` until pump_evidence clears user_data at the end of the
pipeline; a Doc's text never changes after tokenization.
"""
from __future__ import annotations

from spacy.tokens import Doc

KEY = "pump_text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(KEY)
    if text is None:
        text = doc.text
        doc.user_data[KEY] = text
    return text
