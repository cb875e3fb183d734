"""`auditor train`: every shipped model, its threshold and its card, rebuilt from annotations/ in one command.

What it does, all on dev data (the held-out gold and the phrase banks'
held-out halves are never read):
1. audits the dev gold notes, saved reviews and the phrase banks' dev
   fragments with the rules, keeping each note's sentences and spans;
2. labels sentences (auditor/learn/data.py) and fits one TF-IDF word +
   character n-gram vectorizer on them;
3. per concept, a class-weighted logistic regression: C chosen by grouped
   5-fold cross-validation (a note's sentences stay in one fold) for average
   precision, then calibrated with a sigmoid on the same folds;
4. chooses each concept's hybrid threshold by running the hybrid on the dev
   notes and fragments with out-of-fold probabilities: the threshold that
   gains the most correct decisions with no element and no phrase-bank concept
   worse; a concept with no gain is left out of the hybrid; then, the same
   way, the probability below which a model may veto the rules (Concept.veto);
5. writes features.skops, <concept>.skops, <concept>.card.md and
   manifest.json (skops: no pickle on load).
Deterministic: fixed folds (a hash of each note id), liblinear, no shuffling.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TypedDict

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, f1_score, precision_score, recall_score

from auditor.elements import ELEMENTS
from auditor.learn import store
from auditor.learn.concepts import BY_NAME, CONCEPTS, NAMES, rule_present
from auditor.learn.data import FOLDS, Example, fold_of, note_examples, phrase_examples
from auditor.learn.features import make_vectorizer, normalise, to_arrays

C_GRID = (10.0, 30.0, 100.0)  # smaller C never won on this data (1 and 3 tried on 2026-12-06)
T_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
V_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)  # veto: every sentence of the rules' evidence below this
MIN_GAIN = 1  # correct decisions on dev a concept must add to be used in the hybrid


def _lr(c: float) -> LogisticRegression:
    # dual liblinear: far fewer samples than n-gram features, so the dual problem is ~20x faster to solve
    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", dual=True, random_state=0, max_iter=2000)


@dataclass
class Doc:
    """One dev document the thresholds are chosen on: a gold note or a wrapped phrase fragment."""

    key: str
    kind: str                   # gold | phrasebank
    item: Mapping[str, Any]     # the gold note or the phrase-bank item
    row: Mapping[str, Any]      # what was audited (text and meta)
    pump: Mapping[str, Any]
    record: dict[str, Any]
    fold: int = 0
    sent_rows: list[int] = field(default_factory=list)  # rows of the eval matrix, one per sentence


def _audit_docs(nlp: Any, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], dict[str, Any]]]:
    """(pump, rules record) per row; no claim checks (statuses are what the models change)."""
    from auditor.audit import META_COLUMNS, decide_note

    out: list[tuple[Mapping[str, Any], dict[str, Any]]] = []
    for row, doc in zip(rows, nlp.pipe([r["text"] for r in rows], batch_size=50)):
        meta = {c: row.get(c) for c in META_COLUMNS}
        record, seen = decide_note(row["note_id"], doc._.pump, meta, row["text"])
        out.append((seen, record))
    return out


def load_inputs(annotations: Path, reviews: Path | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(dev gold notes, phrase-bank dev items, reviews): reviews of held-out gold notes are dropped."""
    from auditor.evaluation.gold import load_gold
    from auditor.evaluation.phrasebank import load_bank

    gold_path = annotations / "gold.jsonl"
    dev = load_gold(gold_path, "dev")
    heldout = load_gold(gold_path, "heldout")
    items = [it for b in sorted(annotations.glob("phrasebank*.jsonl")) for it in load_bank(b) if it.get("split") == "dev"]
    revs: list[dict[str, Any]] = []
    if reviews is not None:
        from auditor.ui.reviews import load_reviews

        held_ids = {n["note_id"] for n in heldout}
        held_texts = {n["text"] for n in heldout}
        revs = [r for r in load_reviews(reviews) if r.get("note_id") not in held_ids and r.get("text") not in held_texts]
    return dev, items, revs


