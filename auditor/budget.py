"""The per-note work budget: a cheap pre-count that keeps one note from stalling a run.

Why: two steps of the pipeline grow with the square of what a note holds.
medspaCy's ConText compares every modifier with every other (`update_scopes`),
so `"not " * 40_000` takes minutes; spaCy's tokenizer searches suffixes over a
whitespace-free stretch of symbols, so 10,000 emoji in a row take seconds.
Before a note goes into the pipeline it is counted in one linear pass:

- `tokens`: word and symbol pieces (spaCy makes about as many tokens);
- `cues`: pieces that start a ConText rule (negation, uncertainty,
  placeholder... cues: the modifiers ConText will compare pairwise);
- `symbol_run`: the longest stretch of symbols without a space or a letter.

A note over any limit in `resources/budget.json` gets an error record that
names the count and the limit instead of an audit. Every limit is larger
than the note's length can reach under `fast_chars`, so short notes (all of
the gold and phrase-bank notes) are never counted. Nothing here keeps or
prints note text.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable, NamedTuple

from auditor.rules import load_json

# a word or one symbol: about one spaCy token each
_TOKEN = re.compile(r"\w+|[^\w\s]")
_SYMBOL_RUN = re.compile(r"[^\w\s]{2,}")
# a regex rule that is a repeated symbol: \*{2,}  _{3,}  \?{3}
_REPEATED_SYMBOL = re.compile(r"^\\?([^\w\s]|_)\{\d")
_FLAGS = re.compile(r"^(?:\(\?[a-z]+\)|\^|\\b)+")
_LEADING = re.compile(r"[a-z][a-z'-]*")


class Limits(NamedTuple):
    tokens: int
    cues: int
    symbol_run: int
    fast_chars: int


class Counts(NamedTuple):
    tokens: int
    cues: int
    symbol_run: int


@lru_cache(maxsize=1)
def limits() -> Limits:
    """The limits of resources/budget.json; fast_chars is the shortest length that could exceed one."""
    data = load_json("budget.json")
    tokens, cues, run = int(data["max_tokens"]), int(data["max_cues"]), int(data["max_symbol_run"])
    return Limits(tokens, cues, run, min(tokens, cues, run))


class Vocabulary(NamedTuple):
    """What starts a ConText modifier: single pieces, and first-two-piece pairs of multi-piece cues."""
    singles: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    repeats: re.Pattern[str] | None  # runs of a repeated symbol ('***', '___')



def _split_top(pattern: str, depth0: int = 0) -> list[str]:
    """The alternatives of a regex at nesting depth `depth0` (escapes and classes respected)."""
    out, cur, depth, i, in_class = [], [], 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == depth0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur))
    return out


def _leading_words(pattern: str) -> set[str]:
    """The literal word each top-level alternative of a regex rule starts with (a leading group of plain
    alternatives gives each of its words); an alternative that starts optional or with a class gives none."""
    words: set[str] = set()
    for alt in _split_top(pattern):
        alt = _FLAGS.sub("", alt)
        if alt.startswith("(?:"):
            depth, end = 0, -1
            for i, ch in enumerate(alt):
                depth += ch == "(" and (i == 0 or alt[i - 1] != "\\")
                depth -= ch == ")" and alt[i - 1] != "\\"
                if depth == 0:
                    end = i
                    break
            if end < 0 or alt[end + 1:end + 2] in ("?", "*"):
                continue
            for a in _split_top(alt[3:end]):
                words.update(_whole_word(a))
        else:
            words.update(_whole_word(alt))
    return words


def _whole_word(alternative: str) -> set[str]:
    """The word an alternative starts with, when the regex ends it there (`\\b`, `\\s`, `|`, `)` or the end):
    `declined\\b` gives declined, `tabs?` gives tab and tabs, `c/f` and `q\\d+h` give nothing."""
    m = _LEADING.match(alternative.lower())
    if not m:
        return set()
    word, rest = m.group(0), alternative[m.end():]
    if rest == "" or rest.startswith(("\\b", "\\s", "|", ")", "[ \\t]", "'")):
        return {word}
    if rest.startswith("?") and len(word) > 1:
        return {word, word[:-1]}
    return set()


def _token_values(token: Any) -> list[str]:
    for attr in ("LOWER", "TEXT", "ORTH", "NORM"):
        val = token.get(attr) if isinstance(token, dict) else None
        if isinstance(val, str):
            return [val.lower()]
        if isinstance(val, dict) and isinstance(val.get("IN"), list):
            return [str(v).lower() for v in val["IN"] if str(v)]
    return []


def cue_vocabulary(rules: Iterable[Any]) -> Vocabulary:
    """The vocabulary of ConText rules (literal, token-pattern and regex rules). Errs towards counting more
    than ConText will match: a pair is counted wherever its first two pieces meet, whatever follows."""
    singles: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    symbols: set[str] = set()
    for rule in rules:
        pattern = getattr(rule, "pattern", None)
        if pattern is None:
            pieces = _TOKEN.findall(str(getattr(rule, "literal", "")).lower())
            if len(pieces) == 1:
                singles.add(pieces[0])
            elif len(pieces) > 1:
                pairs.add((pieces[0], pieces[1]))
        elif isinstance(pattern, str):
            if m := _REPEATED_SYMBOL.match(pattern):
                symbols.add(m.group(1))
            singles.update(_leading_words(pattern))
        elif isinstance(pattern, list) and pattern:
            first = _token_values(pattern[0])
            optional = isinstance(pattern[0], dict) and pattern[0].get("OP") in ("?", "*")
            second = _token_values(pattern[1]) if len(pattern) > 1 else []
            if optional:
                continue  # starts anywhere: counted by the rules' other cues
            if len(pattern) == 1 or not second or pattern[1].get("OP") in ("?", "*"):
                singles.update(first)
            else:
                pairs.update((a, b) for a in first for b in second)
    repeats = re.compile("|".join(f"{re.escape(c)}{{2,}}" for c in sorted(symbols))) if symbols else None
    return Vocabulary(frozenset(singles), frozenset(pairs), repeats)


_VOCABULARY: Vocabulary | None = None
NO_CUES = Vocabulary(frozenset(), frozenset(), None)


def vocabulary_of(nlp: Any) -> Vocabulary:
    """The cue vocabulary of a pipeline's ConText rules (every pipeline of a process has the same rules)."""
    global _VOCABULARY
    if _VOCABULARY is None:
        try:
            rules = nlp.get_pipe("pump_context").rules
        except (KeyError, AttributeError):
            return NO_CUES
        _VOCABULARY = cue_vocabulary(rules)
    return _VOCABULARY


