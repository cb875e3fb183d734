"""`python -m auditor.learn` is `auditor train`."""
import sys

from auditor.cli import main

sys.exit(main(["train", *sys.argv[1:]]))
