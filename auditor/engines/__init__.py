"""Distributed engines for bulk audits.

Why a subpackage: an engine brings a heavy optional dependency (pyspark is the
`spark` extra), so nothing here is imported by `auditor` itself. Every engine
feeds partitions of rows to `auditor.audit.audit_rows` and returns the audit
contract's records unchanged: same code, same results, everywhere.

- `auditor.engines.spark`: `audit_dataframe` (mapInPandas) and `run_cli`
  (`auditor audit --engine spark`).
"""
from __future__ import annotations

import importlib.util

ENGINES: dict[str, str] = {"spark": "pyspark"}


def available() -> list[str]:
    """The engines whose dependency is installed, so a CLI can say which choices work."""
    return [name for name, dep in ENGINES.items() if importlib.util.find_spec(dep) is not None]
