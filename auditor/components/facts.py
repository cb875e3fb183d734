"""Structured facts read from the note: drugs, doses, volumes, dates, pump,
performer. Checks on the claim and on refill intervals use them."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from auditor import rules
from auditor.components.doc_text import doc_text
from auditor.textscan import TextView, flatten_patterns, pattern_gate

if not Doc.has_extension("pump_facts"):
    Doc.set_extension("pump_facts", default=None)


def _num(s: str) -> float:
    return float(s.replace(",", "."))


class _Patterns:
    """Compiled fact patterns, built once per process from resources/facts.json."""

    def __init__(self) -> None:
        vocab = rules.facts_vocab()
        self.drug_of: dict[str, str] = {}
        for canon, names in vocab["drugs"].items():
            for n in names:
                self.drug_of[n.lower()] = canon
        names = "|".join(sorted((re.escape(n) for n in self.drug_of if n != "itb"), key=len, reverse=True))
        c = lambda p: rules.compile_checked(p, "resources/facts.json")  # noqa: E731
        conc = r"(?P<val>{NUM})\s*(?P<unit>mg|mcg|ug|µg|micrograms?|milligrams?)\s*/\s*(?:ml|cc)\b"
        self.drug_conc = c(r"\b(?P<drug>" + names + r")\b[^\n;]{0,40}?" + conc)
        self.conc_drug = c(conc + r"\s+(?:of\s+)?(?:pf\s+|preservative[-\s]free\s+)?(?P<drug>" + names + r")\b")
        self.drug_name = c(r"\b(?P<drug>" + names + r")\b")
        self.daily_dose = c(r"(?P<val>{NUM})\s*(?P<unit>mcg|mg|ug|µg)(?:{PERDAY})")
        self.from_to = c(r"\bfrom\s+(?P<a>{NUM})\s*(?P<ua>mcg|mg|ug|µg)?(?:{PERDAY})?\s+(?:to|->|→)\s+(?P<b>{NUM})\s*(?P<ub>mcg|mg|ug|µg)(?:{PERDAY})?")
        self.rate = c(r"(?P<val>{NUM})\s*(?:ml|cc)\s*/\s*(?P<per>day|d|24\s*h|hr|h|hour)\b")
        res = vocab["residual"]
        cm = lambda p, where: rules.compile_checked(p, f"resources/facts.json residual.{where}", re.I | re.M)  # noqa: E731
        self.expected = [cm(x, f"expected[{i}]") for i, x in enumerate(res["expected"])]
        self.actual = [cm(x, f"actual[{i}]") for i, x in enumerate(res["actual"])]
        self.corrected = [cm(x, f"corrected[{i}]") for i, x in enumerate(res["corrected"])]
        self.corrected_expected = [cm(x, f"corrected_expected[{i}]") for i, x in enumerate(res["corrected_expected"])]
        self.expected_context = cm(res["expected_context"], "expected_context")
        self.instilled = c(r"\b(?:instilled|injected|infused|installed|(?:re)?filled\s+(?:the\s+)?(?:pump\s+|reservoir\s+)?with|added|administered|placed)\s+(?:a\s+total\s+of\s+|approximately\s+|approx\.?\s+)?(?P<val>{NUM})\s*{ML}|(?P<val2>{NUM})[ \t]*{ML}[ \t]+(?:of[ \t]+(?:\S+[ \t]+){0,4}?)?(?:was[ \t]+)?(?:instilled|injected|infused|installed|administered|placed)\b|\bvolume\s+(?:instilled|injected|infused|added|filled)\s*[:=\-]?\s*(?P<val3>{NUM})")
        self.reservoir = c(r"\b8637-(?P<m>20|40)\b|\b(?P<val>10|18|20|30|35|40|60)\s*-?\s*(?:ml|cc)\s+(?:synchromed|prometra|codman|isomed|pump|reservoir|device)|\b(?:reservoir|pump)\s+(?:size|capacity)\s*[:=]?\s*(?P<val2>\d+)\s*(?:ml|cc)?")
        self.date = c(r"{DATE}")
        self.alarm = c(r"\b(?:alarm|lrad|lra)\s*(?:date|day)?\s*(?:is\s+|was\s+|set\s+(?:for|to)\s+|of\s+|on\s+|:|=|-)?\s*(?P<d>{DATE})")
        self.next_refill = c(r"\b(?:next\s+(?:pump\s+)?refill|refill\s+(?:due|by))\b[^\n\d]{0,30}?(?P<d>{DATE})")
        self.wasted = c(r"\b(?:wasted|discarded|waste|wastage)\b\s*(?:of\s+|amount\s*)?[:=]?\s*(?P<val>{NUM})\s*(?P<unit>ml|mg|mcg)\b|(?P<val2>{NUM})\s*(?P<unit2>ml|mg|mcg)\s+(?:\w+\s+){0,2}(?:wasted|discarded)\b")
        self.invoice = c(r"\b(?:invoice|inv\.?|p\.?o\.?|purchase\s+order)\s*(?:#|no\.?|number|num\.?)?\s*[:=]?\s*#?\s*(?P<ref>[a-z]{0,5}-?\d[\w-]*)")
        self.pump_kind = {kind: c(r"\b(?:" + "|".join(pats) + r")") for kind, pats in vocab["pumps"].items()}
        self.pump_word = {kind: c(r"\b(?:" + "|".join(pats) + r")") for kind, pats in vocab.get("pump_words", {}).items()}
        self.pump_model = c(r"\b(?:synchro-?med(?:\s*(?:ii|2|el))?(?:\s*\(?8637-?(?:20|40)\)?)?|8637-(?:20|40)|prometra(?:\s*(?:ii|2))?(?:\s*\d{2}\s*ml)?|codman(?:\s*3000)?|medstream|iso-?med)\b")
        self.compounded = c(r"\b(?:" + "|".join(vocab["compounded_words"]) + r")\b")
        self.role_words: list[tuple[str, re.Pattern[str]]] = [
            (role, c(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])")) for role, alts in vocab["roles"].items()
        ]
        self.performer = [c(p) for p in vocab["performer_patterns"]]
        self.signature = re.compile(rules.expand(vocab["signature_pattern"]))
        self.cosign = re.compile(rules.expand(vocab["cosign_pattern"]))
        self.inline_signoff = re.compile(rules.expand(vocab["inline_signoff_pattern"]))
        self.supervisor = c(vocab["supervisor_pattern"])
        # cheap test before the signature pattern: does the line end in a credential?
        creds = sorted({alt for alts in vocab["roles"].values() for alt in alts if "\\s" not in alt and " " not in alt}, key=len, reverse=True)
        self.credential_at_end = c(r"(?<![\w-])(?:" + "|".join(creds) + r")(?![\w-])[\s,.)]*(?:\(.*\))?\s*(?:(?:on\s+|at\s+|@\s*)?\d{1,2}[/:]\d{1,2}.*)?$")
        # one Hyperscan pass says which of the whole-note patterns below can match a note
        self.gate = pattern_gate(flatten_patterns([
            self.drug_conc, self.conc_drug, self.drug_name, self.daily_dose, self.from_to, self.rate, self.expected,
            self.actual, self.corrected, self.corrected_expected, self.instilled, self.reservoir, self.alarm, self.next_refill, self.wasted, self.invoice,
            self.pump_kind, self.pump_word, self.pump_model, self.compounded, self.performer, self.supervisor,
        ]))


@lru_cache(maxsize=1)
def patterns() -> _Patterns:
    return _Patterns()


_ROLE_ORDER = ("NP", "PA", "CNS", "LPN", "RN", "MA", "PharmD", "DO", "MD")


def role_of(text: str) -> str | None:
    """The credential a phrase names ('K. Lee, LPN' -> 'LPN'); None if it names none."""
    p = patterns()
    hits = {role for role, pat in p.role_words if pat.search(text)}
    if {"NP", "PA", "CNS"} & hits:
        hits -= {"RN"}  # "APRN", "RN, NP", "nurse practitioner"
    for role in _ROLE_ORDER:
        if role in hits:
            return role
    return None


def _span(m: re.Match[str], group: str | int = 0) -> dict[str, Any]:
    return {"start": m.start(group), "end": m.end(group), "text": m.group(group)}


def _first_val(m: re.Match[str], *groups: str) -> tuple[float, str] | None:
    for g in groups:
        if m.group(g):
            return _num(m.group(g)), g
    return None


def _earliest(g: TextView, pats: list[re.Pattern[str]], keep: Any = None) -> re.Match[str] | None:
    hits = [m for pat in pats for m in g.finditer(pat) if keep is None or keep(m)]
    return min(hits, key=lambda m: m.start()) if hits else None


def _residuals(text: str, g: TextView, p: _Patterns) -> dict[str, Any]:
    """Expected and actual residual volume, each with where it was read (resources/facts.json residual).

    The residual and interval claim checks read these; nothing else reads the residual again.
    """
    out: dict[str, Any] = {}
    exp = _earliest(g, p.corrected_expected) or _earliest(g, p.expected)
    if exp:
        out["residual_expected_ml"] = _num(exp.group("val"))
        out["residual_expected"] = _span(exp)
    act = _earliest(g, p.corrected)
    if act is None:
        def not_expected(m: re.Match[str]) -> bool:
            if exp and m.start("val") < exp.end("val") and exp.start("val") < m.end("val"):
                return False  # the expected volume is not the actual one (a told pair reads both, one each)
            before = text[max(0, m.start() - 25):m.start("val")]
            return not p.expected_context.search(before)
        act = _earliest(g, p.actual, not_expected)
    if act:
        out["residual_actual_ml"] = _num(act.group("val"))
        out["residual_actual"] = _span(act)
    return out


def extract_facts(text: str) -> dict[str, Any]:
    """Facts stated in the note, each with where it was read."""
    p = patterns()
    g = p.gate.view(text)
    facts: dict[str, Any] = {}
    drugs: list[dict[str, Any]] = []
    seen: set[tuple[str, float]] = set()
    for pat in (p.drug_conc, p.conc_drug):
        for m in g.finditer(pat):
            canon = p.drug_of.get(m.group("drug").lower(), m.group("drug").lower())
            unit = "mcg/mL" if m.group("unit").lower() in ("mcg", "ug", "µg") or m.group("unit").lower().startswith("micro") else "mg/mL"
            key = (canon, _num(m.group("val")))
            if key in seen:
                continue
            seen.add(key)
            drugs.append({"drug": canon, "concentration": _num(m.group("val")), "unit": unit, **_span(m)})
    named = sorted({d for m in g.finditer(p.drug_name) if (d := p.drug_of.get(m.group("drug").lower())) is not None})
    facts["drugs"] = drugs
    facts["drug_names"] = named
    facts["compounded"] = bool(g.search(p.compounded)) or len({d["drug"] for d in drugs}) > 1
    doses = [{"value": _num(m.group("val")), "unit": m.group("unit").lower().replace("ug", "mcg").replace("µg", "mcg") + "/day", **_span(m)} for m in g.finditer(p.daily_dose)]
    facts["daily_doses"] = doses
    ft = g.search(p.from_to)
    if ft:
        facts["dose_before"] = _num(ft.group("a"))
        facts["dose_after"] = _num(ft.group("b"))
        facts["dose_unit"] = (ft.group("ub") or "").lower() + "/day"
    elif doses:
        facts["dose_before"] = facts["dose_after"] = doses[0]["value"]
        facts["dose_unit"] = doses[0]["unit"]
    rate = g.search(p.rate)
    if rate:
        per = rate.group("per").lower()
        val = _num(rate.group("val"))
        facts["rate_ml_per_day"] = round(val * 24, 4) if per in ("hr", "h", "hour") else val
    facts.update(_residuals(text, g, p))
    for m in g.finditer(p.instilled):
        v = _first_val(m, "val", "val2", "val3")
        if v:
            facts["volume_instilled_ml"] = v[0]
            break
    res = g.search(p.reservoir)
    if res:
        facts["reservoir_ml"] = _num(res.group("m") or res.group("val") or res.group("val2"))
    alarm = g.search(p.alarm)
    if alarm:
        facts["alarm_date"] = alarm.group("d")
    nxt = g.search(p.next_refill)
    if nxt:
        facts["next_refill_date"] = nxt.group("d")
    w = g.search(p.wasted)
    if w:
        v = _first_val(w, "val", "val2")
        if v:
            facts["wasted_amount"] = v[0]
            facts["wasted_unit"] = (w.group("unit") or w.group("unit2") or "").lower()
    inv = g.search(p.invoice)
    if inv:
        facts["invoice_ref"] = inv.group("ref")
    model = g.search(p.pump_model)
    if model:
        facts["pump_model"] = model.group(0)
    kinds = [k for k, pat in p.pump_kind.items() if g.search(pat)] or [k for k, pat in p.pump_word.items() if g.search(pat)]
    facts["pump_type"] = kinds[0] if len(kinds) == 1 else ("programmable" if "programmable" in kinds else None)
    facts.update(_performer(text, g))
    sup = g.search(p.supervisor)
    if sup:
        facts["supervising_physician"] = sup.group("name").strip()
    return facts


# what ends the performer's name: an assistant, a supervisor, a second clause ("medical assistant" is a role, not an assist)
_ASSISTANT = re.compile(r"\b(?:with|(?<!medical )(?<!physician )assist\w*|and|while|under|per|supervis\w*|observed)\b|[ \t]{2,}|;", re.I)


_HEADING = re.compile(r"[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3},\s*(?P<cred>[A-Za-z]{2,5}(?:-[A-Za-z])?)\b[^:\n]{0,40}:\s*$")


def _heading_role(text: str, at: int) -> str | None:
    """The credential of a name heading the line a first-person statement opens ("Grace Abiola, MD, 07/18/2023: I ...")."""
    line = text[text.rfind("\n", 0, at) + 1:at]
    m = _HEADING.search(line)
    return role_of(m.group("cred")) if m else None


_DR_NAME = re.compile(r"^\s*(?i:dr\.?|doctor)\s+(?:[A-Z]\.\s*)?(?P<name>[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)")


def _doctor_credential(text: str, who: str) -> str | None:
    """"Dr. Valdez" is a physician; the note's own "Henrik Valdez, DO" (a header, a signature) says which kind."""
    m = _DR_NAME.match(who)
    if not m:
        return None
    surname = re.escape(m.group("name").split()[-1])
    cred = re.search(rf"\b{surname},?\s+(?P<cred>D\.?O\.?|M\.?D\.?)(?![A-Za-z])", text)
    return role_of(cred.group("cred").replace(".", "")) if cred else None


