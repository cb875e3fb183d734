"""A seeded generator of fictional, varied intrathecal pump visit notes for benchmarks.

Why: throughput and memory depend on note length, layout and how many rules
fire, so the benchmark needs many notes that look like real exports (template
fields, dictated prose, terse nursing lines) without using the gold notes or
any real patient. Every note is built from a random visit (drug, pump,
performer, refill or not, change or not, supervision, drug source) rendered
in one of three styles with many phrasings, padded to ~150-400 words.

    python -m bench.generate 1000 --seed 7 --out /tmp/notes.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

STYLES = ("templated", "narrative", "terse")
MIN_WORDS, MAX_WORDS = 150, 400

FIRST = ("Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonah", "Kira", "Leon", "Maya",
         "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Wade", "Yara", "Zane")
LAST = ("Abbott", "Brandt", "Castillo", "Dunmore", "Eklund", "Fairweather", "Galvez", "Hollis", "Ingram", "Jovanovic",
        "Kessler", "Lindqvist", "Moreau", "Nakagawa", "Okafor", "Pellegrini", "Quade", "Rasmussen", "Sandoval",
        "Thorne", "Underwood", "Valdez", "Whitlock", "Yilmaz", "Zielinski")
PUMPS = ("SynchroMed II 8637-20", "SynchroMed II 8637-40", "Prometra II 40 mL", "Prometra 20 mL",
         "Codman 3000 constant-flow", "IsoMed 35 mL constant-flow")
PAYERS = ("medicare", "medicare_advantage", "medicaid", "commercial")


@dataclass(frozen=True)
class Drug:
    name: str
    unit: str
    concentrations: tuple[float, ...]
    doses: tuple[float, ...]
    condition: str
    hcpcs: str


DRUGS = (
    Drug("baclofen", "mcg", (500.0, 1000.0, 2000.0), (150.0, 250.0, 350.0, 480.0, 600.0), "spasticity", "J0475"),
    Drug("morphine", "mg", (10.0, 20.0, 25.0), (1.5, 2.8, 4.0, 6.5), "pain", "J2274"),
    Drug("hydromorphone", "mg", (2.0, 5.0, 10.0), (0.4, 0.9, 1.6, 2.2), "pain", "J1170"),
    Drug("fentanyl", "mcg", (500.0, 1000.0), (150.0, 300.0, 450.0), "pain", "J3010"),
    Drug("ziconotide", "mcg", (25.0, 100.0), (1.2, 2.4, 4.8), "pain", "J2278"),
    Drug("bupivacaine/hydromorphone admixture", "mg", (15.0, 20.0), (6.0, 9.0, 12.0), "pain", "J3490"),
    Drug("clonidine/morphine admixture", "mcg", (500.0, 1000.0), (60.0, 120.0, 200.0), "pain", "J0735"),
)
DIAGNOSES = {
    "spasticity": ("spastic diplegia (CP)", "MS with lower-extremity spasticity", "spastic paraparesis after T8 SCI",
                   "post-stroke spastic hemiparesis", "hereditary spastic paraplegia"),
    "pain": ("failed back surgery syndrome", "lumbar post-laminectomy syndrome", "CRPS of the left leg",
             "metastatic pancreatic cancer pain", "chronic axial low back pain", "post-herpetic neuralgia T6-T8"),
}
HISTORY = (
    "No ED visits or hospitalizations since the last refill.",
    "Reports one fall at home three weeks ago without injury; PT notified.",
    "Sleeping 6-7 hours most nights.",
    "Bowel and bladder function at baseline, no new retention.",
    "Denies fever, headache, or drainage at the pump site.",
    "Working part time from home; drives short distances.",
    "Caregiver (spouse) present and contributes history.",
    "Mood stable, continues counseling every other week.",
    "Weight stable per clinic scale.",
    "Walks about two blocks with a rollator before resting.",
    "Reports occasional constipation managed with senna.",
    "No new neurologic symptoms, no bowel or bladder changes.",
)
EXAM = (
    "Alert, oriented, conversant, in no distress.",
    "Gait slow with cane, no ataxia.",
    "Lower extremity strength 4/5 symmetric, sensation grossly intact.",
    "Modified Ashworth 2 at bilateral hamstrings, 1+ at adductors.",
    "Lungs clear, regular rate and rhythm.",
    "Pump pocket flat, incision well healed, no erythema or fluid.",
    "Lumbar paraspinal tenderness, straight leg raise negative.",
    "Skin intact over sacrum and heels.",
)
MEDS = (
    "oxycodone 5 mg up to twice daily", "gabapentin 600 mg tid", "duloxetine 60 mg daily", "tizanidine 4 mg qhs",
    "acetaminophen 1 g bid", "senna 8.6 mg qhs", "oxybutynin 5 mg bid", "dantrolene 25 mg bid", "naproxen 500 mg prn",
)
GOALS = (
    "walk to the mailbox without the walker", "sit through a full church service", "return to light gardening",
    "transfer to the commode independently", "sleep through the night without waking from pain",
    "reduce oral opioid use to zero", "tolerate a 30-minute outpatient PT session", "care for grandchildren two days a week",
)


@dataclass
class Visit:
    """One fictional visit: the facts every style renders from."""
    note_id: str
    patient_id: str
    service_date: date
    patient: str
    age: int
    sex: str
    diagnosis: str
    pump: str
    drug: Drug
    conc: float
    dose: float
    new_dose: float | None
    new_conc: float | None
    refill: bool
    reservoir: float
    residual: float
    instilled: float
    alarm_date: date
    role: str
    author: str
    physician: str
    supervised: bool
    source: str  # practice | pharmacy | patient
    invoice: str
    lot: str
    pain_before: int
    pain_now: int
    goal: str
    payer: str
    billed_codes: str
    change_why: str | None
    response_doc: bool
    goals_doc: bool
    condition_doc: bool


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _fmt(x: float) -> str:
    return f"{x:.1f}" if x != int(x) else f"{int(x)}"


def _visit(rng: random.Random, i: int) -> Visit:
    drug = rng.choice(DRUGS)
    conc = rng.choice(drug.concentrations)
    dose = rng.choice(drug.doses)
    refill = rng.random() < 0.82
    changed = rng.random() < 0.35
    new_dose = new_conc = None
    if changed:
        if rng.random() < 0.75:
            new_dose = round(dose * rng.choice((0.85, 0.9, 1.1, 1.15, 1.2)), 1)
        else:
            new_conc = rng.choice([c for c in drug.concentrations if c != conc] or [conc * 2])
    role = rng.choices(("MD", "DO", "NP", "PA", "RN", "LPN", "MA"), weights=(30, 8, 14, 8, 28, 6, 6))[0]
    physician = f"Dr. {rng.choice(LAST)}"
    author = physician.replace("Dr. ", f"{rng.choice(FIRST)} ") + ", " + role if role in ("MD", "DO") else f"{_name(rng)}, {role}"
    reservoir = rng.choice((20.0, 40.0)) if refill else round(rng.uniform(6, 30), 1)
    residual = round(rng.uniform(1.0, 6.0), 1)
    instilled = reservoir
    source = rng.choices(("practice", "pharmacy", "patient"), weights=(60, 30, 10))[0] if refill else "none"
    day = date(2026, 1, 5) + timedelta(days=rng.randrange(0, 300))
    units = max(1, int(instilled * conc / (1000 if drug.unit == "mcg" else 1)))
    codes = ["95990" if role in ("RN", "LPN", "MA") and refill else ("95991" if refill else "62368")]
    if refill and source == "practice":
        codes.append(f"{drug.hcpcs}x{units}")
    if role in ("MD", "DO", "NP", "PA") and rng.random() < 0.4:
        codes.append("99213-25")
    why = None
    if (new_dose or new_conc) and rng.random() < 0.8:
        why = rng.choice((
            "breakthrough pain most evenings", "daytime sedation at the current rate", "nocturnal spasms waking him",
            "lower-extremity edema", "planned wean per patient goals", "protocol titration toward target dose",
            "supply of the prior concentration discontinued", "pain back to 7/10 by the end of each interval",
        ))
    return Visit(
        note_id=f"bench-{i:07d}", patient_id=f"BP-{rng.randrange(1, 4000):05d}", service_date=day,
        patient=_name(rng), age=rng.randrange(24, 88), sex=rng.choice(("M", "F")),
        diagnosis=rng.choice(DIAGNOSES[drug.condition]), pump=rng.choice(PUMPS), drug=drug, conc=conc, dose=dose,
        new_dose=new_dose, new_conc=new_conc, refill=refill, reservoir=reservoir, residual=residual,
        instilled=instilled, alarm_date=day + timedelta(days=rng.randrange(35, 120)), role=role, author=author,
        physician=physician, supervised=rng.random() < 0.6, source=source, invoice=f"INV-{rng.randrange(10**5, 10**6)}",
        lot=f"{rng.choice('ABCDKLMX')}{rng.randrange(1000, 99999)}", pain_before=rng.randrange(5, 10),
        pain_now=rng.randrange(1, 8), goal=rng.choice(GOALS), payer=rng.choice(PAYERS), billed_codes=";".join(codes),
        change_why=why, response_doc=rng.random() < 0.8, goals_doc=rng.random() < 0.65,
        condition_doc=rng.random() < 0.75,
    )


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _response(rng: random.Random, v: Visit) -> str:
    if not v.response_doc:
        return _pick(rng, f"Pain {v.pain_now}/10.", f"Pain score today {v.pain_now}/10.", "")
    if v.drug.condition == "spasticity":
        return _pick(
            rng,
            "Spasms well controlled on the current dose, no weakness or drowsiness.",
            "Tone much improved since the pump; tolerating current dose without sedation.",
            f"Reports {rng.choice(('fewer', 'more frequent'))} night spasms on the current rate; no nausea, no headache.",
            "Caregiver says stretching is easier on the current ITB dose; no excess weakness.",
        )
    return _pick(
        rng,
        f"Relief holding on the current rate, pain {v.pain_now}/10 (was {v.pain_before}/10 before the pump).",
        f"Reports {rng.randrange(40, 80)}% relief from intrathecal therapy, no pruritus, no urinary retention.",
        f"No better on the current rate, pain {v.pain_before}/10 despite the pump.",
        "Tolerating current dose without sedation or constipation; breakthrough pain about twice a week.",
        "Intrathecal therapy continues to control leg pain; able to stand to cook.",
    )


def _change(rng: random.Random, v: Visit) -> str:
    unit = f"{v.drug.unit}/day"
    if v.new_dose:
        what = _pick(rng, f"Daily dose increased from {_fmt(v.dose)} to {_fmt(v.new_dose)} {unit}",
                     f"Rate adjusted: {_fmt(v.dose)} -> {_fmt(v.new_dose)} {unit}",
                     f"Reprogrammed to {_fmt(v.new_dose)} {unit} (prior {_fmt(v.dose)})")
        if v.new_dose < v.dose:
            what = what.replace("increased", "decreased")
    elif v.new_conc:
        what = (f"Concentration changed from {_fmt(v.conc)} to {_fmt(v.new_conc)} {v.drug.unit}/mL, "
                f"same daily dose {_fmt(v.dose)} {unit}")
    else:
        return _pick(rng, "No changes to prescription.", "Continue current settings.",
                     f"Dose unchanged at {_fmt(v.dose)} {unit}.", "Same drug, concentration and rate.")
    if v.change_why:
        return what + _pick(rng, f" because of {v.change_why}.", f" for {v.change_why}.", f"; reason: {v.change_why}.")
    return what + _pick(rng, f" per {v.physician}.", ".", " as ordered.")


def _pump_lines(rng: random.Random, v: Visit) -> list[str]:
    if not v.refill:
        return [f"Interrogation: reservoir {_fmt(v.reservoir)} mL, alarms none, infusing as programmed.",
                f"Low reservoir alarm set for {v.alarm_date:%m/%d/%Y}."]
    before = _pick(rng, f"Residual aspirated {_fmt(v.residual)} mL (expected {_fmt(round(v.residual + 0.2, 1))} mL).",
                   f"Pre-refill reservoir volume {_fmt(v.residual)} mL, no alarms.",
                   "Residual removed.", f"Low reservoir alarm sounding on arrival; residual {_fmt(v.residual)} mL.")
    after = _pick(rng, f"Instilled {_fmt(v.instilled)} mL; reservoir volume updated to {_fmt(v.reservoir)} mL.",
                  f"New alarm date {v.alarm_date:%m/%d/%Y}, next refill due {v.alarm_date - timedelta(days=7):%m/%d/%Y}.",
                  f"Refilled with {_fmt(v.instilled)} mL.", "Post-refill printout: see flowsheet.",
                  f"Post-refill interrogation confirms infusing at {_fmt(v.new_dose or v.dose)} {v.drug.unit}/day.")
    return [before, after]


def _supervision(rng: random.Random, v: Visit) -> str:
    if v.role in ("MD", "DO"):
        return _pick(rng, "Procedure performed personally.", "")
    if v.role in ("NP", "PA") and rng.random() < 0.3:
        return "Billed under my own NPI."
    if v.supervised:
        return _pick(rng, f"{v.physician} present in the office suite throughout the refill.",
                     f"[x] Supervising physician {v.physician} on site", f"Direct supervision: {v.physician}, in clinic.")
    return _pick(rng, f"{v.physician} available by phone.", f"Routed to {v.physician} for co-signature.",
                 "[ ] Supervising physician present", "")


def _source(rng: random.Random, v: Visit) -> str:
    if v.source == "practice":
        return _pick(rng, f"Drug purchased by the practice, invoice # {v.invoice} on file.",
                     f"Clinic stock, lot {v.lot}, exp 11/2027.", f"Proof of purchase on file (PO {v.invoice}).",
                     f"Lot {v.lot}.")
    if v.source == "pharmacy":
        return _pick(rng, "Drug dispensed and billed by the specialty pharmacy.",
                     f"Compounded by outside pharmacy, lot {v.lot}; pharmacy bills the drug.")
    if v.source == "patient":
        return "Patient brought the syringe from the home-infusion pharmacy."
    return "No drug instilled today."


def _condition(rng: random.Random, v: Visit, k: int) -> list[str]:
    if not v.condition_doc:
        return [_pick(rng, "Pump pocket clean and dry.", "BP 128/76, HR 70.")]
    lines = rng.sample(HISTORY, k=min(k, len(HISTORY)))
    lines.append("Meds reviewed: " + ", ".join(rng.sample(MEDS, k=rng.randrange(1, 4))) + ".")
    lines += rng.sample(EXAM, k=min(max(1, k // 2), len(EXAM)))
    return lines


def _goals(rng: random.Random, v: Visit) -> str:
    if not v.goals_doc:
        return _pick(rng, "Goals: ***", "Continue established plan of care.", "")
    return _pick(rng, f"Goal remains to {v.goal}; progressing, continue intrathecal therapy.",
                 f"Treatment goals reviewed today: {v.goal}.", f"Patient's goal: {v.goal} - partially met.")


def _templated(rng: random.Random, v: Visit, k: int) -> str:
    head = _pick(rng, "INTRATHECAL PUMP " + ("REFILL" if v.refill else "INTERROGATION"), "Pump Management Visit",
                 "IT DRUG DELIVERY SYSTEM - OFFICE VISIT")
    lines = [head, f"DOS: {v.service_date:%m/%d/%Y}", f"Patient: {v.patient}  Age/Sex: {v.age}{v.sex}",
             f"Dx: {v.diagnosis}", "", "HPI / INTERVAL HISTORY", _response(rng, v), *_condition(rng, v, k), "",
             "DEVICE", f"Pump: {v.pump}", f"Drug: {v.drug.name} {_fmt(v.conc)} {v.drug.unit}/mL",
             f"Dose: {_fmt(v.dose)} {v.drug.unit}/day   Mode: simple continuous", *_pump_lines(rng, v), "",
             "PLAN", _change(rng, v), _goals(rng, v), "", "DRUG SOURCE", _source(rng, v), "",
             "SUPERVISION", _supervision(rng, v) or "N/A", "", f"Signed: {v.author}"]
    return "\n".join(lines)


def _narrative(rng: random.Random, v: Visit, k: int) -> str:
    opener = _pick(rng, f"{v.patient} is a {v.age}-year-old with {v.diagnosis} seen today for ",
                   f"Seen today is {v.patient}, {v.age}, with a history of {v.diagnosis}, for ",
                   f"This {v.age} y/o patient with {v.diagnosis} returns for ")
    visit = "a scheduled refill of the intrathecal pump." if v.refill else "interrogation of the intrathecal pump."
    para1 = opener + visit + " " + _response(rng, v) + " " + " ".join(_condition(rng, v, k))
    para2 = (f"The {v.pump} was interrogated and found to contain {v.drug.name} {_fmt(v.conc)} {v.drug.unit}/mL "
             f"at {_fmt(v.dose)} {v.drug.unit}/day. " + " ".join(_pump_lines(rng, v)) + " " + _source(rng, v))
    para3 = " ".join(x for x in (_change(rng, v), _goals(rng, v), _supervision(rng, v)) if x)
    sig = f"Electronically signed by {v.author} on {v.service_date:%m/%d/%Y}."
    return "\n\n".join((para1, para2, para3, sig))


def _terse(rng: random.Random, v: Visit, k: int) -> str:
    lines = [f"{v.service_date:%m/%d/%y} {'ITP refill' if v.refill else 'ITP interrog'} - {v.drug.name} "
             f"{_fmt(v.conc)}{v.drug.unit}/mL @ {_fmt(v.dose)}{v.drug.unit}/d, {v.pump}",
             "S: " + _response(rng, v), "S: " + " ".join(_condition(rng, v, k)),
             *("O: " + p for p in _pump_lines(rng, v)), "A/P: " + _change(rng, v), _goals(rng, v),
             "Drug: " + _source(rng, v), _supervision(rng, v), f"-- {v.author}"]
    return "\n".join(x for x in lines if x.strip())


_RENDER = {"templated": _templated, "narrative": _narrative, "terse": _terse}


def _extras(rng: random.Random, v: Visit) -> list[tuple[str, list[str]]]:
    """Neutral blocks real notes carry (procedure, printout, ROS, education), in random order."""
    vol = _fmt(v.instilled)
    blocks = [
        ("Procedure", [
            _pick(rng, "Consent verified, time-out performed.", "Verbal consent obtained after risks were reviewed."),
            _pick(rng, "Site prepped with chlorhexidine x3 and draped sterile.", "Betadine prep, sterile field."),
            _pick(rng, "22G non-coring Huber needle placed via template into the central port.",
                  "Refill kit needle advanced through the septum on the first pass."),
            f"Aspiration confirmed every 5 mL during the {vol} mL fill; no resistance.",
            _pick(rng, "Needle removed, bandage applied.", "Site dressed; patient tolerated the procedure well."),
        ]),
        ("Printout", [
            f"Model {v.pump} | Drug {v.drug.name} | Conc {_fmt(v.conc)} {v.drug.unit}/mL",
            f"Daily dose {_fmt(v.new_dose or v.dose)} {v.drug.unit}/day | Bolus none | PTM "
            + _pick(rng, "disabled", "enabled, 4 activations/day max"),
            f"Battery ERI {rng.randrange(2027, 2034)}-{rng.randrange(1, 13):02d}",
        ]),
        ("ROS", [
            _pick(rng, "Negative for fever, chills, night sweats.", "No fevers or chills."),
            _pick(rng, "No chest pain or shortness of breath.", "Cardiopulmonary ROS negative."),
            _pick(rng, "No new numbness or weakness reported.", "Denies saddle anesthesia."),
            _pick(rng, "Appetite fair.", "Appetite unchanged."),
        ]),
        ("Allergies", [_pick(rng, "NKDA.", "Penicillin (rash).", "Sulfa - hives.", "Latex sensitivity.")]),
        ("Education", [
            "Reviewed signs of withdrawal and overdose and when to call the clinic or 911.",
            _pick(rng, "Patient carries the pump ID card.", "MRI precautions reviewed; pump ID card in wallet."),
            "Return sooner for alarm tones, fever, or new weakness.",
        ]),
        ("Social", [_pick(rng, "Lives with spouse in a single-level home.", "Lives alone, daughter checks daily."),
                    _pick(rng, "Never smoker.", "Former smoker, quit 2015.", "Rare alcohol.")]),
        ("Follow-up", [f"Return {v.alarm_date - timedelta(days=rng.randrange(5, 12)):%m/%d/%Y} for refill or sooner as needed.",
                       _pick(rng, "Scheduler to confirm by phone.", "Appointment card given.")]),
    ]
    rng.shuffle(blocks)
    return blocks


def _add_block(style: str, text: str, title: str, lines: list[str]) -> str:
    """Insert a block before the signature line, laid out as the style lays out sections."""
    head, sig = text.rsplit("\n", 1)
    head = head.rstrip("\n")
    if style == "templated":
        block = "\n\n" + title.upper() + "\n" + "\n".join(lines) + "\n\n"
    elif style == "narrative":
        block = "\n\n" + " ".join(lines) + "\n\n"
    else:
        block = "\n" + title + ": " + " ".join(lines) + "\n"
    return head + block + sig


def render(rng: random.Random, v: Visit, style: str) -> str:
    """Render a visit, then add neutral blocks until it reaches a random length in MIN_WORDS..MAX_WORDS."""
    target = rng.randrange(MIN_WORDS, MAX_WORDS - 20)
    k = rng.randrange(2, 7)
    text = _RENDER[style](rng, v, k)
    for title, lines in _extras(rng, v):
        if len(text.split()) >= target:
            break
        text = _add_block(style, text, title, lines)
    while len(text.split()) < MIN_WORDS:
        text = _add_block(style, text, "Addendum", rng.sample(HISTORY, k=4))
    return text


def generate(n: int, seed: int = 0, start: int = 0) -> Iterator[dict]:
    """Yield `n` rows in the audit contract's input columns; the same seed gives the same notes."""
    for i in range(start, start + n):
        rng = random.Random(f"{seed}:{i}")
        v = _visit(rng, i)
        style = rng.choice(STYLES)
        yield {
            "note_id": v.note_id, "text": render(rng, v, style), "patient_id": v.patient_id,
            "service_date": v.service_date.isoformat(), "author": v.author,
            "author_role": v.role if rng.random() < 0.85 else None, "payer": v.payer, "billed_codes": v.billed_codes,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="-", help="JSONL path, - for stdout")
    a = ap.parse_args(argv)
    fh = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    try:
        for row in generate(a.n, a.seed):
            fh.write(json.dumps(row) + "\n")
    finally:
        if fh is not sys.stdout:
            fh.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
