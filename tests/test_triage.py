"""The Hyperscan triage never leaves out a rule that matches, the fast matcher
finds exactly what medspaCy's own RegexMatcher finds, and the compiled
database is cached on disk and survives a damaged cache."""
from __future__ import annotations

from tests.sampling import spread
import json
import pickle
import random
import re
from pathlib import Path

import pytest
from medspacy.common.medspacy_matcher import MedspacyMatcher

from auditor.fast import triage
from auditor.textscan import flatten_patterns
from auditor.fast.regex import FastRegexMatcher
from auditor.fast.re2_twin import spans, twin
from auditor.fast.triage import Triage
from auditor.fast.widen import widen

ROOT = Path(__file__).resolve().parents[1] / "annotations"
needs_hyperscan = pytest.mark.skipif(not triage.available(), reason="hyperscan has no wheel for this CPU")


def _texts() -> list[str]:
    # 350 gold notes spread over every writer (flat time as the gold grows) and every phrase-bank fragment
    out = spread([json.loads(line)["text"] for line in open(ROOT / "gold.jsonl", encoding="utf-8")], 350)
    for bank in sorted(ROOT.glob("phrasebank*.jsonl")):
        out += [json.loads(line)["text"] for line in open(bank, encoding="utf-8")]
    return out


def perturbed(text: str, seed: int) -> str:
    """The text as an EHR export might carry it: no-break and thin spaces, bullets, en dashes, curly
    quotes, accents, the Kelvin sign and long s (IGNORECASE equals of k and s), Arabic-Indic digits
    (Python's \\d), control characters Python's \\s takes."""
    rnd = random.Random(seed)
    swaps = {" ": ("\u00a0", "\u2009", "\u3000"), "k": ("\u212a",), "s": ("\u017f",), "i": ("\u0131",),
             "-": ("\u2013",), "'": ("\u2019",), "e": ("\u00e9",), "\n": ("\n\u2022 ",), "3": ("\u0663",)}
    out = []
    for ch in text:
        out.append(rnd.choice(swaps[ch]) if ch in swaps and rnd.random() < 0.2 else ch)
        if rnd.random() < 0.005:
            out.append(rnd.choice(("\u00b0", "\u00b5", "\x1c", "\u2028", "\x0b", "\U0001f600")))
    return "".join(out)


def _regex_matchers(nlp) -> dict[str, FastRegexMatcher]:
    out = {}
    for name, component in nlp.pipeline:
        for value in vars(component).values():
            if isinstance(value, MedspacyMatcher):
                inner = getattr(value, "_MedspacyMatcher__regex_matcher")
                if isinstance(inner, FastRegexMatcher):
                    out[name] = inner
    return out


def test_ascii_expressions_drop_lookarounds_and_open_bounded_repeats():
    def ascii_expr(p: str) -> str:
        return widen(re.compile(p), ascii_text=True)

    assert ascii_expr(r"(?<!no\s)pain(?=\s+score)") == ascii_expr("pain")
    assert ascii_expr(r"(?:ab){0,5}?c") == ascii_expr(r"(?:ab)*c")
    assert "{1,}" in ascii_expr(r"\d{1,2}") and "{0,}" in ascii_expr(r"x{,3}")
    assert ascii_expr(r"a{0,1}").endswith("?")
    assert widen(re.compile(r"(\w)\1")) is None  # a backreference: the rule always runs
    assert widen(re.compile(r"(?a)\S")) is None  # re.ASCII


def test_every_regex_component_is_accelerated(nlp):
    assert set(_regex_matchers(nlp)) == {"pump_sectionizer", "pump_target_matcher", "pump_context"}


@needs_hyperscan
def test_triage_is_used_on_plain_ascii_and_not_on_other_text(nlp):
    tri = _regex_matchers(nlp)["pump_target_matcher"]._prepared()[1]
    assert tri.active
    assert tri.candidates("Pump refilled with 20 mL, reservoir 20 mL after.") is not None
    assert triage.plain_ascii("Pump refilled with 20 mL.")
    assert not triage.plain_ascii("Pump refilled with 20\u00a0mL.")  # scanned with the widened database
    assert not triage.plain_ascii("Pump\x1crefilled")  # Python's \\s matches \\x1c, Hyperscan's does not
    plain = tri.candidates("Pump refilled with 20 mL.")
    assert plain <= tri.candidates("Pump\u00a0refilled with 20\u2009mL\u2022")


