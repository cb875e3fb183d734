"""Rules and models combined on the decided record (the hybrid layer).

How they combine (documented in README "A learned second opinion"):

- `rules`: the record as `decide` made it.
- `hybrid`: for each concept the hybrid uses (manifest `threshold_hybrid` set),
  when the rules did not find it, the model may propose the note's sentences
  whose probability reaches the threshold chosen on dev. A proposed sentence
  is added to the pipeline's spans under the concept's rule label and
  `decide` runs again, so the guideline's logic (a reason must sit by its
  change, a purchase beats an outside supply, ...) applies to it as to a rule
  span.
- `model`: every concept is decided by its model alone: the concept's rule
  spans are removed and the model's sentences (threshold_model) added.

- `hybrid`, for a concept marked `veto` (the regimen change) with a manifest
  `threshold_veto`: when the rules found it, the model reads the sentences
  their evidence sits in; if every one scores below the veto threshold, those
  spans are discounted (`MODEL_VETO`) and `decide` runs again. The overruled
  evidence stays in `facts.events.<concept>_vetoed` with its probability, and
  the element is flagged as a disagreement. A printout's before/after values
  are never vetoed.

In both, ConText still discounts: a sentence holding a discounted span of the
concept, a modifier that discounts the concept's label on any span in that
sentence (discount.json), a section that discounts it, or a cue of such a
modifier (model_cues.json) is never proposed. A rule's
"not" (a live EVT_NO_REFILL, NO_CHANGE, or the rival supply statement) keeps
the model out. Each evidence item says its `source`: "rule" with the rule id,
or "model" with the model name and probability. Each element gets
`disagreement`: true when a model finds a concept the rules did not, or the
rules find one the model does not see (the workbench raises such notes).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Collection, Mapping, Sequence

import numpy as np

from auditor import rules
from auditor.components.evidence import discounts
from auditor.decide import decide
from auditor.elements import ELEMENTS
from auditor.learn.concepts import BY_NAME, CONCEPTS, Concept, rule_present
from auditor.learn.predict import Models
from auditor.normalize import normalise

MODES = ("rules", "model", "hybrid")
MAX_MODEL_EVIDENCE = 3  # sentences a model adds per concept, most probable first
MIN_LETTERS = 3
_LETTER = re.compile(r"[A-Za-z]")
_LEAD = re.compile(r"^[\s\-*•·>#]+")
_BARE_LABEL = re.compile(r"[^:\n]{1,40}:")  # "Goals:" with nothing after it: a header the writer left empty


@lru_cache(maxsize=1)
def _cue_pattern() -> re.Pattern[str]:
    """model_cues.json as one regex, a named group per modifier category, in the file's order."""
    cues = rules.load_json("model_cues.json")["cues"]
    return rules.compile_checked("|".join(f"(?P<{cat}>{pat})" for cat, pat in cues.items()), "model_cues.json", re.I | re.M)


@lru_cache(maxsize=None)
def _sentence_checks(section: str) -> dict[str, list[re.Pattern[str]]]:
    """A model_cues.json section read sentence by sentence, after every cheaper check: `requires` (per concept,
    the patterns a sentence must all match before its model may propose it) or `sentence_cues` (cue
    categories too dear to read over every note). A name holds one pattern or a list."""
    table = rules.load_json("model_cues.json").get(section) or {}
    return {name: [rules.compile_checked(p, f"model_cues.json {section}", re.I) for p in ([pats] if isinstance(pats, str) else pats)]
            for name, pats in table.items()}


@lru_cache(maxsize=None)
def _discounting(label: str) -> frozenset[str]:
    """Modifier categories that discount a model's sentence for this label: the rules' own, plus model_cues `always`."""
    d = discounts()
    return frozenset(d.by_category.get(label, d.default)) | frozenset(rules.load_json("model_cues.json").get("always", ()))


