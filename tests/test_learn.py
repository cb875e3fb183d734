"""The learned second opinion: model files, the hybrid's rules of combination, the review loop."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from auditor import learn
from auditor.learn import store
from auditor.learn.concepts import BY_NAME
from auditor.learn.hybrid import NoteView, open_concepts
from auditor.learn.predict import clear_cache, load_models

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def models_copy(tmp_path, monkeypatch):
    """A copy of the shipped models in a folder the auditor is pointed at ($PUMP_AUDITOR_MODELS)."""
    folder = tmp_path / "models"
    shutil.copytree(store.shipped_dir(), folder)
    monkeypatch.setenv("PUMP_AUDITOR_MODELS", str(folder))
    clear_cache()
    yield folder
    clear_cache()


def _span(label, start, end, text, sent, discounted=(), mods=()):
    return {"label": label, "rule": "t", "start": start, "end": end, "text": text[start:end], "sect": "", "sent": sent,
            "mods": [{"cat": m} for m in mods], "discounted_by": list(discounted), "polarity": "", "virtual": False, "flags": []}


def test_shipped_models_load_with_a_card_beside_each():
    models = load_models(store.shipped_dir())
    assert models is not None and set(models.names) == set(BY_NAME)
    for name in models.names:
        card = store.shipped_dir() / f"{name}.card.md"
        assert card.is_file() and "Cross-validated figures on dev" in card.read_text(encoding="utf-8")


def test_stacked_scores_equal_each_models_predict_proba():
    models = load_models(store.shipped_dir())
    sents = ["Pump refilled with 20 mL of baclofen.", "Spasms well controlled on the current dose.",
             "Dr. Lee was in the suite throughout.", "Invoice 4471 on file for the drug."]
    got = models.score(sents)
    X = models.features(sents)
    for j, name in enumerate(models.names):
        assert np.allclose(got[:, j], models.classifiers[name].predict_proba(X)[:, 1], atol=1e-9)


def test_untrusted_type_in_a_model_file_fails_with_one_line(models_copy, cli, tmp_path):
    from fractions import Fraction  # any type not on the trusted list

    store.save({"evil": Fraction(1, 3)}, models_copy / "goals.skops")
    gold = tmp_path / "gold.jsonl"  # five held-out notes reach the model load as well as 1,638 do
    lines = [line for line in (REPO / "annotations" / "gold.jsonl").open(encoding="utf-8")
             if json.loads(line).get("split") == "heldout"]
    gold.write_text("".join(lines[:5]), encoding="utf-8")
    code, out, err = cli("evaluate", gold, "--split", "heldout", "--mode", "hybrid")
    assert code == 2
    assert err.count("\n") == 1 and "untrusted type fractions.Fraction" in err and "goals.skops" in err


def test_missing_features_fall_back_to_rules_with_a_warning_naming_the_file(models_copy, nlp):
    from auditor.audit import audit_rows

    (models_copy / "features.skops").unlink()
    rows = [{"note_id": "a", "text": "Pump refilled with 20 mL.\nmom says spasms controlled, no issues."}]
    with pytest.warns(RuntimeWarning, match="features.skops: model file missing; deciding with the rules") as rec:
        got = audit_rows(nlp, rows, mode="hybrid")
    assert all("spasms" not in str(w.message) for w in rec)  # no note text in the warning
    assert got == audit_rows(nlp, rows, mode="rules")


def test_a_corrupt_concept_file_drops_only_that_concept(models_copy):
    (models_copy / "goals.skops").write_bytes(b"not a zip")
    with pytest.warns(RuntimeWarning, match="goals.skops: model file unreadable"):
        models = load_models()
    assert models is not None and "goals" not in models.names and "dose_response" in models.names


def test_model_evidence_says_its_source_model_and_probability(nlp):
    text = "Pump refilled with 20 mL.\nmom says spasms still controlled at night, no issues."
    rules = learn_record(nlp, text, "rules")
    hybrid = learn_record(nlp, text, "hybrid")
    assert rules["elements"]["dose_response"]["status"] == "missing"
    el = hybrid["elements"]["dose_response"]
    assert el["status"] == "met" and el["disagreement"] is True
    (ev,) = [e for e in el["evidence"] if e["source"] == "model"]
    assert ev["model"] == "dose_response" and ev["probability"] >= load_models().threshold("dose_response", "hybrid")
    assert text[ev["start"]:ev["end"]] == ev["text"]
    assert all(e["source"] == "rule" and e["rule"] for e in hybrid["elements"]["pump_status"]["evidence"])
    assert "dose_response" in learn.disagreements(hybrid) and learn.disagreements(rules) == []


def learn_record(nlp, text, mode, **meta):
    from auditor.audit import audit_rows

    return audit_rows(nlp, [{"note_id": "n", "text": text, **meta}], mode=mode)[0]


def test_context_still_discounts_what_the_model_proposes(nlp):
    """The same wording the model proposes is not proposed when it is planned, placeholder or a relative's."""
    for text in ("Pump refilled with 20 mL.\nwill ask whether spasms are still controlled at night next visit.",
                 "Pump refilled with 20 mL.\nResponse to dose: ***"):
        rec = learn_record(nlp, text, "hybrid")
        assert not [e for e in rec["elements"]["dose_response"]["evidence"] if e.get("source") == "model"]
    rec = learn_record(nlp, "Pump refilled with 20 mL.\nPt's son is a physician and was present in the room.", "hybrid", author_role="RN")
    assert rec["elements"]["incident_to"]["status"] == "missing"


