"""The `auditor` command: `audit` exports of notes, `evaluate` against gold notes and phrase banks, `gold`
files' validation and split, `train`, `tipsheet`.

Why argparse and not Typer/Click here: the audit contract wants unusable
arguments to end with exit status 2 and ONE line on stderr; argparse's error
hook makes that exact, and `main(argv)` returns the status so tests call it
in-process. Progress goes to stderr; stdout carries only data (`--out -`,
`evaluate`). Note text is never printed.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from auditor.bulk import OptionError
from auditor.io import InputError
from auditor.learn.hybrid import MODES
from auditor.learn.store import UntrustedModel

USAGE_ERROR = 2
EVALUATIONS = ("gold", "phrasebank", "agreement")  # `auditor evaluate X`; a first argument not among them is a gold file


class UsageError(Exception):
    """An argument problem; argparse's multi-line usage dump is replaced by this one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The command line (kept in one function so the README and tests can show its help)."""
    p = _Parser(prog="auditor", description="Audit intrathecal pain-pump visit notes against Medicare documentation rules.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    a = sub.add_parser("audit", help="audit notes from CSV, JSONL, Parquet, Excel, a .txt folder or stdin",
                       description="One record per input note, in order (see AUDIT_CONTRACT.md).")
    a.add_argument("inputs", nargs="+", metavar="INPUT", help=".csv .jsonl .parquet .xlsx, a folder of .txt, or - (JSONL on stdin)")
    a.add_argument("--out", "-o", required=True, metavar="OUTPUT",
                   help=".jsonl .csv .parquet .html, or - (JSONL on stdout). Refill intervals are checked across all "
                        "notes of the run for a file; with - records are streamed as they come, so intervals are "
                        "checked only between visits in the same --batch-size chunk")
    a.add_argument("--id-col", default="note_id", metavar="C", help="column holding the note id (default note_id)")
    a.add_argument("--text-col", default="text", metavar="C", help="column holding the note text (default text)")
    a.add_argument("--batch-size", type=int, default=50, metavar="N", help="notes per pipeline batch and per worker chunk")
    a.add_argument("--n-process", type=int, default=1, metavar="N", help="worker processes (each builds the pipeline once)")
    a.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    a.add_argument("--engine", choices=("local", "spark"), default="local", help="local processes or Apache Spark")
    a.add_argument("--resume", action="store_true", help="continue an interrupted .jsonl run from OUTPUT.partial "
                   "(refused when the input's first notes are no longer the ones audited)")
    a.add_argument("--encoding", metavar="E", help="encoding of CSV and .txt inputs (default: detected; "
                   "a line on stderr says which when it is not UTF-8)")
    a.add_argument("--sheet", metavar="NAME", help="the Excel sheet to read (default: every sheet with the id and text columns)")
    a.add_argument("--recursive", action="store_true", help="read .txt notes in subfolders of a folder input too")
    a.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary on stderr")
    a.add_argument("--claims", metavar="CLAIMS", help="claim lines (.csv or .parquet) joined to the notes; they replace "
                   "billed_codes. Lines no note takes go to OUT.unmatched_claims.csv (see README, Claims file)")
    a.add_argument("--claims-key", default="note_id", metavar="COL",
                   help="claims column matched to the note id (default note_id; e.g. an encounter id)")
    a.add_argument("--mode", choices=MODES, default=None,
                   help="rules, model or hybrid (rules plus the models' second opinion); default: the best on held-out")

    e = sub.add_parser("evaluate", help="score the audit against gold notes, phrase banks, or compare two annotators",
                       description="auditor evaluate GOLD.jsonl ... (no subcommand) is auditor evaluate gold GOLD.jsonl ...")
    es = e.add_subparsers(dest="evaluation", required=True, parser_class=_Parser, metavar="{" + ",".join(EVALUATIONS) + "}")
    eg = es.add_parser("gold", help="audit the gold notes of a split and score the records",
                       description="Per-element accuracy and confusions, deficiency and findings precision/recall/F1.")
    eg.add_argument("gold", metavar="GOLD.jsonl")
    eg.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    eg.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    eg.add_argument("--batch-size", type=int, default=50, metavar="N")
    eg.add_argument("--no-context", action="store_true",
                    help="audit the split's notes alone (refill intervals then miss predecessors in other splits)")
    eg.add_argument("--mode", choices=MODES, default=None, help="rules, model or hybrid (default: the best on held-out)")
    ep = es.add_parser("phrasebank", help="score one-concept fragments of a phrase bank, per concept",
                       description="Accuracy per concept, with false positives and negatives; fragments are fictional.")
    ep.add_argument("bank", metavar="BANK.jsonl")
    ep.add_argument("--wrong", action="store_true", help="after the table, each fragment read wrongly, with its text")
    ep.add_argument("--mode", choices=MODES, default="rules", help="rules, model or hybrid (default: rules)")
    ea = es.add_parser("agreement", help="agreement and kappa between the gold labels and a second, blind annotator",
                       description="SECOND holds {note_id, labels: {element: status}} per note; prints JSON.")
    ea.add_argument("gold", metavar="GOLD.jsonl")
    ea.add_argument("second", metavar="SECOND.jsonl")

    g = sub.add_parser("gold", help="validate gold annotation files, or write the gold file with its fixed split",
                       description="Gold notes are JSONL in the format of annotations/README.md.")
    gs = g.add_subparsers(dest="gold_command", required=True, parser_class=_Parser, metavar="{validate,split}")
    gv = gs.add_parser("validate", help="check labels, roles and evidence quotes (exit 1 when a note has a problem)")
    gv.add_argument("files", nargs="+", metavar="FILE")
    gp = gs.add_parser("split", help="validate INPUTS, fill evidence offsets, set each note's split and write OUT",
                       description="The split is a hash of source and note id: a note keeps it whenever OUT is rebuilt. "
                                   "OUT is overwritten; the counts per source and split go to stdout.")
    gp.add_argument("output", metavar="OUT")
    gp.add_argument("inputs", nargs="+", metavar="INPUT")

    tr = sub.add_parser("train", help="rebuild the shipped models, thresholds and model cards from annotations/",
                        description="Trains on the dev gold, the phrase banks' dev halves and saved reviews; "
                                    "prints cross-validated figures on dev; writes skops models and cards.")
    tr.add_argument("--annotations", default="annotations", metavar="DIR", help="holds gold.jsonl and phrasebank*.jsonl")
    tr.add_argument("--reviews", default=None, metavar="DIR", help="saved reviews (JSONL in the gold format) to learn from")
    tr.add_argument("--out", "-o", default=None, metavar="DIR",
                    help="where to write the models (default: the package's auditor/resources/models)")
    tr.add_argument("--keep-c", action="store_true",
                    help="reuse each concept's regularisation C from the shipped manifest instead of searching "
                         "the grid (a third of the fits)")

    t = sub.add_parser("tipsheet", help="which elements are missed most, by whom, and what compliant notes record",
                       description="Reads the JSONL records of an audit; writes no patient text.")
    t.add_argument("records", metavar="AUDIT.jsonl")
    t.add_argument("--out", "-o", default="-", metavar="OUTPUT", help=".md, .html or - (markdown on stdout)")
    t.add_argument("--by", choices=("author", "performer_role", "payer", "author_role"), default="author")
    t.add_argument("--min-notes", type=int, default=5, metavar="N", help="smallest group shown")
    t.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    return p