class NoteView:
    """One note's sentences, spans by sentence and cue categories, computed on demand."""

    def __init__(self, pump: Mapping[str, Any], text: str):
        self.pump = pump
        self.text = text
        # what the models read: the note less its struck-through text (the rules never see that either)
        self.read = normalise(text).struck_blanked()
        self.sentences: list[list[int]] = list(pump.get("sentences") or [])
        self.by_sent: dict[int, list[dict[str, Any]]] = {}
        for s in pump.get("spans") or []:
            self.by_sent.setdefault(s["sent"], []).append(s)
        self._cues: list[set[str]] | None = None

    def bounds(self, i: int) -> tuple[int, int]:
        """The sentence's offsets without surrounding whitespace or a leading bullet."""
        a, b = self.sentences[i]
        seg = self.text[a:b]
        lead = _LEAD.match(seg)
        a += lead.end() if lead else 0
        b = a + len(self.text[a:b].rstrip())
        return a, b

    def sentence(self, i: int) -> str:
        a, b = self.sentences[i]
        return self.text[a:b]

    def sentence_for(self, concept: Concept, i: int) -> str:
        """What the concept's model reads of sentence i: the sentence, less the live spans of
        `concept.masked` ("Dose increased to 440 mcg/day for spasms" -> " for spasms")."""
        a, b = self.sentences[i]
        if not concept.masked:
            return self.read[a:b]
        chars = list(self.read[a:b])
        for s in self.by_sent.get(i, ()):
            if s["label"] in concept.masked and not s["discounted_by"]:
                for k in range(max(s["start"], a), min(s["end"], b)):
                    chars[k - a] = " "
        return "".join(chars)

    def cues(self, i: int) -> set[str]:
        """Modifier categories cued in sentence i (one regex pass over the whole note)."""
        if self._cues is None:
            starts = [a for a, _ in self.sentences]
            self._cues = [set() for _ in self.sentences]
            for m in _cue_pattern().finditer(self.read):
                k = bisect_right(starts, m.start()) - 1
                if k >= 0 and m.start() < self.sentences[k][1] and m.lastgroup:
                    self._cues[k].add(m.lastgroup)
        return self._cues[i]

    def live(self, label: str) -> list[dict[str, Any]]:
        return [s for s in self.pump.get("spans") or [] if s["label"] == label and not s["discounted_by"]]

    def qualifies(self, concept: Concept, i: int, mode: str) -> bool:
        """May the model propose sentence i for `concept`? (ConText and the rules' own spans decide.)"""
        if len(_LETTER.findall(self.sentence_for(concept, i))) < MIN_LETTERS or _BARE_LABEL.fullmatch(self.sentence(i).strip()):
            return False
        active = _discounting(concept.label)
        sect_map = discounts().sections
        for s in self.by_sent.get(i, ()):
            if s["label"] == concept.label and (s["discounted_by"] or mode == "hybrid"):
                return False  # discounted there, or (hybrid) the rules already have it
            if any(m["cat"] in active for m in s.get("mods") or ()):
                return False
            if sect_map.get(s.get("sect") or "") in active:
                return False
        sections = self.pump.get("sentence_sections") or ()
        if i < len(sections) and sect_map.get(sections[i] or "") in active:
            return False  # a sentence of a section that discounts the concept (a copied paragraph) with no span in it
        if self.cues(i) & active:
            return False
        sentence = self.sentence(i)  # the requirements and sentence cues last: they are the dearest checks
        if not all(p.search(sentence) for p in _sentence_checks("requires").get(concept.name, ())):
            return False
        return not any(p.search(sentence) for cat, pats in _sentence_checks("sentence_cues").items() if cat in active for p in pats)


def can_matter(c: Concept, record: Mapping[str, Any], models: Models) -> bool:
    """Could a model sentence for `c` change this record's statuses? (hybrid: score nothing that cannot)"""
    els = record.get("elements") or {}
    facts = record.get("facts") or {}

    def status(e: str) -> str | None:
        return (els.get(e) or {}).get("status")

    refill_may_come = not facts.get("refill") and models.threshold("refill_done", "hybrid") is not None
    change_may_come = not facts.get("regimen_change") and models.threshold("regimen_change", "hybrid") is not None
    if c.name in ("refill_done", "regimen_change") or c.part:
        return not rule_present(c, record)
    if c.name == "change_reason":
        return status("change_reason") == "missing" or change_may_come
    if c.name == "supervision_direct":
        return status("incident_to") == "missing"
    if c.name in ("drug_purchase", "outside_supply"):
        return status("drug_cost") == "missing" or refill_may_come
    return status(c.element) == "missing"


def open_concepts(record: Mapping[str, Any], view: NoteView, models: Models, mode: str) -> list[Concept]:
    """Concepts the model may add to (hybrid: the rules found none, and it could change a status) or decides (model)."""
    out = []
    for c in CONCEPTS:
        if models.threshold(c.name, mode) is None:
            continue
        if any(view.live(b) for b in c.blockers):
            continue
        if mode == "hybrid" and (rule_present(c, record) or not can_matter(c, record, models)):
            continue
        out.append(c)
    return out


