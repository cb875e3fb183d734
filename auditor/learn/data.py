"""Training data: labelled sentences from the dev gold notes, the phrase banks' dev halves and reviews.

Why sentences: the hybrid proposes sentences, so the models learn sentences.
A gold note gives, per concept:
- positives: the sentences its gold evidence for that concept covers (only
  where the element's gold status says the concept is there: evidence under a
  `missing` status is what almost counted, a hard negative);
- for refill and regimen change, which the gold does not quote, the sentences
  of the rules' live spans in notes whose gold says it happened;
- negatives: every sentence of a note whose gold says the concept is absent
  (which makes the rules' false hits hard negatives), and in a note where it
  is present, sentences with neither gold evidence nor a rule span of the
  concept (for refill and change, only sentences known to be about something
  else: the gold does not say where those were written).
A phrase-bank fragment is one example of its concept. A review is a gold note
(the workbench saves reviews in the gold format) weighted REVIEW_WEIGHT: a
reviewer's correction is about this site's own wording.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from auditor.learn.concepts import NAMES

REVIEW_WEIGHT = 3.0
FOLDS = 5
WEAK = {"refill_done": ("EVT_REFILL", ("EVT_REFILL", "PS_BEFORE", "PS_AFTER", "EVT_NO_REFILL")),
        "regimen_change": ("CHANGE", ("CHANGE", "REASON", "NO_CHANGE"))}
LABEL = {"refill_done": "EVT_REFILL", "regimen_change": "CHANGE", "change_reason": "REASON", "dose_response": "RESPONSE",
         "condition": "CONDITION", "goals": "GOALS", "supervision_direct": "SUPERVISION", "drug_purchase": "PURCHASE",
         "outside_supply": "OUTSIDE_SUPPLY"}


@dataclass
class Example:
    text: str
    concept: str
    y: int
    group: str      # the note or fragment it came from: folds never split a group
    weight: float
    kind: str       # gold | phrasebank | review


def fold_of(group: str) -> int:
    """A fixed fold per note or fragment (a hash, so adding data never moves the others)."""
    return zlib.crc32(group.encode("utf-8")) % FOLDS


def _overlapping(sentences: Sequence[Sequence[int]], start: int, end: int) -> set[int]:
    return {i for i, (a, b) in enumerate(sentences) if a < end and start < b}


def _evidence_sents(note: Mapping[str, Any], sentences: Sequence[Sequence[int]], element: str, part: str | None = None) -> set[int]:
    out: set[int] = set()
    text = note["text"]
    for ev in note["labels"][element].get("evidence") or []:
        if part is not None and ev.get("part") != part:
            continue
        start = ev.get("start")
        if start is None:
            start = text.find(ev.get("text") or "\0")
            if start < 0:
                continue
        end = ev.get("end", start + len(ev.get("text") or ""))
        out |= _overlapping(sentences, start, end)
    return out


def gold_presence(note: Mapping[str, Any], concept: str, sentences: Sequence[Sequence[int]]) -> tuple[bool | None, set[int]]:
    """(is the concept there by the gold, the sentences its evidence covers); None skips the note for this concept."""
    lab = {e: v["status"] for e, v in note["labels"].items()}
    refill = lab["pump_status"] != "not_applicable"
    if concept == "refill_done":
        return refill, set()
    if concept == "regimen_change":
        changed = lab["change_reason"] != "not_applicable"
        return changed, _evidence_sents(note, sentences, "change_reason") if lab["change_reason"] == "missing" else set()
    if concept == "change_reason":
        if lab["change_reason"] == "not_applicable":
            return None, set()
        return lab["change_reason"] == "met", _evidence_sents(note, sentences, "change_reason") if lab["change_reason"] == "met" else set()
    if concept == "dose_response":
        return lab["dose_response"] == "met", _evidence_sents(note, sentences, "dose_response") if lab["dose_response"] == "met" else set()
    if concept in ("condition", "goals"):
        ev = _evidence_sents(note, sentences, "reassessment", concept) if lab["reassessment"] != "missing" else set()
        return bool(ev), ev
    if concept == "supervision_direct":
        if lab["incident_to"] == "not_applicable":
            return None, set()
        return lab["incident_to"] == "met", _evidence_sents(note, sentences, "incident_to") if lab["incident_to"] == "met" else set()
    if concept == "drug_purchase":
        if lab["drug_cost"] == "not_applicable":
            return None, set()
        return lab["drug_cost"] == "met", _evidence_sents(note, sentences, "drug_cost") if lab["drug_cost"] == "met" else set()
    if concept == "outside_supply":
        if not refill:
            return None, set()
        outside = lab["drug_cost"] == "not_applicable"
        return outside, _evidence_sents(note, sentences, "drug_cost") if outside else set()
    raise KeyError(concept)


def note_examples(note: Mapping[str, Any], pump: Mapping[str, Any], kind: str = "gold") -> list[Example]:
    """Labelled sentences of one gold note (or review) for every concept."""
    text = note["text"]
    sentences = pump.get("sentences") or []
    live_by_label: dict[str, set[int]] = {}
    for s in pump.get("spans") or []:
        if not s["discounted_by"]:
            live_by_label.setdefault(s["label"], set()).add(s["sent"])
    any_span = set().union(*live_by_label.values()) if live_by_label else set()
    weight = REVIEW_WEIGHT if kind == "review" else 1.0
    group = f"{kind}:{note['note_id']}"
    out: list[Example] = []
    for concept in NAMES:
        present, pos = gold_presence(note, concept, sentences)
        if present is None:
            continue
        label = LABEL[concept]
        live = live_by_label.get(label, set())
        if concept in WEAK and present:
            pos = pos | live
            related = set().union(*(live_by_label.get(lb, set()) for lb in WEAK[concept][1]))
            negs = (any_span - related) - pos
        elif present:
            negs = set(range(len(sentences))) - pos - live
        else:
            negs, pos = set(range(len(sentences))), set()
        for i in sorted(pos):
            out.append(Example(text[sentences[i][0]:sentences[i][1]], concept, 1, group, weight, kind))
        for i in sorted(negs):
            out.append(Example(text[sentences[i][0]:sentences[i][1]], concept, 0, group, weight, kind))
    return out


def phrase_examples(items: Iterable[Mapping[str, Any]]) -> list[Example]:
    """One example per fragment of a concept the models learn (the dev halves only: the caller filters)."""
    return [Example(it["text"], it["concept"], int(bool(it["expected"])), f"phrasebank:{it['id']}", 1.0, "phrasebank")
            for it in items if it["concept"] in NAMES]