@needs_hyperscan
def test_triage_never_leaves_out_a_rule_that_matches(nlp):
    texts = [t for t in _texts() if triage._UNSAFE.search(t) is None]
    assert len(texts) > 3000
    for name, matcher in _regex_matchers(nlp).items():
        flat, tri = matcher._prepared()
        for text in texts:
            candidates = tri.candidates(text)
            for index, (_, pattern, _, _) in enumerate(flat):
                if index not in candidates and pattern.search(text):
                    pytest.fail(f"{name}: pattern {index} ({pattern.pattern[:60]}) matches but triage left it out")


@needs_hyperscan
def test_widened_triage_never_leaves_out_a_rule_on_non_ascii_text(nlp):
    texts = [perturbed(t, i) for i, t in enumerate(_texts()[::3])]
    assert sum(not triage.plain_ascii(t) for t in texts) > 1000
    for name, matcher in _regex_matchers(nlp).items():
        flat, tri = matcher._prepared()
        for text in texts:
            candidates = tri.candidates(text)
            assert candidates is not None
            for index, (_, pattern, _, _) in enumerate(flat):
                if index not in candidates and pattern.search(text):
                    pytest.fail(f"{name}: pattern {index} ({pattern.pattern[:60]}) matches {text[:80]!r} but was left out")


@needs_hyperscan
def test_re2_twins_find_exactly_what_python_re_finds(nlp):
    texts = [t for t in _texts() if triage._UNSAFE.search(t) is None]
    twins = 0
    for name, matcher in _regex_matchers(nlp).items():
        flat, tri = matcher._prepared()
        twins += sum(rule[3] is not None for rule in flat)
        for text in texts:
            data = text.encode("ascii")
            for index in tri.candidates(text):
                _, pattern, _, compiled = flat[index]
                if compiled is not None:
                    assert spans(compiled, data) == [m.span() for m in pattern.finditer(text)], \
                        f"{name}: RE2 and re differ on pattern {index} ({pattern.pattern[:60]})"
    assert twins > 300


def test_rules_re2_reads_differently_get_no_twin():
    assert twin(re.compile(r"dose\s*$", re.IGNORECASE)) is None  # $ before a final newline
    assert twin(re.compile(r"(?:refill)?", re.IGNORECASE)) is None  # matches the empty string
    assert twin(re.compile(r"(?<!no )pain", re.IGNORECASE)) is None  # lookbehind
    assert twin(re.compile(r"(\w)\1", re.IGNORECASE)) is None  # backreference
    assert twin(re.compile(r"\$\d+ paid", re.IGNORECASE)) is not None  # an escaped dollar sign is text


@needs_hyperscan
def test_facts_and_checks_gates_never_hide_a_match():
    from auditor.checks import tables
    from auditor.components import facts

    texts = [t for t in _texts() if triage._UNSAFE.search(t) is None]
    texts += [perturbed(t, i) for i, t in enumerate(texts[::4])]
    for gate, table in ((facts.patterns().gate, None), (tables.pattern_gate(), tables.patterns())):
        known = [p for p in flatten_patterns(table)] if table is not None else list(gate._keep)
        assert len(known) >= 15
        for text in texts:
            view = gate.view(text)
            for pattern in known:
                if view.search(pattern) is None:
                    assert pattern.search(text) is None, f"gate hid a match of {pattern.pattern[:60]}"


def test_a_gate_runs_patterns_it_does_not_know_and_every_pattern_on_non_ascii():
    known = re.compile(r"\brefill\b", re.IGNORECASE)
    stranger = re.compile(r"\bpump\b", re.IGNORECASE)
    gate = triage.PatternGate([known])
    view = gate.view("pump checked")
    assert view.search(stranger) is not None
    assert list(view.finditer(known)) == []
    assert gate.view("refill\u00a0done").search(known) is not None


def test_matches_are_the_same_with_and_without_triage(nlp, monkeypatch):
    notes = _texts()[:80] + [
        "Pump\u00a0refilled with 20\u2009mL. Reservoir volume before: 2 mL; after\u00a0: 20 mL. \u2022 Dose unchanged",
        "ITB refill \u2013 pt tolerating, denies side effects; plan to increase 5% next visit.",
    ]
    docs = [nlp.make_doc(text) for text in notes]
    matchers = _regex_matchers(nlp)
    fast = {name: [m(doc) for doc in docs] for name, m in matchers.items()}
    monkeypatch.setattr(Triage, "candidates", lambda self, text, plain=None: None)  # literal prefilter only
    for name, m in matchers.items():
        assert [m(doc) for doc in docs] == fast[name], name