VETO_MAX_STATEMENTS = 3  # a note with more separate statements of the concept is not one the model overrules


def veto_sentences(c: Concept, record: Mapping[str, Any], view: NoteView) -> list[int]:
    """The sentences holding the rules' evidence for `c` that a veto would read; none when the model may
    not overrule them (no rule evidence, too many statements, or a printout's before/after values)."""
    ev = ((record.get("facts") or {}).get("events") or {}).get(c.name) or []
    if not ev or len(ev) > VETO_MAX_STATEMENTS or any(str(e.get("rule") or "").startswith("visit-") for e in ev):
        return []
    starts = [a for a, _ in view.sentences]
    return sorted({bisect_right(starts, e["start"]) - 1 for e in ev} - {-1})


def plan(record: Mapping[str, Any], pump: Mapping[str, Any], text: str, models: Models, mode: str) -> tuple[NoteView, dict[str, list[int]]]:
    """The sentences to score for each open concept, and (hybrid) for each concept the model may veto."""
    view = NoteView(pump, text)
    todo = {}
    for c in open_concepts(record, view, models, mode):
        todo[c.name] = [i for i in range(len(view.sentences)) if view.qualifies(c, i, mode)]
    if mode == "hybrid":
        for c in CONCEPTS:
            if c.veto and c.name not in todo and models.setting(c.name, "threshold_veto") is not None \
                    and rule_present(c, record):
                sents = veto_sentences(c, record, view)
                if sents:
                    todo[c.name] = sents
    return view, todo


def _model_span(view: NoteView, c: Concept, i: int, p: float, anywhere: float | None = None) -> dict[str, Any]:
    """A model sentence as a span of the concept's label; `anywhere`: the probability from which it counts
    wherever it sits (Concept.anywhere)."""
    a, b = view.bounds(i)
    sect = next((s.get("sect") for s in view.by_sent.get(i, ()) if s.get("sect")), "")
    flags = ["anywhere"] if c.anywhere and anywhere is not None and p >= anywhere else []
    return {"label": c.label, "rule": f"model:{c.name}", "start": a, "end": b, "text": view.text[a:b], "sect": sect,
            "sent": i, "mods": [], "discounted_by": [], "polarity": "", "virtual": False, "flags": flags,
            "probability": round(float(p), 3)}


def combine(record: dict[str, Any], view: NoteView, probs: Mapping[str, Mapping[int, float]], models: Models,
            mode: str, meta: Mapping[str, Any], rivals: Mapping[str, set[int]] | None = None) -> dict[str, Any]:
    """The record in `mode`, from the rules' record and each open concept's sentence probabilities
    (`rivals`: per concept, sentences its rival's model claims, which it may not propose)."""
    added: list[dict[str, Any]] = []
    removed: set[str] = set()
    vetoed: dict[str, dict[int, float]] = {}  # label -> the vetoed sentences and their probabilities
    seen: dict[str, bool] = {}
    for name, by_sent in probs.items():
        c = BY_NAME[name]
        if mode == "hybrid" and c.veto and rule_present(c, record):
            v = models.setting(name, "threshold_veto")
            if v is not None and by_sent and max(by_sent.values()) < v:
                vetoed[c.label] = dict(by_sent)
                seen[name] = False
            continue
        t = models.threshold(name, mode)
        if t is None:
            continue
        rival: Collection[int] = rivals.get(name, {}) if rivals else {}
        hits = sorted(((p, i) for i, p in by_sent.items() if p >= t and i not in rival), reverse=True)[:MAX_MODEL_EVIDENCE]
        seen[name] = bool(hits)
        far = models.setting(name, "threshold_anywhere") if mode == "hybrid" else None
        added += [_model_span(view, c, i, p, far) for p, i in sorted(hits, key=lambda h: h[1])]
        if mode == "model":
            removed.add(c.label)
    out = record
    if added or removed or vetoed:
        pump = dict(view.pump)
        kept = [_vetoed(s, vetoed) for s in view.pump.get("spans") or [] if s["label"] not in removed or s["discounted_by"]]
        pump["spans"] = sorted(kept + added, key=lambda s: (s["start"], s["end"]))
        decided = decide(pump, meta, view.text)
        out = dict(record)
        out["score"] = decided["score"]
        out["elements"] = decided["elements"]
        facts = dict(record.get("facts") or {})
        facts.update({k: v for k, v in decided["facts"].items() if k in DECIDED_FACTS})
        if vetoed:
            facts["events"] = dict(facts.get("events") or {})
            for name in (n for n, c in BY_NAME.items() if c.label in vetoed):
                was = ((record.get("facts") or {}).get("events") or {}).get(name) or []
                facts["events"][f"{name}_vetoed"] = [_with_probability(e, view, vetoed[BY_NAME[name].label]) for e in was]
        out["facts"] = facts
    prob_of = {(s["rule"], s["start"], s["end"]): s["probability"] for s in added}
    _sources(out, prob_of)
    _disagreements(out, record, seen, mode, {c.element for c in CONCEPTS if c.label in vetoed})
    out["mode"] = mode
    return out