def _performer(text: str, g: TextView | None = None) -> dict[str, Any]:
    """Who did the service, read from the note: explicit statement first, then the signature."""
    p = patterns()
    g = g or p.gate.view(text)
    out: dict[str, Any] = {}
    # every statement, strongest pattern first: the visit model skips one copied forward from an earlier visit
    statements: list[dict[str, Any]] = []
    for pat in p.performer:
        for m in g.finditer(pat):
            # "Performed by: M. Oyelaran, DO   Assist: C. Estrada, RN": the performer, not the assistant
            who = _ASSISTANT.split(m.group("who"), maxsplit=1)[0]
            role = role_of(who)
            if role == "MD":
                role = _doctor_credential(text, who) or role
            if role is None and who.lower().startswith(("performed", "refilled", "accessed", "did", "completed", "interrogated")):
                # "I performed": whoever signs did it; an attestation's own heading names its signer
                # ("Attestation - Grace Abiola, MD, 07/18/2023: I personally performed the refill")
                role = _heading_role(text, m.start()) or "SIGNER"
            if role:
                statements.append({"role": role, **_span(m, "who")})
    if statements:
        out["performer_role"] = statements[0]["role"]
        out["performer_evidence"] = {k: statements[0][k] for k in ("start", "end", "text")}
        out["performer_statements"] = statements
    # the last short line that ends in a credential signs the note
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        sig = None
        if 2 < len(body) <= 120 and p.credential_at_end.search(body) and not p.cosign.match(body):
            sig = p.signature.match(body) or p.inline_signoff.search(body)
        elif len(body) > 120:
            sig = p.inline_signoff.search(body)  # "... Tol proc well. -JM RN": a long entry signed at its end
        role = role_of(sig.group("cred")) if sig else None
        if sig and role:
            out["signer_role"] = role
            out["signer_evidence"] = {"start": offset + sig.start("cred"), "end": offset + sig.end("cred"), "text": sig.group("cred")}
            out.setdefault("signer_roles", []).append(role)
        offset += len(line)
    return out


@Language.component("pump_facts")
def pump_facts(doc: Doc) -> Doc:
    doc._.pump_facts = extract_facts(doc_text(doc))
    return doc
