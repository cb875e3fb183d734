"""Model cards: one `<concept>.card.md` beside each model file, written by `auditor train`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

_USE = {
    "refill_done": "Does a sentence say the pump was refilled at this visit?",
    "regimen_change": "Does a sentence say the dose, rate, drug or concentration was changed at this visit?",
    "change_reason": "Does a sentence give a reason for a regimen change?",
    "dose_response": "Does a sentence document the response to the current intrathecal dose and rate?",
    "condition": "Does a sentence assess the patient's overall condition beyond the pump?",
    "goals": "Does a sentence state or review the treatment goals?",
    "supervision_direct": "Does a sentence document a physician present on site (direct supervision)?",
    "drug_purchase": "Does a sentence document that the practice bought the drug (purchase, invoice, PO)?",
    "outside_supply": "Does a sentence say an outside pharmacy or the patient supplied the drug?",
}


_SETTING_LINES = {  # manifest key -> (title, when not used, when used: {t} is the threshold)
    "threshold_anywhere": ("Anywhere in the note",
                           "not used (no dev gain): a proposed sentence must sit where the rules would accept one.",
                           "a proposed sentence at probability {t} or more counts wherever it sits (chosen on dev like the "
                           "hybrid threshold); below it, it must sit where the rules would accept one."),
    "threshold_veto": ("Veto", "not used (no safe gain on dev): the rules' finding stands.",
                       "when every sentence of the rules' evidence scores below {t} (chosen on dev like the hybrid "
                       "threshold), the rules' spans are discounted (MODEL_VETO) and kept in `facts.events` as overruled."),
}


def _setting_lines(entry: Mapping[str, Any]) -> str:
    """The card's lines for the optional settings a concept has (Concept.anywhere, Concept.veto)."""
    out = ""
    for key, (title, off, on) in _SETTING_LINES.items():
        if key in entry:
            t = entry[key]
            out += f"- **{title}:** " + (off if t is None else on.format(t=t)) + "\n"
    return out


def card(name: str, entry: Mapping[str, Any], manifest: Mapping[str, Any]) -> str:
    cv = entry["cv"]
    data = manifest["data"]
    th = entry["threshold_hybrid"]
    kinds = ", ".join(f"{v} {k}" for k, v in sorted(cv["by_kind"].items()))
    return f"""# {name}: model card

- **File:** `{entry['file']}` (skops; loaded with the trusted-type list in `auditor/learn/store.py`), features in `{manifest['features']}`.
- **Trained:** {manifest['trained_at']} by `auditor train` (deterministic: fixed folds, liblinear dual).
- **Question:** {_USE.get(name, name)}
- **Model:** TF-IDF word 1-2 grams and character 2-5 grams (digits folded to 0), logistic regression with balanced class weights, C = {cv['C']} chosen by grouped 5-fold cross-validation on dev for average precision, sigmoid calibration on the same folds.
- **Data (dev only; the held-out gold and the phrase banks' held-out halves are never read):** {cv['examples']} labelled sentences ({cv['positives']} positive) from {cv['notes_and_fragments']} notes and fragments: {kinds}. Gold sentences are labelled from the gold evidence and statuses (auditor/learn/data.py); the whole run used {data['dev_gold_notes']} dev gold notes, {data['phrasebank_dev_fragments']} dev phrase-bank fragments and {data['reviews']} reviews.

## Cross-validated figures on dev (sentences, out of fold)

| average precision | precision | recall | F1 | Brier | at threshold |
|---|---|---|---|---|---|
| {cv['cv_average_precision']:.3f} | {cv['cv_precision_at_model_threshold']:.3f} | {cv['cv_recall_at_model_threshold']:.3f} | {cv['cv_f1_at_model_threshold']:.3f} | {cv['cv_brier']:.4f} | {entry['threshold_model']} |

## Use

- `--mode model`: decides `{name}` alone at probability {entry['threshold_model']}.
- `--mode hybrid`: {f"proposes sentences at probability {th} or more where the rules found none (chosen on dev: the largest gain in correct decisions with no element and no phrase-bank concept worse)." if th is not None else "**not used**: on dev it gained no correct decision without making an element or a phrase-bank concept worse, so the rules decide this concept alone."}
{_setting_lines(entry)}- ConText still discounts what the model proposes, and a rule's negation is never overruled (README, "A learned second opinion"). Held-out figures for rules, model and hybrid are in the README.

## Limits

- Learned from notes and fragments written for this project by a few writers; real notes from other sites will word things otherwise. Saved reviews (`auditor train --reviews DIR`) are how a site's own wording gets in.
- One sentence at a time: a statement split over lines or a table is seen in pieces.
- Probabilities are calibrated on dev sentences; on notes unlike them they are not.
- Not a decision aid for care: it reads documentation for billing audits only.
"""


def write_cards(folder: Path, manifest: Mapping[str, Any]) -> None:
    for name, entry in manifest["concepts"].items():
        (folder / f"{name}.card.md").write_text(card(name, entry, manifest), encoding="utf-8")