# the visit's facts a re-decision replaces (the rest, drugs and numbers, do not depend on the spans a model adds)
DECIDED_FACTS = ("refill", "refill_status", "reprogramming", "regimen_change", "change_values", "supervision",
                 "drug_supplier", "events")


def _vetoed(span: dict[str, Any], vetoed: Mapping[str, Mapping[int, float]]) -> dict[str, Any]:
    """The span, discounted by MODEL_VETO when the model overruled its label in its sentence."""
    if span["label"] in vetoed and span["sent"] in vetoed[span["label"]] and not span["discounted_by"]:
        return {**span, "discounted_by": ["MODEL_VETO"]}
    return span


def _with_probability(ev: Mapping[str, Any], view: NoteView, by_sent: Mapping[int, float]) -> dict[str, Any]:
    """A vetoed evidence item with the probability the model gave its sentence (why it was overruled)."""
    starts = [a for a, _ in view.sentences]
    p = by_sent.get(bisect_right(starts, ev["start"]) - 1)
    return {**ev, "source": "rule", "vetoed_by": "model", "probability": None if p is None else round(float(p), 3)}


def _sources(record: dict[str, Any], prob_of: Mapping[tuple[str, int, int], float]) -> None:
    for el in (record.get("elements") or {}).values():
        for ev in el.get("evidence") or []:
            rule = ev.get("rule") or ""
            if rule.startswith("model:"):
                ev["source"] = "model"
                ev["model"] = rule.split(":", 1)[1]
                ev["probability"] = prob_of.get((rule, ev["start"], ev["end"]))
            else:
                ev["source"] = "rule"


def _disagreements(out: dict[str, Any], rules_record: Mapping[str, Any], seen: Mapping[str, bool], mode: str,
                   vetoed: Collection[str] = ()) -> None:
    """Per element: did a model find a concept the rules did not (or, in model mode, miss one they found),
    or veto one they found (`vetoed`: elements)?"""
    flags = {e: e in vetoed for e in ELEMENTS}
    for c in CONCEPTS:
        if c.name not in seen:
            continue
        ruled = rule_present(c, rules_record)
        if seen[c.name] != ruled and (seen[c.name] or mode == "model"):
            flags[c.element] = True
    for e, el in (out.get("elements") or {}).items():
        el["disagreement"] = flags[e]


def apply_batch(records: Sequence[dict[str, Any]], pumps: Sequence[Mapping[str, Any]], texts: Sequence[str],
                metas: Sequence[Mapping[str, Any]], models: Models, mode: str) -> list[dict[str, Any]]:
    """`combine` for many notes, their sentences featurised in one call."""
    plans = [plan(r, p, t, models, mode) for r, p, t in zip(records, pumps, texts)]
    row: dict[tuple[int, int, tuple[str, ...]], int] = {}
    sents: list[str] = []
    for n, (view, todo) in enumerate(plans):
        for name, idx in todo.items():
            c = BY_NAME[name]
            for i in idx:
                if (n, i, c.masked) not in row:
                    row[(n, i, c.masked)] = len(sents)
                    sents.append(view.sentence_for(c, i))
    matrix = models.score(sents) if sents else np.zeros((0, len(models.names)))
    out = []
    for n, ((view, todo), rec, meta) in enumerate(zip(plans, records, metas)):
        probs = {name: {i: float(matrix[row[(n, i, BY_NAME[name].masked)], models.column(name)]) for i in idx}
                 for name, idx in todo.items()}
        rivals = {}
        for name, idx in todo.items():
            r = BY_NAME[name].rival
            if r and r in models.names:
                tr = models.setting(r, "threshold_model") or 0.5
                rivals[name] = {i for i in idx if matrix[row[(n, i, BY_NAME[name].masked)], models.column(r)] >= tr}
        out.append(combine(rec, view, probs, models, mode, meta, rivals))
    return out