def _err(message: str) -> None:
    print(message.splitlines()[0] if message else "error", file=sys.stderr)


def _implicit_gold(argv: Sequence[str]) -> list[str]:
    """`auditor evaluate GOLD.jsonl ...`, the form from before the subcommands, is `auditor evaluate gold ...`."""
    argv = list(argv)
    if len(argv) > 1 and argv[0] == "evaluate" and argv[1] not in (*EVALUATIONS, "-h", "--help"):
        return [argv[0], "gold", *argv[1:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        args = build_parser().parse_args(_implicit_gold(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        _err(str(exc))
        return USAGE_ERROR
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        if args.command == "audit":
            return cmd_audit(args)
        if args.command == "tipsheet":
            return cmd_tipsheet(args)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "gold":
            return cmd_gold(args)
        return cmd_evaluate(args)
    except (InputError, OptionError, UsageError, UntrustedModel) as exc:
        _err(f"auditor {args.command}: {exc}")
        return USAGE_ERROR
    except OSError as exc:  # an unwritable output, a full disk: one line, no traceback
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _err(f"auditor {args.command}: {where}{exc.strerror or type(exc).__name__}")
        return USAGE_ERROR
    except KeyboardInterrupt:
        _err("auditor: interrupted" + ("; resume with --resume" if getattr(args, "out", "-").endswith(".jsonl") else ""))
        return 130


# --------------------------------------------------------------------------- audit


def cmd_audit(args: argparse.Namespace) -> int:
    """`auditor audit`: the run itself is auditor/bulk.py."""
    from dataclasses import fields

    from auditor.bulk import RunOptions, run

    return run(RunOptions(**{f.name: getattr(args, f.name) for f in fields(RunOptions)}))


# --------------------------------------------------------------------------- evaluate


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`auditor evaluate gold|phrasebank|agreement`."""
    try:
        if args.evaluation == "phrasebank":
            return _evaluate_phrasebank(args)
        if args.evaluation == "agreement":
            return _evaluate_agreement(args)
        return _evaluate_gold(args)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _need_files(*paths: str) -> None:
    """A missing file is a usage error (exit 2, one line), not a traceback from deep in a reader."""
    from pathlib import Path

    for p in paths:
        if not Path(p).is_file():
            raise InputError(f"{p}: no such file")


def _evaluate_gold(args: argparse.Namespace) -> int:
    """Audit the gold notes of one split and print the figures."""
    from auditor.evaluation.gold_run import evaluate_file
    from auditor.evaluation.text_report import format_text

    _need_files(args.gold)
    result = evaluate_file(args.gold, args.split, batch_size=args.batch_size, context=not args.no_context, mode=args.mode)
    if not result["notes"]:
        raise InputError(f"{args.gold}: no gold notes in split {args.split!r}")
    print(json.dumps(result) if args.json else format_text(result), end="\n" if args.json else "")
    return 0


def _evaluate_phrasebank(args: argparse.Namespace) -> int:
    """Score one phrase bank per concept (the fragments are fictional, so --wrong may print them)."""
    from auditor.evaluation.phrasebank import check_bank, format_bank, load_bank, score_bank
    from auditor.pipeline import shared

    _need_files(args.bank)
    items = check_bank(load_bank(args.bank), args.bank)
    result = score_bank(shared(), items, mode=args.mode)
    sys.stdout.write(format_bank(result, items if args.wrong else None))
    return 0


def _evaluate_agreement(args: argparse.Namespace) -> int:
    """Agreement and kappa per element between the gold labels and a second annotator, as JSON."""
    from auditor.evaluation.agreement import annotator_agreement

    _need_files(args.gold, args.second)
    print(json.dumps(annotator_agreement(args.gold, args.second), indent=1))
    return 0


# --------------------------------------------------------------------------- gold


def cmd_gold(args: argparse.Namespace) -> int:
    """`auditor gold validate|split`: problems go to stdout (validate) or stderr (split) and exit 1."""
    try:
        if args.gold_command == "validate":
            return _gold_validate(args)
        return _gold_split(args)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _gold_validate(args: argparse.Namespace) -> int:
    """Every problem on stdout, then the count; exit 1 when a note has one."""
    from auditor.evaluation.gold import validate_files

    _need_files(*args.files)
    found = validate_files(args.files)
    for line in found.problems:
        print(line)
    print(f"{found.notes} notes, {found.notes_with_problems} with problems")
    return 1 if found.notes_with_problems else 0


def _gold_split(args: argparse.Namespace) -> int:
    """Write OUT only when every input note is valid; the counts per source and split on stdout."""
    from auditor.evaluation.split import split_counts, split_notes, write_notes

    _need_files(*args.inputs)
    notes, problems = split_notes(args.inputs)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    write_notes(args.output, notes)
    print(json.dumps(split_counts(notes), indent=1))
    return 0


# --------------------------------------------------------------------------- train


def cmd_train(args: argparse.Namespace) -> int:
    """`auditor train`: rebuild every shipped model, threshold and card (auditor/learn/train.py)."""
    from pathlib import Path

    from auditor.learn.train import train

    ann = Path(args.annotations)
    if not (ann / "gold.jsonl").is_file():
        raise InputError(f"{ann}: no gold.jsonl")
    if args.reviews and not Path(args.reviews).is_dir():
        raise InputError(f"{args.reviews}: no such folder")
    from auditor.learn.train import C_GRID, kept_c

    try:
        train(ann, args.out, args.reviews, c_grid=kept_c() if args.keep_c else C_GRID)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return 0


# --------------------------------------------------------------------------- tipsheet


def cmd_tipsheet(args: argparse.Namespace) -> int:
    """`auditor tipsheet`: deficiency rates per element and group, with tips and fictional examples."""
    from pathlib import Path

    from auditor.report.tipsheet import read_records, render_html, render_markdown, summarise

    src = Path(args.records)
    if not src.is_file():
        raise InputError(f"{src}: no such file")
    if args.out != "-" and Path(args.out).suffix.lower() not in (".md", ".html"):
        raise UsageError(f"{args.out}: the tip sheet is written as .md or .html")
    if args.out != "-" and Path(args.out).exists() and not args.force:
        raise UsageError(f"{args.out} exists; add --force to overwrite it")
    try:
        summary = summarise(read_records(src), by=args.by)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    text = render_markdown(summary, min_notes=args.min_notes)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.out)
        out.write_text(render_html(text) if out.suffix.lower() == ".html" else text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