def count(text: str, vocabulary: Vocabulary) -> Counts:
    """Tokens, ConText cues and the longest symbol run of `text`, in linear time (C-level scans)."""
    pieces = _TOKEN.findall(text.lower())
    cues = sum(map(vocabulary.singles.__contains__, pieces))
    if vocabulary.pairs:
        cues += sum(map(vocabulary.pairs.__contains__, zip(pieces, pieces[1:])))
    if vocabulary.repeats is not None:
        cues += len(vocabulary.repeats.findall(text))
    run = max(map(len, _SYMBOL_RUN.findall(text)), default=0)
    return Counts(len(pieces), cues, run)


def over_budget(text: str, vocabulary: Vocabulary) -> str | None:
    """Why `text` would exceed the per-note budget (one line for the record's `error`), or None."""
    lim = limits()
    if len(text) <= lim.fast_chars:
        return None
    c = count(text, vocabulary)
    for got, cap, what in ((c.cues, lim.cues, "ConText cues"), (c.symbol_run, lim.symbol_run, "symbols in a row"),
                           (c.tokens, lim.tokens, "tokens")):
        if got > cap:
            return (f"note over the per-note work budget ({got:,} {what}; the auditor reads at most {cap:,}"
                    " so that one note cannot stall a run)")
    return None
