"""The last component: turns spans, ConText modifiers and sections into one
plain, msgpack-safe dict on `doc._.pump` and clears everything else.

Why: medspaCy keeps TargetRule objects and ConText graphs in `doc.user_data`,
which breaks `nlp.pipe(n_process>1)` (E871) and, for keys named `section`,
`modifier(s)` or `context_graph`, hangs it (STACK_NOTES). Nothing in the
output dict uses those key names.
"""
from __future__ import annotations

import re
from functools import lru_cache
from bisect import bisect_right
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from auditor import rules
from auditor.components.doc_text import doc_text
from auditor.components.normalizer import normalised_of
from auditor.components.sentences import sentence_bounds
from auditor.components.matchers import SPAN_GROUP

if not Doc.has_extension("pump"):
    Doc.set_extension("pump", default=None)


class _Discounts:
    def __init__(self) -> None:
        table = rules.discount_table()
        self.default = frozenset(table["default"])
        self.by_category = {k: frozenset(v) for k, v in table.get("by_category", {}).items()}
        self.future_ok_ignores = frozenset(table.get("future_ok_ignores", []))
        self.virtual_ignores = frozenset(table.get("virtual_ignores", []))
        self.negation_in_content = frozenset(table.get("negation_in_content", []))
        self.negation_ends_at_colon = frozenset(table.get("negation_ends_at_colon", []))
        self.sections = dict(table.get("sections", {}))
        self.section_exceptions = {k: re.compile(v, re.I) for k, v in table.get("section_exceptions", {}).items()}
        colon = table.get("colon_answer") or {}
        self.clause_break = re.compile(colon["clause_break"]) if colon.get("clause_break") else None
        self.own_label = re.compile(colon["own_label"], re.I) if colon.get("own_label") else None
        inline = table.get("inline_placeholder")
        self.inline_placeholder = re.compile(inline) if inline else None
        around = table.get("enclosing_placeholder")
        self.enclosing_placeholder = re.compile(around) if around else None
        qa = table.get("unanswered_question") or {}
        self.question_gap = re.compile(qa["question_gap"]) if qa.get("question_gap") else None
        self.answer_prefix = re.compile(qa.get("answer_prefix", r"\s*"), re.I)
        self.unanswered = re.compile(qa["unanswered"], re.I) if qa.get("unanswered") else None
        neg = table.get("inline_negation") or {}
        self.inline_negation = re.compile(neg["pattern"], re.I) if neg.get("pattern") else None
        self.inline_negation_categories = frozenset(neg.get("categories", []))
        self.recategorise = [(r["from"], r["to"], frozenset(r["categories"]), re.compile(r["pattern"], re.I))
                             for r in table.get("recategorise", [])]

    def category_of(self, category: str, label: str, text: str, at: int) -> str:
        """A modifier's category for a target of `label`, after `recategorise` (the modifier starts at `at`)."""
        for src, dst, labels, pat in self.recategorise:
            if category == src and label in labels and pat.match(text, at):
                return dst
        return category

    def discounting(self, category: str, mods: list[str], future_ok: bool, virtual: bool = False) -> list[str]:
        active = self.by_category.get(category, self.default)
        out = [m for m in mods if m in active]
        if future_ok:
            out = [m for m in out if m not in self.future_ok_ignores]
        if virtual:
            out = [m for m in out if m not in self.virtual_ignores]
        return out


_DISCOUNTS: _Discounts | None = None


def discounts() -> _Discounts:
    global _DISCOUNTS
    if _DISCOUNTS is None:
        _DISCOUNTS = _Discounts()
    return _DISCOUNTS


_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _paragraph_end(doc: Doc, sec: Any) -> int | None:
    """The token where the text a copied mark covers ends (category previous_visit_paragraph): the end of
    its line when the mark has text after it on that line ("Pre-refill (copied from 06/12): reservoir
    3.2 mL."), else the next blank line ("Subjective (copied from 11/04 visit):" over a paragraph). A
    copied mark is not a heading: what today's writer adds below it needs no heading of its own."""
    if sec.title_end is None or sec.title_end >= len(doc):
        return None
    text = doc_text(doc)
    at = doc[sec.title_end].idx
    eol = text.find("\n", at)
    eol = len(text) if eol < 0 else eol
    if text[at:eol].strip():
        end = eol
    else:
        m = _BLANK_LINE.search(text, at)
        end = m.start() if m else len(text)
    k = sec.title_end
    while k < len(doc) and doc[k].idx < end:
        k += 1
    return k if k < len(doc) else None


