"""How the auditor is made fast, behind one seam: `accelerate(nlp)`.

Everything here changes speed, never records: the Hyperscan/RE2/literal triage
of the regex rules (triage.py, widen.py, prefilter.py, re2_twin.py, regex.py),
the triaged token Matcher (tokens.py) and ConText paired by position
(context.py). `auditor.pipeline.build(fast=False)`, or PUMP_AUDITOR_FAST=0 in
the environment, builds the plain medspaCy pipeline; tests/test_fast_equivalence.py
shows both give the same records. Outside this package only `pipeline.py` and
the text-scan API (`auditor/textscan.py`) import it.
"""
from __future__ import annotations

import os
import warnings
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

# fast/context.py copies ConText.__call__ of this medspaCy version; on another it is skipped
TESTED_MEDSPACY = ("1.3.1",)


def enabled() -> bool:
    """Fast path on unless PUMP_AUDITOR_FAST is 0/false/no/off."""
    return os.environ.get("PUMP_AUDITOR_FAST", "1").strip().lower() not in {"0", "false", "no", "off"}


def accelerate(nlp: "Language") -> "Language":
    """Swap the fast matchers and ConText into a built pipeline (same matches, same edges)."""
    import medspacy
    from medspacy.context import ConText

    from auditor.fast.context import PumpConText
    from auditor.fast.regex import accelerate as _accelerate_matchers

    for _, component in nlp.pipeline:
        if isinstance(component, ConText) and type(component) is ConText:
            if getattr(medspacy, "__version__", "") in TESTED_MEDSPACY:
                component.__class__ = PumpConText
            else:
                warnings.warn(
                    f"medspaCy {getattr(medspacy, '__version__', '?')} is not one the fast ConText was tested with "
                    f"({', '.join(TESTED_MEDSPACY)}): using medspaCy's own ConText", RuntimeWarning, stacklevel=2)
        _accelerate_matchers(component)
    return nlp


def accelerate_component(component: Any) -> Any:
    """The matcher swap for one medspaCy component (tests and benchmarks of a single stage)."""
    from auditor.fast.regex import accelerate as _accelerate_matchers

    return _accelerate_matchers(component)
