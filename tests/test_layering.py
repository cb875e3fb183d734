"""The package's layers, checked on the import graph: lower layers never import higher ones, no cycles.

record/roles/rules/elements/dates  ->  normalize/textscan/components/visit/decide  ->  checks  ->  audit
->  bulk/io/engines/cli/ui/report/evaluation. The speed layer (auditor.fast) is imported only by
auditor/pipeline.py and the text-scan API (auditor/textscan.py). Nothing below the top layer imports it
(the trainer behind `auditor train` counts as top: it reads the gold and the phrase banks through
auditor.evaluation); the evaluation does not import the other front ends.
"""
from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "auditor"


def _module(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        mod = _module(path)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("auditor"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("auditor"))
        graph[mod] = found
    return graph


GRAPH = _imports()
KNOWN = set(GRAPH)


def _targets(mod: str) -> set[str]:
    return {t for t in GRAPH[mod] if t in KNOWN}


def _under(mod: str, *prefixes: str) -> bool:
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)


def test_only_the_pipeline_and_the_text_scan_api_import_the_fast_path():
    bad = sorted(
        (m, t) for m in KNOWN if not _under(m, "auditor.fast", "auditor.pipeline", "auditor.textscan")
        for t in _targets(m) if _under(t, "auditor.fast")
    )
    assert not bad, bad


def test_claim_checks_never_import_the_audit_or_the_front_ends():
    bad = sorted(
        (m, t) for m in KNOWN if _under(m, "auditor.checks")
        for t in _targets(m) if _under(t, "auditor.audit", "auditor.cli", "auditor.io", "auditor.ui", "auditor.engines", "auditor.parallel",
                                       "auditor.bulk", "auditor.evaluation")
    )
    assert not bad, bad


def test_foundation_modules_import_nothing_above_them():
    base = ("auditor.record", "auditor.roles", "auditor.rules", "auditor.elements", "auditor.dates")
    bad = sorted((m, t) for m in base for t in _targets(m) if not _under(t, *base))
    assert not bad, bad


def test_the_visit_model_and_decisions_do_not_reach_into_checks_or_front_ends():
    bad = sorted(
        (m, t) for m in ("auditor.visit", "auditor.decide") for t in _targets(m)
        if _under(t, "auditor.checks", "auditor.audit", "auditor.cli", "auditor.io", "auditor.ui", "auditor.engines",
                  "auditor.bulk", "auditor.evaluation")
    )
    assert not bad, bad


# the run, the front ends, the reports and the evaluation; the trainer behind `auditor train` too
TOP_LAYER = ("auditor.bulk", "auditor.io", "auditor.parallel", "auditor.interval_pass", "auditor.claims_file",
             "auditor.engines", "auditor.cli", "auditor.ui", "auditor.report", "auditor.evaluation",
             "auditor.learn.train", "auditor.learn.__main__")


def test_nothing_below_the_top_layer_imports_it():
    bad = sorted(
        (m, t) for m in KNOWN if not _under(m, *TOP_LAYER)
        for t in _targets(m) if _under(t, *TOP_LAYER)
    )
    assert not bad, bad


def test_the_evaluation_never_imports_the_front_ends():
    bad = sorted(
        (m, t) for m in KNOWN if _under(m, "auditor.evaluation")
        for t in _targets(m) if _under(t, "auditor.cli", "auditor.bulk", "auditor.ui", "auditor.report", "auditor.engines")
    )
    assert not bad, bad


def test_no_import_cycles_at_module_level():
    top: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        mod = _module(path)
        deps: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only: lazy imports break cycles
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("auditor"):
                subs = {f"{node.module}.{a.name}" for a in node.names} & KNOWN
                # "from auditor.checks import tables" depends on the submodule, not on the package's __init__
                deps.update(subs if subs else ({node.module} & KNOWN))
        top[mod] = {d for d in deps if d != mod}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for d in top.get(m, ()):
            if seen.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(d):] + [d]))
            if d not in seen:
                visit(d)
        stack.pop()
        seen[m] = 2

    for m in sorted(top):
        if m not in seen:
            visit(m)