# marks that cover their line (text after them) or their paragraph, not a whole section:
# a copied mark, and a pump-history heading ("Pump history: 2015 implant ... 2024 (April) 1.4 -> 1.5 mg/day")
# and a review-of-systems heading, whose checklist is its line or paragraph ("ROS: negative x10. Spasms ..."),
# and a patient instruction's warning list ("Please call if you notice:" over "- Sweating, chills, or pain much worse")
_PARAGRAPH_MARKS = {"previous_visit_paragraph": "previous_visit", "history_paragraph": "pump_history",
                    "review_of_systems": "review_of_systems", "warning_signs": "warning_signs"}
# marks that open a block every later section belongs to until a "today" section closes it:
# copied-forward text, and an earlier version or a wrong patient's text kept in the export
_BLOCK_MARKS = {"previous_visit_block": "previous_visit", "superseded_block": "superseded"}


def _start_of(sec: Any) -> int:
    """Where a section starts: its heading, else its body."""
    return sec.title_start if sec.title_start is not None else sec.body_start


def _section_index(doc: Doc) -> tuple[list[int], list[str]]:
    """Section starts and categories; inside a fenced block (copied forward, or a superseded version or
    wrong patient's text) every section takes the block's category until a "today" section closes it,
    and a copied mark (previous_visit_paragraph) covers its line or paragraph only."""
    starts: list[int] = []
    cats: list[str] = []
    fenced: str | None = None
    # a copied mark over a paragraph keeps what it covers, headings inside included
    # ("Last Visit (11/18/2025, NP):" over "Refill. ... Goals: walk 30 min"): (category, end token)
    covered: tuple[str, int] | None = None
    sections = list(getattr(doc._, "sections", None) or [])
    for n, sec in enumerate(sections):
        cat = sec.category or ""
        if cat in _BLOCK_MARKS:
            fenced = _BLOCK_MARKS[cat]
        elif cat == "today":
            fenced = None
        start = _start_of(sec)
        if covered is not None and cat != "today" and cat not in _PARAGRAPH_MARKS and start is not None and start < covered[1]:
            starts.append(start)
            cats.append(covered[0])
            nxt_start = _start_of(sections[n + 1]) if n + 1 < len(sections) else None
            if nxt_start is None or nxt_start >= covered[1]:
                starts.append(covered[1])  # the heading's own text past the paragraph is its own again
                cats.append(fenced or cat)
            continue
        covered = None
        starts.append(start)
        if cat in _PARAGRAPH_MARKS:
            cats.append(_PARAGRAPH_MARKS[cat])
            end = None if fenced else _paragraph_end(doc, sec)
            nxt = sections[n + 1].title_start if n + 1 < len(sections) else len(doc)
            if end is not None and end < (nxt if nxt is not None else len(doc)):
                starts.append(end)
                cats.append("")
            elif end is not None and cat == "previous_visit_paragraph":
                covered = (_PARAGRAPH_MARKS[cat], end)
            continue
        cats.append(fenced or cat)
    return starts, cats


@lru_cache(maxsize=1)
def _rules_by_category() -> dict[str, list[tuple[re.Pattern[str], dict[str, Any]]]]:
    out: dict[str, list[tuple[re.Pattern[str], dict[str, Any]]]] = {}
    for r in rules.target_rules():
        if isinstance(r["pattern"], str):
            meta = {"rule_id": r["id"], **(r.get("metadata") or {})}
            out.setdefault(r["category"], []).append((rules.compile_checked(r["pattern"], f"target rule {r['id']}"), meta))
    return out


def _meta_of(span: Any, text: str) -> dict[str, Any]:
    """The metadata of the rule that matched `span`.

    spaCy keeps a span's extension values per character offsets, so when rules of two categories
    match the very same words ("increased spasms": a response and a reason), every span there
    carries the last rule. A span whose rule is of another category takes the first rule of its own
    category that matches exactly its words (its id, flags and polarity)."""
    rule = span._.target_rule
    meta = (rule.metadata or {}) if rule is not None else {}
    if rule is None or rule.category == span.label_:
        return meta
    for pattern, own in _rules_by_category().get(span.label_, ()):
        hit = pattern.match(text, span.start_char)
        if hit is not None and hit.end() == span.end_char:
            return own
    return meta