class _Sim:
    """Thresholds alone, standing in for Models while the thresholds are chosen."""

    def __init__(self, names: Sequence[str], hybrid: Mapping[str, float], model: Mapping[str, float] | None = None,
                 anywhere: Mapping[str, float] | None = None, veto: Mapping[str, float] | None = None):
        self.names = list(names)
        self.hybrid = dict(hybrid)
        self.model = dict(model or {})
        self.anywhere = dict(anywhere or {})
        self.veto = dict(veto or {})

    def threshold(self, concept: str, mode: str) -> float | None:
        return (self.hybrid if mode == "hybrid" else self.model).get(concept)

    def column(self, concept: str) -> int:
        return self.names.index(concept)

    def setting(self, concept: str, key: str) -> Any:
        if key == "threshold_model":
            return self.model.get(concept)
        if key == "threshold_veto":
            return self.veto.get(concept)
        return self.anywhere.get(concept) if key == "threshold_anywhere" else None


def _correct(doc: Doc, rec: dict[str, Any]) -> dict[str, int]:
    """Which decisions of this document are right: gold elements, or the phrase item's concept."""
    from auditor.evaluation.phrasebank import CONCEPTS as PB

    if doc.kind == "gold":
        return {f"gold:{e}": int(rec["elements"][e]["status"] == doc.item["labels"][e]["status"]) for e in ELEMENTS}
    c = doc.item["concept"]
    return {f"bank:{c}": int(bool(rec["elements"]) and PB[c][2](rec) == bool(doc.item["expected"]))}


class Planned:
    """Each document's candidate sentences per concept, worked out once for every threshold tried."""

    def __init__(self, docs: Sequence[Doc], names: Sequence[str]):
        from auditor.learn.hybrid import plan

        everything = _Sim(names, {n: 0.5 for n in names}, {n: 0.5 for n in names}, veto={n: 0.5 for n in names if BY_NAME[n].veto})
        self.hybrid = [plan(d.record, d.pump, d.row["text"], everything, "hybrid") for d in docs]  # type: ignore[arg-type]
        self.model = [plan(d.record, d.pump, d.row["text"], everything, "model") for d in docs]  # type: ignore[arg-type]
        self.base = [_correct(d, d.record) for d in docs]
        self.rival_oof: dict[str, np.ndarray] = {}  # concept -> its rival's out-of-fold probability on what it reads


def simulate(docs: Sequence[Doc], oof: np.ndarray, sim: _Sim, mode: str, planned: Planned,
             rival_oof: Mapping[str, np.ndarray] | None = None) -> dict[str, int]:
    """Correct decisions per element/bank concept when `sim`'s thresholds apply, with out-of-fold probabilities."""
    from auditor.learn.hybrid import combine

    totals: Counter[str] = Counter()
    rival_oof = rival_oof if rival_oof is not None else planned.rival_oof
    plans = planned.model if mode == "model" else planned.hybrid
    for n, doc in enumerate(docs):
        view, todo_all = plans[n]
        probs = {}
        for c, idx in todo_all.items():
            if mode == "hybrid" and BY_NAME[c].veto and rule_present(BY_NAME[c], doc.record):
                v = sim.setting(c, "threshold_veto")
                p = {i: float(oof[doc.sent_rows[i], sim.column(c)]) for i in idx}
                if v is not None and p and max(p.values()) < v:
                    probs[c] = p
                continue
            t = sim.threshold(c, mode)
            if t is None:
                continue
            p = {i: float(oof[doc.sent_rows[i], sim.column(c)]) for i in idx}
            if mode == "model" or any(v >= t for v in p.values()):
                probs[c] = p
        if probs:
            rivals = {}
            for c in probs:
                r = BY_NAME[c].rival
                tr = sim.setting(r, "threshold_model") if r in sim.names else None
                if r and tr is not None and c in rival_oof:
                    rivals[c] = {i for i in probs[c] if rival_oof[c][doc.sent_rows[i]] >= tr}
            totals.update(_correct(doc, combine(doc.record, view, probs, sim, mode, doc.row, rivals)))  # type: ignore[arg-type]
        else:
            totals.update(planned.base[n])
    return dict(totals)


class _GridRow(TypedDict):
    """One hybrid threshold tried for a concept, in the training report."""

    threshold: float
    gain: int
    worse: list[str]


