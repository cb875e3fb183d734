"""How well the auditor does, measured against people: all of the project's evaluation.

- gold.py         read, validate and normalise gold notes; load one split
- split.py        the fixed dev/held-out split (a hash of source and note id)
- metrics.py      precision/recall/F1, confusions, accuracy, deficiency and findings counts (pure arithmetic)
- scoring.py      every figure of a gold evaluation, from gold notes and their records
- gold_run.py     a gold split audited (with the same patients' other visits) and scored
- text_report.py  the tables `auditor evaluate gold` prints
- phrasebank.py   one-concept fragments scored per concept
- agreement.py    Cohen's kappa; gold vs a second annotator, reviewers vs the auditor

Front doors: `auditor evaluate [gold|phrasebank|agreement]` and `auditor gold validate|split`.
Nothing here is imported by the audit itself: it sits beside the CLI, the UI and the reports.
"""
