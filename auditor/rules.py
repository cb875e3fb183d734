"""Loads and validates the rule files under auditor/resources.

The files are the product's knowledge: a CDI lead edits them, so a broken
rule must fail loudly at load time with the file and rule named.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

_MACRO = re.compile(r"\{([A-Z][A-Z_]*)\}")


class RuleError(ValueError):
    """A resource file holds a rule that cannot be used."""


def _text(name: str) -> str:
    return resources.files("auditor").joinpath("resources", name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    try:
        return json.loads(_text(name))
    except json.JSONDecodeError as exc:
        raise RuleError(f"resources/{name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


@lru_cache(maxsize=None)
def macros() -> dict[str, str]:
    return {k: v for k, v in load_json("macros.json").items() if not k.startswith("_")}


def expand(pattern: str, where: str = "") -> str:
    """Replace {NAME} with its macro; unknown names are errors, other braces are kept."""
    table = macros()

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in table:
            raise RuleError(f"{where}: unknown macro {{{name}}}")
        return table[name]

    for _ in range(3):  # macros may name other macros
        new = _MACRO.sub(sub, pattern)
        if new == pattern:
            break
        pattern = new
    return pattern


def compile_checked(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(expand(pattern, where), flags)
    except re.error as exc:
        raise RuleError(f"{where}: bad regex ({exc})") from None


@lru_cache(maxsize=None)
def target_rules() -> tuple[dict[str, Any], ...]:
    """Target rules, one JSON object a line, each with a unique id."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(_text("target_rules.jsonl").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"resources/target_rules.jsonl:{n}"
        try:
            rule = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleError(f"{where}: not valid JSON ({exc.msg})") from None
        for key in ("id", "category", "literal", "pattern"):
            if not isinstance(rule.get(key), str) or not rule[key]:
                raise RuleError(f"{where}: missing {key!r}")
        if rule["id"] in seen:
            raise RuleError(f"{where}: duplicate id {rule['id']!r}")
        seen.add(rule["id"])
        rule["pattern"] = expand(rule["pattern"], where)
        compile_checked(rule["pattern"], where)
        out.append(rule)
    return tuple(out)


@lru_cache(maxsize=None)
def context_rules() -> tuple[dict[str, Any], ...]:
    data = load_json("context_rules.json")
    out = []
    for i, rule in enumerate(data.get("context_rules", [])):
        where = f"resources/context_rules.json rule {i} ({rule.get('literal')!r})"
        if rule.get("direction") not in {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"}:
            raise RuleError(f"{where}: bad direction {rule.get('direction')!r}")
        rule = dict(rule)
        if isinstance(rule.get("pattern"), str):
            rule["pattern"] = expand(rule["pattern"], where)
            compile_checked(rule["pattern"], where)
        out.append(rule)
    return tuple(out)


@lru_cache(maxsize=None)
def context_terminators() -> dict[str, frozenset[str]]:
    """context_rules.json `terminated_by`: per modifier category, the categories that end its scope."""
    data = load_json("context_rules.json").get("terminated_by") or {}
    return {cat.upper(): frozenset(c.upper() for c in enders) for cat, enders in data.items()}


@lru_cache(maxsize=None)
def context_defaults_off() -> frozenset[str]:
    """context_rules.json `default_rules_off`: literals of medspaCy's default rules the pipeline leaves out."""
    return frozenset(load_json("context_rules.json").get("default_rules_off") or ())


@lru_cache(maxsize=None)
def section_rules() -> tuple[dict[str, Any], ...]:
    rules = load_json("section_rules.json").get("section_rules", [])
    for i, rule in enumerate(rules):
        if isinstance(rule.get("pattern"), str):
            compile_checked(rule["pattern"], f"resources/section_rules.json rule {i}")
    return tuple(rules)


@lru_cache(maxsize=None)
def discount_table() -> dict[str, Any]:
    return load_json("discount.json")


@lru_cache(maxsize=None)
def facts_vocab() -> dict[str, Any]:
    return load_json("facts.json")
