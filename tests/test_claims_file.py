"""`auditor audit --claims`: claim lines joined to notes, every line and note accounted for, streamed."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from auditor.claims_file import ClaimsJoin, billed_line, unmatched_path

REFILL = ("Pump refill. SynchroMed II 20 mL. Residual aspirated 3.0 mL (expected 3.1 mL). "
          "Instilled 20 mL morphine 25 mg/mL. Reservoir updated 20 mL. Drug purchased by practice, invoice 1234.")
NOTES = [
    {"note_id": "n1", "patient_id": "P1", "service_date": "2025-03-01", "author_role": "MD", "payer": "medicare", "text": REFILL},
    {"note_id": "n2", "patient_id": "P2", "service_date": "2025-03-02", "author_role": "MD", "payer": "medicare", "text": REFILL},
    {"note_id": "n3", "patient_id": "P3", "service_date": "2025-03-03", "author_role": "MD", "payer": "medicare", "text": REFILL},
    {"note_id": "n4", "patient_id": "P3", "service_date": "2025-03-03", "author_role": "MD", "payer": "medicare",
     "text": "Pump interrogation only, no refill today. Settings unchanged."},
    {"note_id": "n5", "patient_id": "P5", "service_date": "2025-03-05", "author_role": "MD", "payer": "medicare", "text": REFILL},
]
CLAIMS = [  # note_id, code, units, modifiers, patient_id, service_date
    ("n1", "95991", "", "", "", ""),
    ("n1", "J2274", "50", "JZ", "", ""),
    ("n1", "J2274", "50", "JZ", "", ""),          # a duplicate line: billed twice, so 100 units
    ("", "95991", "1", "", "P2", "2025-03-02"),   # no key: joins by patient and date
    ("", "J2274", "50", "JZ", "P2", "03/02/2025"),
    ("", "95991", "1", "", "P3", "2025-03-03"),   # two notes of P3 that day: ambiguous
    ("n9", "95991", "1", "", "", ""),             # orphan: no such note
    ("", "62367", "1", "", "P7", "2025-01-01"),   # orphan: no such visit
    ("n2", "bogus", "1", "", "", ""),             # no valid code
]
COLS = ["note_id", "code", "units", "modifiers", "patient_id", "service_date"]


def _write_notes(tmp_path: Path) -> Path:
    p = tmp_path / "notes.csv"
    pd.DataFrame(NOTES).to_csv(p, index=False)
    return p


def _write_claims(tmp_path: Path, fmt: str = "csv", rows=CLAIMS, cols=COLS) -> Path:
    frame = pd.DataFrame(rows, columns=cols)
    p = tmp_path / f"claims.{fmt}"
    if fmt == "csv":
        frame.to_csv(p, index=False)
    else:
        frame.to_parquet(p, index=False)
    return p


def _records(path: Path) -> dict[str, dict]:
    return {r["note_id"]: r for r in (json.loads(x) for x in path.read_text().splitlines())}


def _unmatched(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_claim_lines_join_by_key_or_patient_and_date_and_orphans_are_written_and_counted(cli, tmp_path, fmt):
    notes, claims = _write_notes(tmp_path), _write_claims(tmp_path, fmt)
    out = tmp_path / "audit.jsonl"
    code, _, err = cli("audit", notes, "--claims", claims, "--out", out)
    assert code == 0
    recs = _records(out)
    assert list(recs) == ["n1", "n2", "n3", "n4", "n5"]  # every note gets its record
    assert recs["n1"]["input"]["billed_codes"] == "95991;J2274x50-JZ;J2274x50-JZ"
    assert recs["n2"]["input"]["billed_codes"] == "95991;J2274x50-JZ"
    assert not recs["n5"].get("input", {}).get("billed_codes")
    assert recs["n5"]["findings"] == []  # a note with no claim lines gets no claim findings
    unmatched = _unmatched(tmp_path / "audit.unmatched_claims.csv")
    assert [(u["claims_row"], u["reason"]) for u in unmatched] == [
        ("6", "ambiguous: several notes of this patient on this date"),
        ("7", "no note with this note_id"),
        ("8", "no note of this patient on this date"),
        ("9", "no valid CPT/HCPCS code"),
    ]
    assert "claims: 9 lines, 5 joined, 4 unmatched" in err


def test_lines_for_two_notes_of_one_patient_on_one_date_go_to_neither(cli, tmp_path):
    notes, claims = _write_notes(tmp_path), _write_claims(tmp_path)
    out = tmp_path / "audit.jsonl"
    cli("audit", notes, "--claims", claims, "--out", out, "-q")
    recs = _records(out)
    assert not recs["n3"].get("input", {}).get("billed_codes")
    assert not recs["n4"].get("input", {}).get("billed_codes")


def test_lines_for_two_notes_on_one_date_join_each_by_its_key(cli, tmp_path):
    notes = _write_notes(tmp_path)
    claims = _write_claims(tmp_path, rows=[("n3", "95991", "1", "", "P3", "2025-03-03"),
                                           ("n4", "62367", "1", "", "P3", "2025-03-03")])
    out = tmp_path / "audit.jsonl"
    cli("audit", notes, "--claims", claims, "--out", out, "-q")
    recs = _records(out)
    assert recs["n3"]["input"]["billed_codes"] == "95991"
    assert recs["n4"]["input"]["billed_codes"] == "62367"
    assert _unmatched(tmp_path / "audit.unmatched_claims.csv") == []


def test_findings_with_claims_equal_findings_with_the_same_lines_in_billed_codes(cli, tmp_path):
    notes, claims = _write_notes(tmp_path), _write_claims(tmp_path)
    joined = tmp_path / "joined.jsonl"
    cli("audit", notes, "--claims", claims, "--out", joined, "-q")
    inline = [dict(n) for n in NOTES]
    inline[0]["billed_codes"] = "95991;J2274x50-JZ;J2274x50-JZ"
    inline[1]["billed_codes"] = "95991;J2274x50-JZ"
    p = tmp_path / "inline.csv"
    pd.DataFrame(inline).to_csv(p, index=False)
    direct = tmp_path / "direct.jsonl"
    cli("audit", p, "--out", direct, "-q")
    a, b = _records(joined), _records(direct)
    for nid in a:
        assert a[nid]["findings"] == b[nid]["findings"], nid
    assert [f["rule"] for f in a["n1"]["findings"]] == ["drug-units-mismatch"]  # the duplicate doubles the units


def test_claims_key_names_an_encounter_column(cli, tmp_path):
    notes = _write_notes(tmp_path)
    claims = _write_claims(tmp_path, rows=[("n2", "95991", "1", "")], cols=["encounter_id", "code", "units", "modifiers"])
    out = tmp_path / "audit.jsonl"
    code, _, _ = cli("audit", notes, "--claims", claims, "--claims-key", "encounter_id", "--out", out, "-q")
    assert code == 0
    assert _records(out)["n2"]["input"]["billed_codes"] == "95991"


def test_a_claims_file_without_code_or_join_columns_exits_2_with_one_line(cli, tmp_path):
    notes = _write_notes(tmp_path)
    bad = tmp_path / "claims.csv"
    bad.write_text("note_id,units\nn1,1\n")
    code, _, err = cli("audit", notes, "--claims", bad, "--out", tmp_path / "a.jsonl")
    assert code == 2 and "'code' column" in err and len(err.strip().splitlines()) == 1
    bad.write_text("code,units\n95991,1\n")
    code, _, err = cli("audit", notes, "--claims", bad, "--out", tmp_path / "b.jsonl")
    assert code == 2 and "patient_id and service_date" in err


def test_claim_lines_are_read_in_chunks_and_looked_up_per_note(tmp_path, monkeypatch):
    import auditor.claims_file as cf

    monkeypatch.setattr(cf, "READ_CHUNK", 2)
    rows = [(f"n{i}", "95990", "1", "", "", "") for i in range(7)]
    join = ClaimsJoin(_write_claims(tmp_path, rows=rows))
    assert join.lines == 7
    got = list(join.attach(iter([{"note_id": "n3"}, {"note_id": "n5"}])))
    assert [r["billed_codes"] for r in got] == ["95990", "95990"]
    left = join.finish(str(tmp_path / "u.csv"))
    assert left == 5 and join.matched() == 2
    join.close()


def test_billed_line_notation_round_trips_through_the_claim_parser():
    from auditor.checks.claims import parse_claim

    text = ";".join([billed_line("J2278", 240, []), billed_line("J2278", 260, ["JW"]), billed_line("99213", 1, ["25"])])
    assert text == "J2278x240;J2278x260-JW;99213-25"
    assert [(ln.code, ln.units, ln.modifiers) for ln in parse_claim(text)] == [
        ("J2278", 240.0, ()), ("J2278", 260.0, ("JW",)), ("99213", 1.0, ("25",))]


def test_unmatched_file_sits_next_to_the_output():
    assert unmatched_path("out/audit.jsonl", "c.csv") == "out/audit.unmatched_claims.csv"
    assert unmatched_path("-", "in/claims.parquet") == "in/claims.unmatched_claims.csv"
