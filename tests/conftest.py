"""Shared fixtures: the pipeline is built once per test session (about 2 s)."""
from __future__ import annotations

import pytest
from spacy.language import Language


@pytest.fixture(scope="session")
def nlp() -> Language:
    from auditor.pipeline import shared

    return shared()
