"""Which encoding a CSV or text export is in: a byte-order mark, else UTF-8, else a detector.

Why: real exports come as UTF-8, as Windows-1252 (curly quotes, µ) from older
EHR report writers, or as UTF-16 from Excel's "Unicode text". Reading a
cp1252 file as UTF-8 fails every note with a curly quote; reading UTF-16 as
UTF-8 fails the whole file. The steps, cheapest first:

1. a byte-order mark names the encoding (UTF-8, UTF-16, UTF-32);
2. a file that decodes as UTF-8 is UTF-8; so is a file that holds valid
   multi-byte UTF-8 sequences beside a few bytes that are not (a UTF-8 export
   with a broken cell: those notes alone get the "not valid UTF-8" error);
3. otherwise charset-normalizer reads a sample. It cannot tell the Western
   single-byte code pages apart on English text (it answers cp775 or cp1250
   for a cp1252 note with a curly quote), so when it names any single-byte
   code page and the sample is valid cp1252, cp1252 it is.

Nothing here keeps or prints the bytes it reads.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import NamedTuple

UTF8 = "utf-8"
BLOCK = 1 << 20  # bytes per read of the UTF-8 check
SAMPLE = 1 << 18  # bytes the detector reads
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")  # characters that came from valid multi-byte UTF-8


class Detected(NamedTuple):
    encoding: str  # a Python codec name for open(); utf-8-sig and utf-16 skip their mark
    how: str  # "bom", "utf-8", "detected" or "given"

    @property
    def is_utf8(self) -> bool:
        return self.encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8")

    def describe(self) -> str:
        """How the encoding was found, for the one line the CLI prints when it is not UTF-8."""
        return {"bom": "from its byte-order mark", "detected": "detected; use --encoding to override",
                "given": "--encoding"}.get(self.how, self.how)


def check_codec(name: str) -> str:
    """The codec's canonical name; LookupError for a name Python does not know."""
    return codecs.lookup(name).name


def from_bom(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of `head` names, or None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def detect_bytes(data: bytes) -> Detected:
    """The encoding of one small file (a .txt note) held in memory."""
    bom = from_bom(data[:4])
    if bom:
        return Detected(bom, "bom")
    text = data.decode(UTF8, errors="surrogateescape")
    if not _ESCAPED.search(text) or _MULTIBYTE.search(text):
        return Detected(UTF8, "utf-8")
    return Detected(_detector(data[:SAMPLE]), "detected")


def detect_file(path: str | Path) -> Detected:
    """The encoding of a file, reading it once in blocks (memory stays flat) unless a mark or an early
    mix of good and bad UTF-8 settles it first."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        bom = from_bom(head)
        if bom:
            return Detected(bom, "bom")
        fh.seek(0)
        decoder = codecs.getincrementaldecoder(UTF8)(errors="surrogateescape")
        bad = good = False
        first = b""
        while block := fh.read(BLOCK):
            if not first:
                first = block[:SAMPLE]
            text = decoder.decode(block)
            if not text.isascii():
                bad = bad or bool(_ESCAPED.search(text))
                good = good or bool(_MULTIBYTE.search(text))
            if bad and good:
                break
        else:
            text = decoder.decode(b"", final=True)
            bad = bad or bool(_ESCAPED.search(text))
    if _looks_wide(first):  # UTF-16/32 without a mark: ASCII with NULs between is "valid UTF-8"
        wide = _detector(first)
        if wide.replace("-", "_").startswith(("utf_16", "utf_32")):
            return Detected(wide, "detected")
    if not bad or good:
        return Detected(UTF8, "utf-8")
    return Detected(_detector(first), "detected")


def _looks_wide(sample: bytes) -> bool:
    """NUL in most even or most odd bytes: the mark of UTF-16/32 text, not of a UTF-8 file with a few NULs."""
    half = len(sample) // 2
    return half >= 8 and max(sample[0::2].count(0), sample[1::2].count(0)) > half * 0.6


_WESTERN = ("cp", "iso8859", "latin", "mac", "windows")  # single-byte code page families


def _detector(sample: bytes) -> str:
    """charset-normalizer's answer for a sample that is not UTF-8, with cp1252 preferred: whenever a
    candidate decodes the sample as cp1252 would, or its best answer is another single-byte code page
    and the sample is valid cp1252 (what US EHR report writers produce)."""
    from charset_normalizer import from_bytes

    results = from_bytes(sample)
    if any("cp1252" in r.could_be_from_charset for r in results):
        return "cp1252"
    best = results.best()
    try:
        sample.decode("cp1252")
        valid_cp1252 = True
    except UnicodeDecodeError:
        valid_cp1252 = False
    if best is None or (valid_cp1252 and best.encoding.startswith(_WESTERN)):
        return "cp1252" if valid_cp1252 or best is None else best.encoding
    return best.encoding