def _pick(docs: Sequence[Doc], oof: np.ndarray, planned: Planned, base: Mapping[str, int],
          trials: Sequence[tuple[float, _Sim]]) -> tuple[list[_GridRow], float | None, int]:
    """Each (threshold, thresholds to simulate) against `base`: the grid, and the threshold with the largest
    dev gain (at least MIN_GAIN) and no element or bank concept worse, the middle one when several tie (dev
    holds few such decisions, so stay clear of both edges); None when nothing gains safely."""
    rows: list[_GridRow] = []
    for t, sim in trials:
        got = simulate(docs, oof, sim, "hybrid", planned)
        delta = {k: got[k] - base[k] for k in base if got[k] != base[k]}
        rows.append({"threshold": t, "gain": sum(delta.values()), "worse": sorted(k for k, v in delta.items() if v < 0)})
    safe = [r for r in rows if not r["worse"] and r["gain"] >= MIN_GAIN]
    top = max((r["gain"] for r in safe), default=0)
    tied = [r["threshold"] for r in safe if r["gain"] == top]
    return rows, (tied[len(tied) // 2] if tied else None), top


def choose_thresholds(docs: Sequence[Doc], oof: np.ndarray, names: Sequence[str], log: Callable[[str], None],
                      planned: Planned, model_t: Mapping[str, float]) -> tuple[dict[str, float], dict[str, Any]]:
    """Per concept, the hybrid threshold (`_pick`); a concept with no safe gain is left out of the hybrid."""
    base = simulate(docs, oof, _Sim(names, {}, model_t), "hybrid", planned)
    chosen: dict[str, float] = {}
    report: dict[str, Any] = {}
    for c in names:
        rows, pick, top = _pick(docs, oof, planned, base, [(t, _Sim(names, {c: t}, model_t)) for t in T_GRID])
        report[c] = {"grid": rows, "threshold": pick, "gain": top}
        if pick is not None:
            chosen[c] = pick
        log(f"  {c:<20} hybrid threshold {pick if pick is not None else '-':<5} dev gain {top:+d}"
            + ("" if pick is not None else "  (left out of the hybrid: no safe gain on dev)"))
    return chosen, report


def choose_anywhere(docs: Sequence[Doc], oof: np.ndarray, names: Sequence[str], log: Callable[[str], None],
                    planned: Planned, hybrid_t: Mapping[str, float], model_t: Mapping[str, float]) -> tuple[dict[str, float], dict[str, Any]]:
    """Per concept that may count anywhere (Concept.anywhere) and is in the hybrid, the probability from
    which its sentence counts wherever it sits (`_pick` over the chosen hybrid); none when nothing gains."""
    base = simulate(docs, oof, _Sim(names, hybrid_t, model_t), "hybrid", planned)
    chosen: dict[str, float] = {}
    report: dict[str, Any] = {}
    for c in names:
        if not BY_NAME[c].anywhere or c not in hybrid_t:
            continue
        trials = [(t, _Sim(names, hybrid_t, model_t, {c: t})) for t in T_GRID if t >= hybrid_t[c]]
        rows, pick, top = _pick(docs, oof, planned, base, trials)
        report[c] = {"grid": rows, "threshold": pick, "gain": top}
        if pick is not None:
            chosen[c] = pick
        log(f"  {c:<20} anywhere from {pick if pick is not None else '-':<5} dev gain {top:+d}")
    return chosen, report


def choose_veto(docs: Sequence[Doc], oof: np.ndarray, names: Sequence[str], log: Callable[[str], None],
                planned: Planned, hybrid_t: Mapping[str, float], model_t: Mapping[str, float],
                anywhere: Mapping[str, float]) -> tuple[dict[str, float], dict[str, Any]]:
    """Per concept the model may veto (Concept.veto), the probability below which every sentence of the
    rules' evidence must fall for the model to overrule them (`_pick` over the chosen hybrid)."""
    base = simulate(docs, oof, _Sim(names, hybrid_t, model_t, anywhere), "hybrid", planned)
    chosen: dict[str, float] = {}
    report: dict[str, Any] = {}
    for c in names:
        if not BY_NAME[c].veto:
            continue
        rows, pick, top = _pick(docs, oof, planned, base, [(t, _Sim(names, hybrid_t, model_t, anywhere, {c: t})) for t in V_GRID])
        report[c] = {"grid": rows, "threshold": pick, "gain": top}
        if pick is not None:
            chosen[c] = pick
        log(f"  {c:<20} veto below {pick if pick is not None else '-':<5} dev gain {top:+d}")
    return chosen, report


@dataclass
class Fitted:
    """What fitting leaves for choosing thresholds and writing files: the dev documents, the models and
    their out-of-fold probabilities on every dev sentence."""

    names: list[str]
    docs: list[Doc]
    oof: np.ndarray
    planned: Planned
    figures: dict[str, Any]
    models: dict[str, CalibratedClassifierCV]
    vectorizer: Any
    data: dict[str, int]
    started: float


def fit(annotations: str | Path = "annotations", reviews: str | Path | None = None, nlp: Any = None,
        concepts: Sequence[str] | None = None, log: Callable[[str], None] | None = None,
        c_grid: Sequence[float] | Mapping[str, Sequence[float]] = C_GRID) -> Fitted:
    """Steps 1-3: audit the dev documents, label sentences, fit one calibrated model per concept.
    `c_grid` is one grid for every concept, or a grid per concept (`kept_c`: a third of the fits)."""
    log = log or (lambda s: print(s, file=sys.stderr))
    started = time.monotonic()
    annotations = Path(annotations)
    names = [n for n in NAMES if concepts is None or n in concepts]
    if nlp is None:
        from auditor.pipeline import shared

        nlp = shared()
    dev, items, revs = load_inputs(annotations, Path(reviews) if reviews else None)
    log(f"auditor train: {len(dev)} dev gold notes, {len(items)} dev phrase-bank fragments, {len(revs)} reviews")

    # 1. the rules' view of every dev document
    from auditor.evaluation.phrasebank import CONCEPTS as PB

    gold_rows = [dict(n) for n in dev] + [dict(r) for r in revs]
    pb_rows = [{"note_id": it["id"], "text": PB[it["concept"]][0] + it["text"], "author_role": PB[it["concept"]][1]} for it in items]
    audited = _audit_docs(nlp, gold_rows + pb_rows)
    docs: list[Doc] = []
    examples: list[Example] = []
    for k, (row, (pump, rec)) in enumerate(zip(gold_rows, audited)):
        kind = "review" if k >= len(dev) else "gold"
        examples += note_examples(row, pump, kind)
        if kind == "gold":
            docs.append(Doc(f"gold:{row['note_id']}", "gold", row, row, pump, rec, fold_of(f"gold:{row['note_id']}")))
    examples += phrase_examples(items)
    for it, row, (pump, rec) in zip(items, pb_rows, audited[len(gold_rows):]):
        docs.append(Doc(f"phrasebank:{it['id']}", "phrasebank", it, row, pump, rec, fold_of(f"phrasebank:{it['id']}")))
    examples = [e for e in examples if e.concept in names]

    # 2. features
    log(f"  rules run on every dev document in {time.monotonic() - started:.0f} s")
    vectorizer = make_vectorizer()
    X = vectorizer.fit_transform([normalise(e.text) for e in examples]).astype(np.float64).tocsr()  # liblinear works in float64
    eval_texts: list[str] = []
    eval_fold: list[int] = []
    for d in docs:
        d.sent_rows = list(range(len(eval_texts), len(eval_texts) + len(d.pump.get("sentences") or [])))
        eval_texts += [d.row["text"][a:b] for a, b in d.pump.get("sentences") or []]
        eval_fold += [d.fold] * len(d.pump.get("sentences") or [])
    E = vectorizer.transform([normalise(t) for t in eval_texts])
    masked_E: dict[tuple[str, ...], Any] = {}  # what a masked concept's model reads of the same sentences
    for concept in CONCEPTS:
        if concept.masked and concept.masked not in masked_E and concept.name in names:
            from auditor.learn.hybrid import NoteView

            texts = []
            for d in docs:
                view = NoteView(d.pump, d.row["text"])
                texts += [view.sentence_for(concept, i) for i in range(len(view.sentences))]
            masked_E[concept.masked] = vectorizer.transform([normalise(t) for t in texts])
    eval_fold_arr = np.array(eval_fold)
    log(f"  {len(examples)} labelled sentences, {X.shape[1]} features; {len(eval_texts)} dev sentences to choose thresholds on")

    # 3. one calibrated model per concept
    oof = np.zeros((len(eval_texts), len(names)))
    rival_oof: dict[str, np.ndarray] = {}
    models: dict[str, CalibratedClassifierCV] = {}
    figures: dict[str, Any] = {}
    for j, name in enumerate(names):
        idx = np.array([i for i, e in enumerate(examples) if e.concept == name])
        y = np.array([examples[i].y for i in idx])
        w = np.array([examples[i].weight for i in idx])
        groups = [examples[i].group for i in idx]
        folds = np.array([fold_of(g) for g in groups])
        Xc = X[idx]
        splits = [(np.flatnonzero(folds != k), np.flatnonzero(folds == k)) for k in range(FOLDS)
                  if (folds == k).any() and len(set(y[folds != k])) == 2]
        Ec = masked_E.get(BY_NAME[name].masked, E)
        rivals_of = [c for c in CONCEPTS if c.rival == name and c.name in names and c.masked in masked_E]
        best: tuple[float, float, np.ndarray, np.ndarray, dict[str, np.ndarray]] | None = None
        for c in (c_grid.get(name, C_GRID) if isinstance(c_grid, Mapping) else c_grid):
            scores = np.zeros(len(y))
            ev = np.zeros(len(eval_texts))
            ev_r = {rc.name: np.zeros(len(eval_texts)) for rc in rivals_of}
            for (tr, te), k in zip(splits, range(FOLDS)):
                k = int(folds[te[0]])
                lr = _lr(c).fit(Xc[tr], y[tr], sample_weight=w[tr])
                scores[te] = lr.decision_function(Xc[te])
                sel = eval_fold_arr == k
                ev[sel] = lr.decision_function(Ec[sel])
                for rc in rivals_of:
                    ev_r[rc.name][sel] = lr.decision_function(masked_E[rc.masked][sel])
            ap = average_precision_score(y, scores, sample_weight=w)
            if best is None or ap > best[0] + 1e-9:
                best = (ap, c, scores, ev, ev_r)
        assert best is not None
        ap, c, scores, ev, ev_r = best
        model = CalibratedClassifierCV(_lr(c), method="sigmoid", cv=splits, ensemble=False).fit(Xc, y, sample_weight=w)
        cal = model.calibrated_classifiers_[0].calibrators[0]
        p_oof = cal.predict(scores)
        oof[:, j] = cal.predict(ev)
        for other, dec in ev_r.items():
            rival_oof[other] = cal.predict(dec)
        ts = np.linspace(0.05, 0.95, 19)
        f1s = [f1_score(y, p_oof >= t, sample_weight=w, zero_division=0) for t in ts]
        t_model = float(round(ts[int(np.argmax(f1s))], 2))
        figures[name] = {
            "examples": int(len(y)), "positives": int(y.sum()), "notes_and_fragments": len(set(groups)),
            "by_kind": dict(Counter(examples[i].kind for i in idx)), "C": c,
            "cv_average_precision": round(float(ap), 3),
            "cv_precision_at_model_threshold": round(float(precision_score(y, p_oof >= t_model, sample_weight=w, zero_division=0)), 3),
            "cv_recall_at_model_threshold": round(float(recall_score(y, p_oof >= t_model, sample_weight=w, zero_division=0)), 3),
            "cv_f1_at_model_threshold": round(float(max(f1s)), 3),
            "cv_brier": round(float(brier_score_loss(y, p_oof, sample_weight=w)), 4),
            "threshold_model": t_model,
        }
        models[name] = model
        f = figures[name]
        log(f"  {name:<20} n={f['examples']:>5} pos={f['positives']:>4} C={c:<4} CV AP {f['cv_average_precision']:.3f}  "
            f"F1 {f['cv_f1_at_model_threshold']:.3f} at {t_model}  Brier {f['cv_brier']:.3f}")

    log(f"  models fitted in {time.monotonic() - started:.0f} s")
    planned = Planned(docs, names)
    planned.rival_oof = rival_oof
    return Fitted(names, docs, oof, planned, figures, models, vectorizer,
                  {"dev_gold_notes": len(dev), "phrasebank_dev_fragments": len(items), "reviews": len(revs),
                   "labelled_sentences": len(examples), "features": int(X.shape[1])}, started)


def train(annotations: str | Path = "annotations", out: str | Path | None = None, reviews: str | Path | None = None,
          nlp: Any = None, concepts: Sequence[str] | None = None, log: Callable[[str], None] | None = None,
          c_grid: Sequence[float] | Mapping[str, Sequence[float]] = C_GRID, choose: bool = True) -> dict[str, Any]:
    """Train, choose thresholds, write the models; returns the manifest."""
    log = log or (lambda s: print(s, file=sys.stderr))
    out = Path(out) if out is not None else store.shipped_dir()
    f = fit(annotations, reviews, nlp, concepts, log, c_grid)
    names, docs, oof, planned, figures, models = f.names, f.docs, f.oof, f.planned, f.figures, f.models
    model_t = {n: figures[n]["threshold_model"] for n in names}

    # 4. hybrid thresholds, chosen on dev with out-of-fold probabilities
    if choose:
        log("choosing hybrid thresholds on dev (out-of-fold probabilities):")
        chosen, choice = choose_thresholds(docs, oof, names, log, planned, model_t)
        anywhere, anywhere_choice = choose_anywhere(docs, oof, names, log, planned, chosen, model_t)
        veto, veto_choice = choose_veto(docs, oof, names, log, planned, chosen, model_t, anywhere)
    else:
        chosen, choice, anywhere, anywhere_choice, veto, veto_choice = {n: 0.5 for n in names}, {}, {}, {}, {}, {}
    final_sim = _Sim(names, chosen, model_t, anywhere, veto)
    dev_figures = {m: simulate(docs, oof, final_sim if m != "rules" else _Sim(names, {}), "hybrid" if m == "rules" else m, planned)
                   for m in ("rules", "hybrid", "model")}

    # 5. files
    out.mkdir(parents=True, exist_ok=True)
    store.save(to_arrays(f.vectorizer), out / store.FEATURES)
    manifest: dict[str, Any] = {
        "_doc": "Written by `auditor train`; read by auditor/learn/predict.py. threshold_hybrid null: the concept is left out of the hybrid.",
        "trained_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "features": store.FEATURES,
        "data": f.data,
        "dev_out_of_fold": _summarise(dev_figures),
        "concepts": {},
    }
    for name in names:
        store.save(models[name], out / f"{name}.skops")
        manifest["concepts"][name] = {
            "file": f"{name}.skops", "label": BY_NAME[name].label, "element": BY_NAME[name].element,
            "threshold_hybrid": chosen.get(name), "threshold_model": figures[name]["threshold_model"],
            "cv": figures[name], "hybrid_choice": choice.get(name),
        }
        if BY_NAME[name].anywhere:
            manifest["concepts"][name]["threshold_anywhere"] = anywhere.get(name)
            manifest["concepts"][name]["anywhere_choice"] = anywhere_choice.get(name)
        if BY_NAME[name].veto:
            manifest["concepts"][name]["threshold_veto"] = veto.get(name)
            manifest["concepts"][name]["veto_choice"] = veto_choice.get(name)
    (out / store.MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    from auditor.learn.cards import write_cards

    write_cards(out, manifest)
    from auditor.learn.predict import clear_cache

    clear_cache()
    log(f"auditor train: wrote {len(names)} models, cards and manifest.json to {out} in {time.monotonic() - f.started:.0f} s")
    return manifest


def kept_c(models_dir: str | Path | None = None) -> dict[str, tuple[float]]:
    """Each concept's C as the last full training chose it: retraining on more notes with it skips the C
    search (two of every three fits), which the last searches never changed by more than one step."""
    path = Path(models_dir) if models_dir is not None else store.shipped_dir()
    manifest = json.loads((path / store.MANIFEST).read_text(encoding="utf-8"))
    return {name: (float(c["cv"]["C"]),) for name, c in manifest["concepts"].items() if c.get("cv", {}).get("C")}


def _summarise(figs: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Dev out-of-fold correct decisions per mode, by element and bank concept."""
    return {m: dict(sorted(f.items())) for m, f in figs.items()}