def test_a_sentence_with_a_discounted_span_of_the_concept_is_not_proposed():
    text = "Goals: [ ] walking\nFeels well."
    pump = {"sentences": [[0, 18], [19, 30]], "spans": [_span("GOALS", 0, 18, text, 0, discounted=["PLACEHOLDER"])]}
    view = NoteView(pump, text)
    assert not view.qualifies(BY_NAME["goals"], 0, "hybrid")
    assert view.qualifies(BY_NAME["goals"], 1, "hybrid")


def test_a_rules_negation_is_never_overruled():
    text = "Refill not done today.\nPump reservoir topped up per protocol."
    pump = {"sentences": [[0, 22], [23, len(text)]], "spans": [_span("EVT_NO_REFILL", 0, 22, text, 0)]}
    record = {"elements": {}, "facts": {"refill": False}}
    names = [c.name for c in open_concepts(record, NoteView(pump, text), load_models(store.shipped_dir()), "model")]
    assert "refill_done" not in names


def test_rules_mode_leaves_the_record_as_decide_made_it(nlp):
    rec = learn_record(nlp, "Pump refilled with 20 mL.\nmom says spasms controlled.", "rules")
    assert "mode" not in rec and all("disagreement" not in el for el in rec["elements"].values())


def test_default_mode_is_the_recorded_best_and_rules_without_models(models_copy):
    assert learn.default_mode() == json.loads((store.shipped_dir() / "default_mode.json").read_text())["default_mode"]
    (models_copy / "manifest.json").unlink()
    clear_cache()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert learn.default_mode() == "rules"


# ---------------------------------------------------------------------------------- review loop

UNSEEN = "Drug came out of our buy-and-bill stock, acquisition ref QT-0912."


def _small_annotations(folder: Path) -> Path:
    """A quick training set: 60 dev gold notes and 300 dev fragments of one phrase bank."""
    folder.mkdir()
    gold = [json.loads(line) for line in open(REPO / "annotations" / "gold.jsonl", encoding="utf-8")]
    dev = [n for n in gold if n["split"] == "dev"][:60]
    (folder / "gold.jsonl").write_text("".join(json.dumps(n) + "\n" for n in dev), encoding="utf-8")
    bank = [json.loads(line) for line in open(REPO / "annotations" / "phrasebank.jsonl", encoding="utf-8")]
    (folder / "phrasebank.jsonl").write_text("".join(json.dumps(i) + "\n" for i in [b for b in bank if b["split"] == "dev"][:300]), encoding="utf-8")
    return folder


