"""Normalises clinic shorthand, dictation and OCR noise before the rules, keeping an offset map.

Why: every rule would otherwise have to learn every spelling ("RF done",
"inst 18cc", "2O mL", "rnorphine", "twenty milliliters", "basal ↑15%"). The
pipeline reads the normalised text once; every offset it produces is mapped
back to the note as written (`Normalised.remap`), so evidence still indexes
the original text and shows the reviewer the clinician's own words.

What is replaced is data (resources/normalize.json); this module only applies
it: one pass of non-overlapping regex replacements, spoken numbers followed by
a unit, and scanner letter/digit repair where a token is clearly a number or
becomes a known word. A note that needs none of it is returned unchanged and
costs one regex scan.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from auditor import rules
from auditor.textscan import TextView, pattern_gate

Edit = tuple[int, int, str]  # original start, original end, replacement


@dataclass(frozen=True)
class Normalised:
    """The normalised text and the edits that made it from `original`."""

    original: str
    text: str
    edits: tuple[Edit, ...]
    # the offset tables of `_tables`, set once by __post_init__ (not an argument, not compared or shown)
    _cached: tuple[list[int], list[int], list[int], list[int]] = field(init=False, repr=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def struck_blanked(self) -> str:
        """The original text with what normalising removed outright (struck-through text: '[deleted: ...]',
        '~~3.6~~') blanked, same length: for readers of the original text, such as the models."""
        removed = [(a, b) for a, b, rep in self.edits if rep == ""]
        if not removed:
            return self.original
        chars = list(self.original)
        for a, b in removed:
            chars[a:b] = " " * (b - a)
        return "".join(chars)

    def _tables(self) -> tuple[list[int], list[int], list[int], list[int]]:
        n_starts, n_ends, o_starts, o_ends = [], [], [], []
        shift = 0
        for a, b, rep in self.edits:
            n_starts.append(a + shift)
            n_ends.append(a + shift + len(rep))
            o_starts.append(a)
            o_ends.append(b)
            shift += len(rep) - (b - a)
        return n_starts, n_ends, o_starts, o_ends

    def to_original(self, pos: int, end: bool = False) -> int:
        """Original offset of normalised offset `pos` (a start, or an exclusive end)."""
        n_starts, n_ends, o_starts, o_ends = self._cached
        i = bisect_right(n_starts, pos - 1 if end else pos) - 1
        if i < 0:
            return pos
        if end:
            if pos <= n_ends[i]:  # ends inside (or at the end of) a replacement: take all of it
                return o_ends[i]
        elif pos < n_ends[i]:  # starts inside a replacement: take all of it
            return o_starts[i]
        return o_ends[i] + (pos - n_ends[i])

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cached", self._tables())

    def span(self, a: int, b: int) -> dict[str, Any]:
        """Normalised offsets [a, b) as evidence on the note as written: start, end and its text."""
        oa, ob = self.to_original(a), self.to_original(b, end=True)
        return {"start": oa, "end": ob, "text": self.original[oa:ob]}

    def remap(self, obj: Any) -> Any:
        """A copy of `obj` (the pipeline's plain output) with every offset pair mapped to the original.

        Dicts with integer `start`/`end` are mapped; their `text` is re-read from
        the original when it was the normalised slice (labels like
        "[blank inside the statement]" are kept). `sentences` ([start, end] pairs) too.
        """
        if not self.edits:
            return obj
        return self._remap(obj)

    def _remap(self, obj: Any, key: str = "") -> Any:
        if isinstance(obj, dict):
            out = {k: self._remap(v, k) for k, v in obj.items()}
            s, e = obj.get("start"), obj.get("end")
            if isinstance(s, int) and isinstance(e, int) and not isinstance(s, bool):
                ns, ne = self.to_original(s), self.to_original(e, end=True)
                if ne < ns:
                    ne = ns
                out["start"], out["end"] = ns, ne
                if isinstance(obj.get("text"), str) and obj["text"] == self.text[s:e]:
                    out["text"] = self.original[ns:ne]
            return out
        if isinstance(obj, list):
            if key == "sentences":
                return [[self.to_original(a), self.to_original(b, end=True)] for a, b in obj]
            return [self._remap(v) for v in obj]
        return obj



def _spelled(acronym: str) -> re.Pattern[str]:
    """'N P I' for NPI: the letters one by one, not inside a longer run of single letters ('N P O')."""
    return re.compile(r"(?<!\b[A-Za-z] )\b" + " ".join(map(re.escape, acronym)) + r"\b(?! [A-Za-z]\b)")


def _cased(word: str, as_written: str) -> str:
    """The repaired word in the case the note wrote it in ("RESEVOIR" -> "RESERVOIR", "Resevoir" -> "Reservoir")."""
    if as_written.isupper() and len(as_written) > 1:
        return word.upper()
    return word.capitalize() if as_written[0].isupper() else word


def _one_edit_table(words: Any, min_length: int) -> dict[str, str]:
    """Every string one edit from a listed word of at least `min_length` letters -> that word; a string one
    edit from two words, or itself a listed word, is left out (ambiguous, or already right)."""
    listed = {w.lower() for w in words}
    table: dict[str, str] = {}
    clash: set[str] = set()
    letters = "abcdefghijklmnopqrstuvwxyz"
    for w in sorted(listed):
        if len(w) < min_length:
            continue
        variants = {w[:i] + w[i + 1:] for i in range(len(w))}
        variants |= {w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(len(w) - 1)}
        variants |= {w[:i] + c + w[i + 1:] for i in range(len(w)) for c in letters}
        variants |= {w[:i] + c + w[i:] for i in range(1, len(w) + 1) for c in letters}  # not before it: a prefix
        for v in variants - listed:
            if v in table and table[v] != w:
                clash.add(v)
            table[v] = w
    return {v: w for v, w in table.items() if v not in clash}


# a structured export's field: a key, '=', and perhaps a number ('RefillVol_mL=40', 'SupervisorPresent=Y', 'Supervisor=')
_KV_PAIR = re.compile(r"(?<![\w.=/:-])(?P<key>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*)[ \t]*(?P<eq>=)(?!=)[ \t]*"
                      r"(?P<num>[-+]?\d+(?:[.,]\d+)?(?![\w.,/:-]))?")
_CAMEL = re.compile(r"[a-z][A-Z]")
_KEY_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_KV_CODE = re.compile(r"[ \t]*(?P<code>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|Y|N|YES|NO|NONE|NA)(?=[ \t]*(?:[|;,\n]|$))")


class Normaliser:
    """Applies resources/normalize.json to a note."""

    def __init__(self) -> None:
        cfg = rules.load_json("normalize.json")
        self.replacements: list[tuple[str, re.Pattern[str], str]] = []
        for r in cfg["replacements"]:
            flags = 0 if r.get("case") else re.IGNORECASE
            self.replacements.append((r["id"], rules.compile_checked(r["pattern"], f"resources/normalize.json {r['id']}", flags), r["to"]))
        for acronym in cfg.get("spelled_acronyms", {}).get("acronyms", []):
            self.replacements.append((f"spelled-{acronym.lower()}", _spelled(acronym), acronym))
        ocr = cfg["ocr"]
        self.digit_like: dict[str, str] = dict(ocr["digit_like"])
        self.strong = frozenset(ocr["strong_digit_like"])
        weak = "".join(re.escape(c) for c in self.digit_like)
        # a pipe never starts a number: "||20 mL" (an HL7 field), "|20 mL|" (a table cell) is 20 mL, not 120
        lead = "".join(re.escape(c) for c in self.digit_like if c != "|")
        self.number_token = re.compile(r"(?<![A-Za-z0-9])([0-9" + lead + r"][0-9" + weak + r".,]*[0-9" + weak + r"]|[0-9" + lead + r"])(?![A-Za-z0-9])")
        self.unit_after = re.compile(ocr["unit_after"], re.IGNORECASE)
        self.confusions: list[tuple[str, str]] = [tuple(c) for c in ocr["word_confusions"]]  # type: ignore[misc]
        self.vocabulary: dict[str, str] = {}
        for w in ocr["vocabulary"]:
            self.vocabulary.setdefault(self._canon(w), w)
        self.known = frozenset(w.lower() for w in ocr["vocabulary"])
        self.word_token = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9|]*(?:[A-Za-z][0-9|]|[0-9|][A-Za-z]|rn)[A-Za-z0-9|]*(?![A-Za-z0-9])", re.IGNORECASE)
        nw = cfg["number_words"]
        self.units: dict[str, int] = nw["units"]
        self.tens: dict[str, int] = nw["tens"]
        self.scales: dict[str, int] = nw["scales"]
        words = "|".join(sorted(list(self.units) + list(self.tens) + list(self.scales), key=len, reverse=True))
        self.spoken = re.compile(
            r"\b(?:(?:" + words + r")(?:[\s-]+(?:and\s+)?(?:" + words + r"))*(?:\s+point(?:\s+(?:" + words + r"))+)?"
            r"|point(?:\s+(?:" + "|".join(self.units) + r"))+)\b(?=" + nw["unit_after"] + r")",
            re.IGNORECASE,
        )

        yr = nw["spoken_year"]
        ones = "|".join(w for w, n in self.units.items() if 0 < n < 10)
        teens = "|".join(w for w, n in self.units.items() if 10 <= n < 20)
        tens = "|".join(self.tens)
        within = rf"(?:{tens})(?:[ \t-]+(?:{ones}))?|{teens}|oh[ \t-]+(?:{ones})"  # 'twenty five' is a count, 'twenty oh five' a year
        self.spoken_year = re.compile(
            yr["before"] + rf"((?:twenty[ \t-]+(?:{within})|two[ \t]+thousand(?:[ \t]+and)?[ \t-]+(?:{within}|{ones})))\b"
            + r"(?!" + nw["unit_after"] + r"|\s*(?:minutes?|hours?|days?|weeks?|months?|years?|times?)\b)",
            re.IGNORECASE,
        )

        kv = cfg.get("key_value") or {}
        self.kv_min = int(kv.get("min_pairs", 4))
        self.kv_words: dict[str, str] = {k.lower(): v for k, v in (kv.get("words") or {}).items()}
        self.kv_units: dict[str, str] = {k.lower(): v for k, v in (kv.get("units") or {}).items()}
        self.kv_values: dict[str, str] = dict(kv.get("values") or {})
        self.kv_whole: dict[str, str] = {k.lower(): v for k, v in (kv.get("whole_keys") or {}).items()}

        typos = cfg.get("typos") or {}
        shortest = int(typos.get("min_length", 7))
        keep = frozenset(typos.get("keep", ()))
        self.typo_of = {v: w for v, w in _one_edit_table(typos.get("words", ()), shortest).items() if v not in keep}
        self.typo_token = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{%d,}(?![A-Za-z0-9])" % max(1, shortest - 1))

        self.gate = pattern_gate([p for _, p, _ in self.replacements]
                                 + [self.number_token, self.word_token, self.spoken, self.spoken_year])

    # ---- pieces -------------------------------------------------------------------------------
    def _canon(self, word: str) -> str:
        w = word.lower()
        for a, b in self.confusions:
            w = w.replace(a.lower(), b)
        return w

    def _regex_edits(self, text: str, view: TextView) -> list[tuple[int, int, str, int]]:
        out = []
        for order, (_, pat, to) in enumerate(self.replacements):
            for m in view.finditer(pat):
                if m.end() > m.start():
                    rep = m.expand(to)
                    if rep.lower() != m.group(0).lower():
                        out.append((m.start(), m.end(), rep, order))
        return out

    def _number_edits(self, text: str, view: TextView) -> list[tuple[int, int, str, int]]:
        out = []
        for m in view.finditer(self.number_token):
            tok = m.group(1)
            if tok.isdigit() or not any(c in self.digit_like for c in tok):
                continue
            digits = sum(c.isdigit() for c in tok)
            unit = bool(self.unit_after.match(text, m.end()))
            letters = [c for c in tok if c in self.digit_like]
            if not unit:
                # "O2 sat", "B12", "S1": a leading letter before digits is a name, not a number
                if tok[0] in self.digit_like or digits < 2 or any(c not in self.strong for c in letters):
                    continue
            elif digits == 0 and (len(tok) < 2 or any(c not in self.strong for c in letters)):
                continue
            fixed = "".join(self.digit_like.get(c, c) for c in tok)
            if re.fullmatch(r"\d+(?:[.,]\d+)?", fixed):
                out.append((m.start(1), m.end(1), fixed, 1000))
        return out

    def _word_edits(self, text: str, view: TextView) -> list[tuple[int, int, str, int]]:
        out = []
        for m in view.finditer(self.word_token):
            tok = m.group(0)
            if tok.lower() in self.known or tok.isdigit() or not any(c.isalpha() for c in tok):
                continue
            word = self.vocabulary.get(self._canon(tok))
            if not word:
                continue
            out.append((m.start(), m.end(), word if word == "mL" else _cased(word, tok), 1001))
        return out

    def _typo_edits(self, text: str) -> list[tuple[int, int, str, int]]:
        """'resevoir' -> 'reservoir': one edit from exactly one of the pump's own words (normalize.json typos)."""
        out: list[tuple[int, int, str, int]] = []
        if not self.typo_of:
            return out
        for m in self.typo_token.finditer(text):
            word = self.typo_of.get(m.group(0).lower())
            if word:
                out.append((m.start(), m.end(), _cased(word, m.group(0)), 1002))
        return out

    def _key_value_edits(self, text: str) -> list[tuple[int, int, str, int]]:
        """'RefillVol_mL=40' -> 'refill volume: 40 mL', 'SupervisorPresent=Y' -> 'supervisor present: yes', in a
        structured export (normalize.json key_value): its keys are read as the words they abbreviate."""
        if text.count("=") < self.kv_min:
            return []
        pairs = list(_KV_PAIR.finditer(text))
        # an export, not prose with an equation: enough keys that only a program writes ('RefillVol_mL', 'res_ml')
        if sum(1 for m in pairs if "_" in m.group("key") or _CAMEL.search(m.group("key"))) < self.kv_min:
            return []
        out: list[tuple[int, int, str, int]] = []
        for m in pairs:
            segments = m.group("key").split("_")
            unit = None
            for n in (2, 1):  # 'Conc1_mg_mL': the unit is the key's last one or two segments
                if len(segments) > n and "_".join(segments[-n:]).lower() in self.kv_units:
                    unit = self.kv_units["_".join(segments[-n:]).lower()]
                    segments = segments[:-n]
                    break
            parts = [p for seg in segments for p in _KEY_PART.findall(seg)]
            whole = "_".join(segments).lower()
            words = self.kv_whole.get(whole) or " ".join(self.kv_words.get(p.lower(), p.lower()) for p in parts)
            if unit and m.group("num"):
                out.append((m.start("key"), m.end("num"), f"{words}: {m.group('num')} {unit}", 997))
            else:
                out.append((m.start("key"), m.end("eq"), f"{words}: ", 997))
            code = _KV_CODE.match(text, m.end("eq"))
            if code and not m.group("num"):
                value = code.group("code")
                out.append((code.start("code"), code.end("code"), self.kv_values.get(value, value.replace("_", " ").lower()), 997))
        return out

    def _spoken_edits(self, text: str, view: TextView) -> list[tuple[int, int, str, int]]:
        out = []
        for m in view.finditer(self.spoken):
            value = self._spoken_value(m.group(0))
            if value is not None:
                out.append((m.start(), m.end(), value, 999))
        return out

    def _year_edits(self, text: str, view: TextView) -> list[tuple[int, int, str, int]]:
        """'in twenty nineteen' -> 'in 2019': the century word, then the year within it."""
        out = []
        for m in view.finditer(self.spoken_year):
            words = re.split(r"[ \t-]+", m.group(1).lower())
            rest = words[1:] if words[0] == "twenty" else [w for w in words[2:] if w != "and"]
            within = self._spoken_value(" ".join(rest))
            if within is not None and int(float(within)) < 100:
                out.append((m.start(1), m.end(1), str(2000 + int(float(within))), 998))
        return out

    def _spoken_value(self, phrase: str) -> str | None:
        words = [w for w in re.split(r"[\s-]+", phrase.lower()) if w and w != "and"]
        if "point" in words:
            i = words.index("point")
            whole, frac = words[:i], words[i + 1:]
        else:
            whole, frac = words, []
        total = current = 0
        for w in whole:
            if w in self.units:
                if current % 10:
                    return None  # "two three": two numbers, not one
                current += self.units[w]
            elif w in self.tens:
                if current % 100:
                    return None  # "two twenty mL ampules" is 2 x 20 mL, never 22
                current += self.tens[w]
            elif w in self.scales:
                current = max(current, 1) * self.scales[w]
                if self.scales[w] >= 1000:
                    total, current = total + current, 0
            else:
                return None
        if any(w not in self.units for w in frac):
            return None
        number = str(total + current) if whole else "0"
        return number + ("." + "".join(str(self.units[w]) for w in frac) if frac else "")

    # ---- the whole note -----------------------------------------------------------------------
    def __call__(self, text: str) -> Normalised:
        view = self.gate.view(text)  # one scan rules out the patterns that cannot match
        cands = (self._regex_edits(text, view) + self._spoken_edits(text, view) + self._year_edits(text, view)
                 + self._number_edits(text, view) + self._word_edits(text, view) + self._typo_edits(text)
                 + self._key_value_edits(text))
        if not cands:
            return Normalised(text, text, ())
        cands.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[3]))
        edits: list[Edit] = []
        last = 0
        for a, b, rep, _ in cands:
            if a >= last:
                edits.append((a, b, rep))
                last = b
        parts, pos = [], 0
        for a, b, rep in edits:
            parts.append(text[pos:a])
            parts.append(rep)
            pos = b
        parts.append(text[pos:])
        return Normalised(text, "".join(parts), tuple(edits))


@lru_cache(maxsize=1)
def normaliser() -> Normaliser:
    return Normaliser()


RECENT_NOTES = 64  # about one pipeline batch: the claim checks read the same notes right after the pipeline


@lru_cache(maxsize=RECENT_NOTES)
def normalise(text: str) -> Normalised:
    """The note as the rules read it, with the map back to `text`.

    Cached for the last notes: the tokenizer and the claim checks' amounts both
    need it, and normalising twice cost 0.5 ms a billed note (bench.components).
    """
    return normaliser()(text)
