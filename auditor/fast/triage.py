"""One pass over a note that says which regex rules can match it.

Python's `re` scans a note once per rule; with ~400 target rules that was
two thirds of an audit's time, and most rules match nothing in a given note.
Hyperscan compiles every rule into one automaton and reports, in a single
pass, the rules that match; only those then run in Python's `re`, so the
spans are exactly what `re` finds.

The automaton is a *superset* of each rule, never a subset. Each rule is
rebuilt from Python's own parse tree (widen.py): lookarounds are removed
(they only ever forbid a match), bounded repeats `{m,n}` become `{m,}`
(much smaller automata, same guarantee), and a rule Hyperscan cannot
compile is always run. Hyperscan reads bytes, and its `\\s`, `\\w` and case
folding agree with Python's only on plain ASCII, so a note with any other
character (or an unusual control character) is scanned, as UTF-8, with a
second database whose patterns also take runs of non-ASCII bytes wherever
Python could match a non-ASCII character. Without Hyperscan
(it ships wheels for x86-64 only) `candidates()` returns None and callers
fall back to their literal prefilter. tests/test_triage.py checks that no
rule that matches is ever left out.

Compiling the ~400 target rules takes seconds, so the compiled database is
cached on disk (PUMP_AUDITOR_CACHE, else ~/.cache/pump-auditor), keyed by a
hash of the expressions, flags and Hyperscan version; a cache that cannot
be read or written is ignored.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

from auditor.fast.widen import widen

try:
    import hyperscan
    _HYPERSCAN = True
except ImportError:  # pragma: no cover - other CPU architectures
    _HYPERSCAN = False  # `hyperscan` stays unbound: every use below is behind available()

CACHE_ENV = "PUMP_AUDITOR_CACHE"
_UNSAFE = re.compile(r"[^\t\n\r\x20-\x7e]")


def available() -> bool:
    return _HYPERSCAN


def _flags(pattern: re.Pattern) -> Optional[int]:
    """Hyperscan flags with the meaning of the pattern's own; None for VERBOSE (not expressible)."""
    if pattern.flags & re.VERBOSE:
        return None
    flags = hyperscan.HS_FLAG_SINGLEMATCH
    if pattern.flags & re.IGNORECASE:
        flags |= hyperscan.HS_FLAG_CASELESS
    if pattern.flags & re.MULTILINE:
        flags |= hyperscan.HS_FLAG_MULTILINE
    if pattern.flags & re.DOTALL:
        flags |= hyperscan.HS_FLAG_DOTALL
    return flags


def _compiles(expression: bytes, flags: int) -> bool:
    try:
        hyperscan.Database().compile(expressions=[expression], ids=[0], flags=[flags])
        return True
    except hyperscan.error:  # type: ignore[attr-defined]
        return False


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "pump-auditor")


def _cache_path(entries: list[Any]) -> Path:
    key = hashlib.sha256(json.dumps([getattr(hyperscan, "__version__", ""), entries]).encode()).hexdigest()[:32]
    return cache_dir() / f"hs-{key}.db"


def _read_cache(path: Path) -> Optional[tuple[frozenset[int], "hyperscan.Database"]]:
    """(always-run positions, database) from the cache, or None if absent, unreadable or for another CPU."""
    try:
        header, _, blob = path.read_bytes().partition(b"\n")
        always = frozenset(json.loads(header)["always"])
        db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        db.scratch = hyperscan.Scratch(db)  # a loaded database has none
        return always, db
    except (OSError, ValueError, KeyError, TypeError, hyperscan.error):  # type: ignore[attr-defined]
        return None


def _write_cache(path: Path, always: frozenset[int], db: "hyperscan.Database") -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps({"always": sorted(always)}).encode() + b"\n" + hyperscan.dumpb(db))
        os.replace(tmp, path)  # atomic: concurrent workers never read half a file
    except OSError:
        pass  # a read-only home is fine: compile again next time


CHUNK = 64  # patterns per Hyperscan database