def _reviews(folder: Path, annotations: Path) -> Path:
    """A reviewer's corrections on four notes: unusual purchase wording the rules miss, marked as evidence."""
    folder.mkdir()
    notes = [json.loads(line) for line in open(annotations / "gold.jsonl", encoding="utf-8")]
    notes = [n for n in notes if n["labels"]["drug_cost"]["status"] == "missing"][:4]
    lines = []
    for k, n in enumerate(notes):
        quote = f"Medication supplied from clinic buy-and-bill stock, acquisition ref ZX-44{k}1."
        text = n["text"] + "\n" + quote
        labels = json.loads(json.dumps(n["labels"]))
        labels["drug_cost"] = {"status": "met", "evidence": [{"text": quote, "start": len(text) - len(quote), "end": len(text)}]}
        lines.append(json.dumps({"note_id": f"rev-{k}", "text": text, "labels": labels, "reviewer": "cdi-1",
                                 "reviewed_at": "2026-12-01T10:00:00+00:00", "source": "review"}))
    (folder / "cdi-1.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_reviewers_corrections_change_the_models_decision_on_similar_unseen_sentences(tmp_path, cli):
    ann = _small_annotations(tmp_path / "ann")
    reviews = _reviews(tmp_path / "reviews", ann)
    code, _, err = cli("train", "--annotations", ann, "--out", tmp_path / "before")
    assert code == 0, err
    code, _, err = cli("train", "--annotations", ann, "--reviews", reviews, "--out", tmp_path / "after")
    assert code == 0, err
    after = json.loads((tmp_path / "after" / "manifest.json").read_text())
    assert after["data"]["reviews"] == 4
    probs = {}
    for run in ("before", "after"):
        m = load_models(tmp_path / run)
        probs[run] = (m.score([UNSEEN])[0, m.column("drug_purchase")], m.threshold("drug_purchase", "model"))
    assert probs["before"][0] < probs["before"][1] and probs["after"][0] >= probs["after"][1]
    assert (tmp_path / "after" / "drug_purchase.card.md").is_file()


def test_training_is_deterministic(tmp_path, nlp):
    from auditor.learn.train import train

    ann = _small_annotations(tmp_path / "ann")
    for out in ("a", "b"):
        train(ann, tmp_path / out, nlp=nlp, concepts=["goals"], c_grid=(10.0,), choose=False, log=lambda s: None)
    sents = ["Goals reviewed: walk the dog and sleep through the night.", "Pain 6/10."]
    a, b = load_models(tmp_path / "a").score(sents), load_models(tmp_path / "b").score(sents)
    assert np.array_equal(a, b)


def test_keep_c_reuses_each_concepts_c_from_the_manifest_and_fits_one_c_per_concept(tmp_path, nlp):
    from auditor.learn.train import kept_c, train

    shipped = kept_c()
    assert set(shipped) == set(json.loads((REPO / "auditor/resources/models/manifest.json").read_text())["concepts"])
    assert all(len(cs) == 1 and cs[0] > 0 for cs in shipped.values())
    ann = _small_annotations(tmp_path / "ann")
    manifest = train(ann, tmp_path / "m", nlp=nlp, concepts=["goals", "drug_purchase"],
                     c_grid={"goals": (3.0,), "drug_purchase": (100.0,)}, choose=False, log=lambda s: None)
    assert {n: c["cv"]["C"] for n, c in manifest["concepts"].items()} == {"goals": 3.0, "drug_purchase": 100.0}


def test_cli_audit_without_models_warns_once_naming_the_file_and_audits_with_rules(tmp_path, monkeypatch, cli):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("PUMP_AUDITOR_MODELS", str(missing))
    clear_cache()
    try:
        code, _, err = cli("audit", REPO / "samples" / "notes.jsonl", "--out", tmp_path / "out.jsonl", "--mode", "hybrid", "-q")
    finally:
        clear_cache()
    assert code == 0
    lines = [ln for ln in err.splitlines() if "warning" in ln]
    assert lines == [f"auditor: warning: {missing.resolve() / 'manifest.json'}: model manifest missing; deciding with the rules"]
    recs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(recs) == 20 and all("mode" not in r for r in recs)


def test_the_mode_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("PUMP_AUDITOR_MODE", "model")
    assert learn.default_mode() == "model"
    assert learn.resolve_mode("rules") == "rules"


def test_a_model_reason_far_from_the_change_counts_only_from_the_anywhere_threshold(nlp):
    """Guideline: an implied reason need not sit beside the change; the model's far sentence counts at or
    above threshold_anywhere (chosen by `auditor train` on dev), below it the rules' placement applies."""
    from auditor.audit import META_COLUMNS, decide_note
    from auditor.learn.hybrid import NoteView, combine
    from auditor.learn.train import _Sim

    text = ("Basal increased from 400 to 440 mcg/day.\nPump refilled with 20 mL.\nAspirated 3 mL.\nAlarm set.\n"
            "Her legs lock up every evening when she tries to get into bed.\n")
    doc = nlp(text)
    record, pump = decide_note("n", doc._.pump, {c: None for c in META_COLUMNS}, text)
    assert record["elements"]["change_reason"]["status"] == "missing"
    view = NoteView(pump, text)
    far = len(view.sentences) - 1
    names = ["change_reason"]
    probs = {"change_reason": {far: 0.8}}
    near_only = combine(record, view, probs, _Sim(names, {"change_reason": 0.5}, anywhere={"change_reason": 0.9}), "hybrid", {})
    assert near_only["elements"]["change_reason"]["status"] == "missing"
    anywhere = combine(record, view, probs, _Sim(names, {"change_reason": 0.5}, anywhere={"change_reason": 0.7}), "hybrid", {})
    assert anywhere["elements"]["change_reason"]["status"] == "met"
    assert any(e.get("source") == "model" for e in anywhere["elements"]["change_reason"]["evidence"])


def test_scoring_survives_the_sentence_cache_filling_up_within_one_call(monkeypatch):
    from auditor.learn import predict

    models = load_models(store.shipped_dir())
    monkeypatch.setattr(predict, "CACHE_SIZE", 3)
    models._cache.clear()
    seen = ["Pain 3/10 on the pump.", "Spasms well controlled."]
    first = models.score(seen)
    mixed = seen + [f"A new sentence about the {w} pump." for w in ("red", "blue", "green", "old", "quiet")]
    got = models.score(mixed)  # two cached rows, five new ones: the cache overflows in this call
    assert got.shape == (7, len(models.names))
    assert np.allclose(got[:2], first)
    models._cache.clear()


def test_the_change_model_vetoes_a_rule_change_only_below_the_veto_threshold(nlp):
    """A regimen change the rules read (here another drug's dose, worded like a pump change) is overruled
    when every sentence of its evidence scores below threshold_veto: the spans are discounted by MODEL_VETO,
    change_reason falls to not_applicable, the overruled evidence stays visible with its probability."""
    from auditor.audit import META_COLUMNS, decide_note
    from auditor.learn.hybrid import combine, plan
    from auditor.learn.train import _Sim

    text = ("Pump refilled with 20 mL.\nAspirated 3 mL.\nDaily dose increased from 400 to 440 mcg/day.\n"
            "Spasms well controlled.\n")
    doc = nlp(text)
    record, pump = decide_note("n", doc._.pump, {c: None for c in META_COLUMNS}, text)
    assert record["facts"]["regimen_change"] is True
    names = ["regimen_change"]
    sim = _Sim(names, {}, veto={"regimen_change": 0.2})
    view, todo = plan(record, pump, text, sim, "hybrid")
    (k,) = todo["regimen_change"]
    assert "increased" in view.sentence(k)
    kept = combine(record, view, {"regimen_change": {k: 0.35}}, sim, "hybrid", {})
    assert kept["facts"]["regimen_change"] is True and kept["elements"]["change_reason"]["disagreement"] is False
    vetoed = combine(record, view, {"regimen_change": {k: 0.05}}, sim, "hybrid", {})
    assert vetoed["facts"]["regimen_change"] is False
    assert vetoed["elements"]["change_reason"]["status"] == "not_applicable"
    assert vetoed["elements"]["change_reason"]["disagreement"] is True
    overruled = vetoed["facts"]["events"]["regimen_change_vetoed"]
    assert overruled == [{**e, "source": "rule", "vetoed_by": "model", "probability": 0.05}
                         for e in record["facts"]["events"]["regimen_change"]]
    assert all(text[e["start"]:e["end"]] == e["text"] for e in overruled)
    assert not vetoed["facts"]["events"]["regimen_change"]
    assert record["facts"]["regimen_change"] is True  # the rules' record is not edited


def test_a_printout_change_is_never_vetoed(nlp):
    from auditor.audit import META_COLUMNS, decide_note
    from auditor.learn.hybrid import plan
    from auditor.learn.train import _Sim

    text = "Pump refilled with 20 mL.\n          Before        After\nDaily dose    400 mcg/day    440 mcg/day\n"
    doc = nlp(text)
    record, pump = decide_note("n", doc._.pump, {c: None for c in META_COLUMNS}, text)
    rules_used = {e["rule"] for e in record["facts"]["events"]["regimen_change"]}
    assert record["facts"]["regimen_change"] is True and any(r.startswith("visit-") for r in rules_used)
    _, todo = plan(record, pump, text, _Sim(["regimen_change"], {}, veto={"regimen_change": 0.2}), "hybrid")
    assert "regimen_change" not in todo


def test_a_field_answered_with_dashes_is_never_proposed():
    text = "Pump refilled with 20 mL.\nPurchase info: --\n"
    pump = {"sentences": [[0, 25], [26, len(text)]], "spans": []}
    view = NoteView(pump, text)
    assert not view.qualifies(BY_NAME["drug_purchase"], 1, "hybrid")
    filled = "Pump refilled with 20 mL.\nPurchase info: invoice 5521\n"
    assert NoteView({"sentences": [[0, 25], [26, len(filled)]], "spans": []}, filled).qualifies(BY_NAME["drug_purchase"], 1, "hybrid")


def test_a_change_is_proposed_only_in_a_sentence_that_names_what_changed_and_says_it_changed():
    sentences = ["Refill visit.", "Pt doing well.", "Added on.", "Flex dosing 06:00-22:00 30 mcg/hr.", "Switched to Prialt.",
                 "New program: flex 2100-0600 650 mcg/day."]
    text = " ".join(sentences)
    starts = [text.index(x) for x in sentences]
    bounds = [[a, a + len(x)] for a, x in zip(starts, sentences)]
    view = NoteView({"sentences": bounds, "spans": []}, text)
    proposed = [view.sentence(i) for i in range(len(bounds)) if view.qualifies(BY_NAME["regimen_change"], i, "hybrid")]
    # nothing that could change / today's settings told without a word of change
    assert proposed == ["Switched to Prialt.", "New program: flex 2100-0600 650 mcg/day."]
    # a concept with no requirement reads every sentence
    assert view.qualifies(BY_NAME["dose_response"], 1, "hybrid")


def test_a_purchase_is_proposed_only_where_a_purchase_or_supplier_is_named_and_filled_in():
    sentences = ["Charges: 62370; J7999 x1.", "Drug: Pinecrest Compounding, invoice #@INVOICENUM@.",
                 "Drug: Pinecrest Compounding, invoice #PC-2291."]
    text = " ".join(sentences)
    bounds = [[text.index(x), text.index(x) + len(x)] for x in sentences]
    view = NoteView({"sentences": bounds, "spans": []}, text)
    proposed = [view.sentence(i) for i in range(len(bounds)) if view.qualifies(BY_NAME["drug_purchase"], i, "hybrid")]
    assert proposed == ["Drug: Pinecrest Compounding, invoice #PC-2291."]


def test_a_change_of_a_systemic_medicine_is_never_proposed_as_a_pump_change():
    text = "Furosemide increased, metolazone added on d/c. Dose increased to 5.0 mg/day."
    bounds = [[0, 46], [47, len(text)]]
    view = NoteView({"sentences": bounds, "spans": []}, text)
    assert not view.qualifies(BY_NAME["regimen_change"], 0, "hybrid")
    assert view.qualifies(BY_NAME["regimen_change"], 1, "hybrid")
