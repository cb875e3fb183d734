"""medspaCy's ConText with the target-modifier pairing indexed by position.

ConTextGraph.apply_modifiers asks every modifier about every target
(`modifies`, a Python call with four checks): ~450 calls a note, though a
modifier can only modify targets that touch its scope, which is one
sentence. Here each modifier is asked only about the targets that start
at or before its scope's end and end at or after its start, found by bisection, in the
targets' original order, so each modifier collects the same targets in the
same order and the edges are unchanged. `modifies` still makes the
decision. tests/test_fast_context.py compares the graphs with medspaCy's.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from medspacy.context import ConText
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from medspacy.util import tuple_overlaps
from spacy.tokens import Doc


def _touching(starts: list[int], order: list[int], ends: list[int], longest: int, lo: int, hi: int) -> list[int]:
    """Indices (in original order) of targets with start <= hi and end >= lo: a superset of every
    target tuple_overlaps can pair with [lo, hi), zero-length spans included."""
    first = bisect_left(starts, lo - longest)
    hits = [order[k] for k in range(first, bisect_right(starts, hi)) if ends[order[k]] >= lo]
    hits.sort()
    return hits


class ScopedContextGraph(ConTextGraph):
    def apply_modifiers(self) -> None:
        targets = list(self.targets)
        order = sorted(range(len(targets)), key=lambda i: targets[i].start)
        starts = [targets[i].start for i in order]
        ends = [t.end for t in targets]
        longest = max((t.end - t.start for t in targets), default=0)
        if self.prune_on_modifier_overlap:
            for i in range(len(self.modifiers) - 1, -1, -1):
                modifier = self.modifiers[i]
                lo, hi = modifier.modifier_span
                for t in _touching(starts, order, ends, longest, lo, hi):
                    if tuple_overlaps((targets[t].start, targets[t].end), modifier.modifier_span):
                        self.modifiers.pop(i)
                        break
        for modifier in self.modifiers:
            lo, hi = modifier.scope_span
            for t in _touching(starts, order, ends, longest, lo, hi):
                if modifier.modifies(targets[t]):
                    modifier.modify(targets[t])
        edges = []
        for modifier in self.modifiers:
            modifier.reduce_targets()
            for target in modifier._targets:
                edges.append((target, modifier))
        self.edges = edges


class PumpConText(ConText):
    """ConText whose graph pairs modifiers with targets by position (same edges as medspaCy's)."""

    def __call__(self, doc: Doc, targets: Any = None) -> Doc:
        # medspaCy 1.3.1 ConText.__call__, with ScopedContextGraph in place of ConTextGraph
        if not targets and self.input_span_type == "ents":
            targets = doc.ents
        elif not targets and self.input_span_type == "group":
            targets = doc.spans[self.span_group_name]
        elif targets:
            targets = getattr(doc._, targets)
        graph = ScopedContextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        graph.targets = targets
        graph.modifiers = []
        matcher = self._ConText__matcher
        for match_id, start, end in matcher(doc):
            rule = matcher.rule_map[self.nlp.vocab[match_id].text]
            graph.modifiers.append(ConTextModifier(rule, start, end, doc, max_scope=self.max_scope))
        graph.update_scopes()
        graph.apply_modifiers()
        for target, modifier in graph.edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(graph.edges)
        doc._.context_graph = graph
        return doc
