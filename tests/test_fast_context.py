"""ConText with position-indexed pairing links the same modifiers to the same targets as medspaCy's."""
from __future__ import annotations

from tests.sampling import spread
import json
from pathlib import Path

from medspacy.context import ConText

from auditor.fast.context import PumpConText

ROOT = Path(__file__).resolve().parents[1] / "annotations"


def _edges(doc) -> list[tuple]:
    return [((t.start, t.end, t.label_), (m.modifier_span, m.scope_span, m.category))
            for t, m in doc._.context_graph.edges]


def _until_context(nlp, text: str):
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == "pump_context":
            return doc
        doc = proc(doc)
    raise AssertionError("no pump_context in the pipeline")


def test_context_edges_match_medspacys_graph(nlp):
    ctx = nlp.get_pipe("pump_context")
    assert isinstance(ctx, PumpConText)
    # 450 gold notes spread over every writer (flat time as the gold grows) and the first phrase bank
    texts = spread([json.loads(line)["text"] for line in open(ROOT / "gold.jsonl", encoding="utf-8")], 450)
    texts += [json.loads(line)["text"] for line in open(ROOT / "phrasebank.jsonl", encoding="utf-8")]
    linked = 0
    for text in texts:
        ours = ctx(_until_context(nlp, text))
        theirs = ConText.__call__(ctx, _until_context(nlp, text))
        assert _edges(ours) == _edges(theirs)
        assert [[(m.modifier_span, m.category) for m in t._.modifiers] for t in ours.spans["pump_spans"]] == \
            [[(m.modifier_span, m.category) for m in t._.modifiers] for t in theirs.spans["pump_spans"]]
        linked += len(_edges(ours))
    assert linked > 500  # the comparison saw real modifiers


def test_touching_includes_zero_length_spans_at_the_edges():
    from auditor.fast.context import _touching

    spans = [(9, 9), (0, 8), (3, 4), (12, 14)]  # (start, end) of targets, in their original order
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    starts = [spans[i][0] for i in order]
    ends = [e for _, e in spans]
    longest = max(e - s for s, e in spans)
    assert _touching(starts, order, ends, longest, 3, 9) == [0, 1, 2]
    assert _touching(starts, order, ends, longest, 0, 0) == [1]
    assert _touching(starts, order, ends, longest, 14, 20) == [3]