@needs_hyperscan
def test_compiled_database_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv(triage.CACHE_ENV, str(tmp_path))
    patterns = [re.compile(p, re.IGNORECASE) for p in (r"\bpump\s+refill(?:ed)?\b", r"(?<!no )pain", r"(a)\1")]
    first = Triage(patterns)
    assert first.always == {2}  # a backreference: Hyperscan cannot, so it always runs
    files = list(tmp_path.glob("hs-*.db"))
    assert len(files) == 2  # the plain-ASCII and the widened database

    def no_compile(*_a, **_k):
        raise AssertionError("compiled although cached")

    monkeypatch.setattr(triage, "_compiles", no_compile)
    cached = Triage(patterns)
    assert cached.candidates("Pump refilled today") == {0, 2}
    assert cached.candidates("severe pain") == {1, 2}

    for f in files:
        f.write_bytes(b"not a database")
    monkeypatch.undo()
    monkeypatch.setenv(triage.CACHE_ENV, str(tmp_path))
    rebuilt = Triage(patterns)
    assert rebuilt.candidates("pain") == {1, 2}


@needs_hyperscan
def test_unwritable_cache_still_gives_a_working_triage(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(triage.CACHE_ENV, str(blocker / "sub"))  # a directory cannot be made under a file
    assert Triage([re.compile("refill", re.IGNORECASE)]).candidates("REFILL") == {0}


def test_pickled_fast_matcher_works_after_unpickling(nlp):
    matcher = _regex_matchers(nlp)["pump_target_matcher"]
    clone = pickle.loads(pickle.dumps(matcher))
    doc = nlp.make_doc("Pump refilled with 20 mL of baclofen 500 mcg/mL.")
    assert clone(doc) == matcher(doc)


def test_rules_added_after_first_use_are_matched(nlp):
    matcher = FastRegexMatcher(nlp.vocab)
    matcher.add("FIRST", [r"\bpump\b"])
    doc = nlp.make_doc("pump refill done")
    assert [nlp.vocab.strings[k] for k, _, _ in matcher(doc)] == ["FIRST"]
    matcher.add("SECOND", [r"\brefill\b"])
    assert sorted(nlp.vocab.strings[k] for k, _, _ in matcher(doc)) == ["FIRST", "SECOND"]


WRITTEN_ODDLY = [  # rules written in ways Hyperscan or RE2 read differently from Python (review of the triage)
    (r"\bdose\s+(?:\w+\s+){,2}increased\b", "Baclofen dose was increased today."),  # {,n} is {0,n}
    (r"\btemp\s*:?\s*\d+(?:\.\d+)?\s*\u00b0?\s*f\b", "Temp: 98.6 F"),  # an optional non-ASCII character
    (r"[{1,2}]", "2"),  # braces inside a class are text
    (r"a(?=\w){2}\w", "ab"),  # a repeated lookahead
    (r"x[[:alpha:]]", "x:]"),  # Python reads a set then ']', not a POSIX class
    (r"\u017ftop", "STOP"),  # long s equals s under IGNORECASE
    (r"\u0131nfused|refill", "infused"),  # dotless i equals i under IGNORECASE
    (r"\d{,3}\s*mg", "25 mg"),
]


@needs_hyperscan
@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@pytest.mark.parametrize("pattern,text", WRITTEN_ODDLY)
def test_rules_written_oddly_are_still_found(tmp_path, monkeypatch, pattern, text):
    monkeypatch.setenv(triage.CACHE_ENV, str(tmp_path))
    compiled = re.compile(pattern, re.IGNORECASE)
    assert compiled.search(text), "the case must be a real match"
    tri = Triage([compiled])
    for variant in (text, text + " \u2013 \u00a0"):  # plain ASCII, and through the widened database
        assert tri.candidates(variant) == {0}, variant
    twin_of = twin(compiled)
    if twin_of is not None:
        assert spans(twin_of, text.encode("ascii")) == [m.span() for m in compiled.finditer(text)]


@needs_hyperscan
def test_threads_scanning_at_once_each_get_an_answer(nlp):
    import threading

    tri = _regex_matchers(nlp)["pump_target_matcher"]._prepared()[1]
    texts = [t for t in _texts()[:40]]
    expected = [tri.candidates(t) for t in texts]
    failures: list[str] = []

    def work() -> None:
        for _ in range(3):
            for text, want in zip(texts, expected):
                if tri.candidates(text) != want:
                    failures.append(text[:40])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
