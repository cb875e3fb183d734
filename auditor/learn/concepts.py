"""The concepts the models learn, and how each one meets the rules.

Why a table: the hybrid adds a model's sentence to the pipeline's spans under
the rule label of its concept and lets `decide` apply the guideline as it does
for rule spans, so a concept needs only its labels (what it adds, what rules
count as present), the labels whose live spans mean the rules said "not"
(never overruled), and which element it feeds (for disagreement flags).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class Concept:
    name: str
    label: str                      # the target category a model sentence is added as
    element: str                    # the element this concept decides (part of)
    blockers: tuple[str, ...] = ()  # live spans of these labels keep the model out (a rule's "not", or a rival concept)
    part: str | None = None         # evidence part within the element (reassessment)
    masked: tuple[str, ...] = ()    # the model reads a sentence without the live spans of these labels
    rival: str | None = None        # a sentence this concept's model reads as the rival concept is not proposed
    # a model sentence at or above the manifest's `threshold_anywhere` counts wherever it sits in the note
    # (a reason implied by a problem at the old dose need not sit beside the change: guideline, "An implied
    # reason counts"); below it, the rules' placement applies to it as to a rule span
    anywhere: bool = False
    # hybrid: when the rules found the concept, the model may overrule them: if every sentence the rules'
    # evidence sits in scores below the manifest's `threshold_veto`, those spans are discounted (MODEL_VETO)
    veto: bool = False


CONCEPTS: tuple[Concept, ...] = (
    Concept("refill_done", "EVT_REFILL", "pump_status", ("EVT_NO_REFILL",)),
    # a change the rules invent (another drug's dose, an earlier visit's change) fails the note's change
    # reason and raises code-change-billed-as-refill: the change model may veto the rules' change
    Concept("regimen_change", "CHANGE", "change_reason", ("NO_CHANGE",), veto=True),
    # to a bag of n-grams the change statement reads like its own reason ("increased ... mcg/day"):
    # the reason model reads what the sentence says besides the change
    # and when the rules saw no change there, a sentence the change model calls a change is not a reason
    Concept("change_reason", "REASON", "change_reason", masked=("CHANGE",), rival="regimen_change", anywhere=True),
    Concept("dose_response", "RESPONSE", "dose_response"),
    Concept("condition", "CONDITION", "reassessment", part="condition"),
    Concept("goals", "GOALS", "reassessment", part="goals"),
    Concept("supervision_direct", "SUPERVISION", "incident_to"),
    Concept("drug_purchase", "PURCHASE", "drug_cost", ("OUTSIDE_SUPPLY",)),
    Concept("outside_supply", "OUTSIDE_SUPPLY", "drug_cost", ("PURCHASE",)),
)
BY_NAME: dict[str, Concept] = {c.name: c for c in CONCEPTS}
NAMES: tuple[str, ...] = tuple(c.name for c in CONCEPTS)


def rule_present(concept: Concept, record: Mapping[str, Any]) -> bool:
    """Did the rules (the decided record) find this concept in the note?"""
    els = record.get("elements") or {}
    facts = record.get("facts") or {}
    el = els.get(concept.element) or {}
    name = concept.name
    if name == "refill_done":
        return bool(facts.get("refill"))
    if name == "regimen_change":
        return bool(facts.get("regimen_change"))
    if name == "supervision_direct":
        return facts.get("supervision") == "direct"
    if name == "outside_supply":
        return facts.get("drug_supplier") == "outside"
    if concept.part:
        return any(e.get("part") == concept.part for e in el.get("evidence") or [])
    return el.get("status") == "met"
