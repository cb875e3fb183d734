"""spaCy components of the auditor, registered as factories on import."""
from auditor.components import evidence, facts, matchers, sentences  # noqa: F401
