"""Factories that build medspaCy's sectionizer, target matcher and ConText
from the rule files in auditor/resources (never from medspaCy's relative
resource paths). Stock medspaCy components with the aligning regex matcher;
the fast path is swapped in afterwards by auditor.fast.accelerate(nlp)."""


from typing import Any, Dict

from medspacy.context import ConText, ConTextRule
from medspacy.section_detection import Sectionizer, SectionRule
from medspacy.target_matcher import TargetMatcher, TargetRule
from spacy.language import Language

from auditor import rules
from auditor.components.regex_matcher import aligning

SPAN_GROUP = "pump_spans"


@Language.factory("pump_sectionizer", default_config={})
def make_sectionizer(nlp: Language, name: str) -> Sectionizer:
    sec = Sectionizer(nlp, name=name, rules=None, input_span_type=None, span_attrs=None)
    sec.add([SectionRule(literal=r["literal"], category=r["category"], pattern=r.get("pattern")) for r in rules.section_rules()])
    return aligning(sec)


@Language.factory("pump_target_matcher", default_config={})
def make_target_matcher(nlp: Language, name: str) -> TargetMatcher:
    tm = TargetMatcher(nlp, name=name, result_type="group", span_group_name=SPAN_GROUP, prune=False)
    tm.add([
        TargetRule(literal=r["literal"], category=r["category"], pattern=r["pattern"],
                   metadata={"rule_id": r["id"], **(r.get("metadata") or {})})
        for r in rules.target_rules()
    ])
    return aligning(tm)


def _context_rule(r: Dict[str, Any]) -> ConTextRule:
    allowed = r.get("allowed_types")
    return ConTextRule(
        literal=r["literal"], category=r["category"], pattern=r.get("pattern"), direction=r["direction"],
        allowed_types=set(allowed) if allowed else None, max_scope=r.get("max_scope"),
        terminated_by=set(r.get("terminated_by") or ()) or None,
    )


@Language.factory("pump_context", default_config={"max_scope": 10, "use_medspacy_defaults": True})
def make_context(nlp: Language, name: str, max_scope: int, use_medspacy_defaults: bool) -> ConText:
    ctx = ConText(nlp, name=name, rules=None, max_scope=max_scope,
                  input_span_type="group", span_group_name=SPAN_GROUP, span_attrs=None)
    if use_medspacy_defaults:
        # medspaCy's default rules, less those context_rules.json turns off (`default_rules_off`)
        off = rules.context_defaults_off()
        ctx.add([r for r in ConTextRule.from_json(ctx.DEFAULT_RULES_FILEPATH) if r.literal not in off])
    ctx.add([_context_rule(r) for r in rules.context_rules()])
    for category, enders in rules.context_terminators().items():
        for rule in ctx.rules:
            if rule.category == category:
                rule.terminated_by = rule.terminated_by | set(enders)
    return aligning(ctx)