class _Database:
    """One compiled Hyperscan database over positions `part` of a list of (expression or None, flags or None).

    Why chunks of CHUNK patterns: with all ~450 target rules in one database, Hyperscan
    5.4 failed to report a rule (condition-13) on a note where that rule alone matches;
    the same rules in databases of 32-128 patterns report it. tests/test_triage.py checks
    every gold note and phrase-bank fragment.
    """

    def __init__(self, entries: list[tuple[Optional[str], Optional[int]]], part: Optional[range] = None):
        part = range(len(entries)) if part is None else part
        self.db = None
        self._local = threading.local()
        self.always: frozenset[int] = frozenset(part)
        path = _cache_path([[part.start, part.stop], *[entries[i] for i in part]])
        cached = _read_cache(path)
        if cached is None:
            usable: dict[int, tuple[bytes, int]] = {}  # position -> (expression, flags), in `part` order
            for i in part:
                expression, flags = entries[i]
                if expression is not None and flags is not None:
                    data = expression.encode("utf-8")
                    if _compiles(data, flags):
                        usable[i] = (data, flags)
            always = frozenset(i for i in part if i not in usable)
            keep = list(usable)
            if not keep:
                return
            db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            try:
                db.compile(expressions=[usable[i][0] for i in keep], ids=keep, flags=[usable[i][1] for i in keep])
            except hyperscan.error:  # together too large, say: no triage, every rule runs (same output)
                return
            _write_cache(path, always, db)
            cached = (always, db)
        self.always, self.db = cached

    def scan(self, data: bytes) -> Optional[set[int]]:
        if self.db is None:
            return None
        found = set(self.always)
        scratch = getattr(self._local, "scratch", None)
        try:
            if scratch is None:  # one per thread: the scan releases the GIL, a shared scratch would clash
                scratch = self._local.scratch = hyperscan.Scratch(self.db)
            # hyperscan's stub types the handler's last argument as `object`, not as the `context` it is given (a set)
            self.db.scan(data, match_event_handler=_collect, context=found, scratch=scratch)  # type: ignore[arg-type]
        except hyperscan.error:  # should not happen; run every rule rather than guess
            return None
        return found


class _Databases:
    """The chunked databases of one pattern list, scanned one after the other."""

    def __init__(self, entries: list[tuple[Optional[str], Optional[int]]]):
        self.parts = [_Database(entries, range(k, min(k + CHUNK, len(entries)))) for k in range(0, len(entries), CHUNK)]
        self.always: frozenset[int] = frozenset().union(*(p.always for p in self.parts)) if self.parts else frozenset()
        self.db = self.parts[0].db if self.parts and all(p.db is not None for p in self.parts) else None

    def scan(self, data: bytes) -> Optional[set[int]]:
        if self.db is None:
            return None
        found: set[int] = set()
        for part in self.parts:
            got = part.scan(data)
            if got is None:
                return None
            found |= got
        return found


def plain_ascii(text: str) -> bool:
    """Printable ASCII, tab, CR and LF only: where Hyperscan, RE2 and Python agree on every class."""
    return _UNSAFE.search(text) is None


class Triage:
    """Which of `patterns` (by position) can match a text, in one Hyperscan pass.

    Plain-ASCII notes use a database of patterns close to the rules;
    other notes use a database of widened patterns (widen.py) over their UTF-8."""

    def __init__(self, patterns: Sequence[re.Pattern]):
        self.size = len(patterns)
        self._ascii: Optional[_Databases] = None
        self._wide: Optional[_Databases] = None
        if not _HYPERSCAN or not patterns:
            return
        self._ascii = _Databases([(widen(p, ascii_text=True), _flags(p)) for p in patterns])
        self._wide = _Databases([(widen(p), _flags(p)) for p in patterns])  # no anchors: MULTILINE is moot

    @property
    def always(self) -> frozenset[int]:
        """Rules the plain-ASCII database cannot express (they always run)."""
        return self._ascii.always if self._ascii is not None else frozenset(range(self.size))

    @property
    def active(self) -> bool:
        return self._ascii is not None and self._ascii.db is not None

    def candidates(self, text: str, plain: Optional[bool] = None) -> Optional[set[int]]:
        """Positions of the patterns that may match `text`; None when every pattern must run.
        `plain`: plain_ascii(text), when the caller has it already."""
        if self._ascii is None or self._wide is None:
            return None
        if plain_ascii(text) if plain is None else plain:
            return self._ascii.scan(text.encode("ascii"))
        try:
            data = text.encode("utf-8", "surrogatepass")
        except UnicodeError:
            return None
        return self._wide.scan(data)


def _collect(rule: int, _start: int, _end: int, _flags: int, found: set[int]) -> None:
    found.add(rule)


class PatternGate:
    """A Triage for a fixed family of patterns (a facts table, the checks' tables), used by identity:
    `gate.view(text).finditer(p)` is `p.finditer(text)`, or nothing when `p` cannot match `text`."""

    def __init__(self, patterns: Iterable[re.Pattern]):
        unique = list({id(p): p for p in patterns}.values())
        self._position = {id(p): i for i, p in enumerate(unique)}
        self._triage = Triage(unique)
        self._keep = unique  # the ids above stay valid while the patterns live

    def view(self, text: str) -> "GatedText":
        return GatedText(text, self._triage.candidates(text), self._position)


class GatedText:
    """One text seen through a PatternGate; patterns the gate does not know always run."""

    __slots__ = ("text", "_candidates", "_position")

    def __init__(self, text: str, candidates: Optional[set[int]], position: dict[int, int]):
        self.text = text
        self._candidates = candidates
        self._position = position

    def _may_match(self, pattern: re.Pattern) -> bool:
        if self._candidates is None:
            return True
        index = self._position.get(id(pattern))
        return index is None or index in self._candidates

    def finditer(self, pattern: re.Pattern) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.text) if self._may_match(pattern) else iter(())

    def search(self, pattern: re.Pattern) -> Optional[re.Match[str]]:
        return pattern.search(self.text) if self._may_match(pattern) else None