def _line_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the line(s) holding text[start:end]."""
    b = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, b if b >= 0 else len(text)


def _on_line(pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Does `pattern` match anywhere on the span's line?"""
    return pattern.search(text, *_line_of(text, start, end)) is not None


def _enclosed(pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Does a match of `pattern` on the span's line contain the span?"""
    return any(m.start() <= start and end <= m.end() for m in pattern.finditer(text, *_line_of(text, start, end)))


def _after_prefix(disc: _Discounts, text: str, start: int, end: int) -> int:
    """Where an answer starts, after its label ("A:", "Ans -")."""
    m = disc.answer_prefix.match(text, start, end)
    return m.end() if m else start


def _unanswered(disc: _Discounts, text: str, start: int, end: int) -> bool:
    """Is the span part of a question whose answer is left blank or "N/A" (discount.json unanswered_question)?

    "Q: Goals of therapy?  A: N/A", "Q: Goals?" with an empty "A:" on the next line: the prompt's words
    are the template's, and only an answer documents anything."""
    if disc.question_gap is None or disc.unanswered is None:
        return False
    gap = disc.question_gap.match(text, end)
    if gap is None:
        return False
    line_end = text.find("\n", gap.end())
    line_end = len(text) if line_end < 0 else line_end
    if text[gap.end():line_end].strip():  # answered on its own line: "Goals?  A: N/A"
        answer = text[_after_prefix(disc, text, gap.end(), line_end):line_end]
    elif line_end < len(text):  # the next line: an "A:" and its answer, or the next question; a blank line says nothing
        _, nxt = _line_of(text, line_end + 1, line_end + 1)
        after = _after_prefix(disc, text, line_end + 1, nxt)
        line = text[after:nxt]
        if "?" in line:
            return True
        if not text[line_end + 1:after].strip():  # no answer label: a blank line or plain text, not a blank answer
            return False
        answer = line
    else:
        return False
    return disc.unanswered.fullmatch(answer.strip()) is not None


def _answers_another_label(disc: _Discounts, text: str, span: Any, mspan: Any) -> bool:
    """Is the colon answer after `span` another label's, a clause later (discount.json colon_answer)?"""
    if disc.clause_break is None or mspan.start_char < span.end_char:
        return False
    breaks = list(disc.clause_break.finditer(text, span.end_char, mspan.start_char))
    return bool(breaks) and not (disc.own_label is not None and disc.own_label.search(text, breaks[-1].end(), mspan.start_char))


@Language.component("pump_evidence")
def pump_evidence(doc: Doc) -> Doc:
    disc = discounts()
    sec_starts, sec_cats = _section_index(doc) if Doc.has_extension("sections") else ([], [])
    sent_starts, sentences = sentence_bounds(doc)
    spans: list[dict[str, Any]] = []
    text = doc_text(doc)
    for span in doc.spans.get(SPAN_GROUP, []):
        meta = _meta_of(span, text)
        mods: list[dict[str, Any]] = []
        sent = bisect_right(sent_starts, span.start) - 1
        for m in span._.modifiers:
            ms, me = m.modifier_span
            # ConText's max_scope is a token window that ignores sentences: keep a
            # modifier only when it sits in the target's sentence (a line here).
            if bisect_right(sent_starts, ms) - 1 != sent:
                continue
            mspan = doc[ms:me]
            if m.category == "NEGATED_EXISTENCE" and span.label_ in disc.negation_in_content:
                colon = text.find(":", span.start_char, mspan.start_char + 1)  # the cue may start at the colon (": no")
                if colon >= 0 and "\n" not in text[span.start_char:mspan.start_char]:
                    continue  # "Goals: ... no nighttime spasms": the goal's content, not a negated goal
            if (m.category == "NEGATED_EXISTENCE" and span.label_ in disc.negation_ends_at_colon and mspan.end_char <= span.start_char
                    and ":" in text[mspan.end_char:span.start_char] and "\n" not in text[mspan.end_char:span.start_char]):
                continue  # "Titration step for ongoing pain with no adverse effects: +0.6 mcg/day -> 1.8": a label's words, then its content
            if m.category == "NEGATED_EXISTENCE" and mspan.text.startswith(":") and _answers_another_label(disc, text, span, mspan):
                continue  # "Dr. Okafor present in suite, examined the site: no haematoma": the answer is the site's
            cat = disc.category_of(m.category, span.label_, text, mspan.start_char)
            mods.append({"cat": cat, "text": mspan.text, "start": mspan.start_char, "end": mspan.end_char})
        idx = bisect_right(sec_starts, span.start) - 1
        sect = sec_cats[idx] if idx >= 0 else ""
        mod_cats = [m["cat"] for m in mods]
        if disc.inline_placeholder is not None and disc.inline_placeholder.search(span.text):
            # "[ ] Supervising MD present": the blank sits inside the match, where ConText cannot reach it
            mod_cats.append("PLACEHOLDER")
            mods.append({"cat": "PLACEHOLDER", "text": "[blank inside the statement]", "start": span.start_char, "end": span.start_char})
        if disc.enclosing_placeholder is not None and _enclosed(disc.enclosing_placeholder, text, span.start_char, span.end_char):
            # "Supervision: {Supervising physician present in suite/Physician available by phone:12345}":
            # an unresolved pick list holds the words of every choice and documents none of them
            mod_cats.append("PLACEHOLDER")
            mods.append({"cat": "PLACEHOLDER", "text": "[inside an unresolved pick list]", "start": span.start_char, "end": span.start_char})
        if _unanswered(disc, text, span.start_char, span.end_char):
            mod_cats.append("PLACEHOLDER")
            mods.append({"cat": "PLACEHOLDER", "text": "[question left unanswered]", "start": span.start_char, "end": span.start_char})
        if (disc.inline_negation is not None and span.label_ in disc.inline_negation_categories
                and not meta.get("virtual") and disc.inline_negation.search(span.text)):
            # "Dr. X not in the building": the negation sits inside the match, where ConText cannot reach it
            mod_cats.append("NEGATED_EXISTENCE")
            mods.append({"cat": "NEGATED_EXISTENCE", "text": "[negation inside the statement]", "start": span.start_char, "end": span.start_char})
        if sect in disc.sections and not (sect in disc.section_exceptions and _on_line(disc.section_exceptions[sect], text, span.start_char, span.end_char)):
            mod_cats.append(disc.sections[sect])
            mods.append({"cat": disc.sections[sect], "text": f"[{sect} section]", "start": span.start_char, "end": span.start_char})
        start, end = span.start_char, span.end_char
        if meta.get("expand") == "sentence":
            # a bare "Goals" says little to a reviewer: show the whole line it heads
            sent_span = doc[sent_starts[sent]: sent_starts[sent + 1] if sent + 1 < len(sent_starts) else len(doc)]
            start = min(start, sent_span.start_char)
            end = max(end, sent_span.start_char + len(sent_span.text.rstrip()))
        spans.append({
            "label": span.label_,
            "rule": meta.get("rule_id", ""),
            "start": start,
            "end": end,
            "text": text[start:end],
            "sect": sect,
            "sent": sent,
            "mods": mods,
            "discounted_by": list(dict.fromkeys(disc.discounting(span.label_, mod_cats, bool(meta.get("future_ok")), bool(meta.get("virtual"))))),
            "polarity": meta.get("polarity", ""),
            "virtual": bool(meta.get("virtual")),
            "flags": sorted(k for k, v in meta.items() if v is True and k != "virtual"),
        })
    spans.sort(key=lambda s: (s["start"], s["end"]))
    facts = doc._.pump_facts if Doc.has_extension("pump_facts") else None
    # each sentence's section, for readers of sentences with no span in them (the learned second opinion
    # must not propose a sentence of a copied-forward paragraph any more than a rule span there counts)
    sentence_sections = [sec_cats[k] if (k := bisect_right(sec_starts, st) - 1) >= 0 else "" for st in sent_starts]
    result = {"spans": spans, "facts": facts or {}, "sentences": sentences, "sentence_sections": sentence_sections}
    norm = normalised_of(doc)
    if norm is not None:  # the rules read the normalised note: evidence indexes the note as written
        result = norm.remap(result)
    doc.user_data.clear()
    doc.spans.clear()
    doc.ents = ()
    doc._.pump = result
    return doc
