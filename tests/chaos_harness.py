"""Run `auditor audit ARGS` and SIGKILL this very process at a chosen point (used by tests/test_chaos.py).

    python tests/chaos_harness.py POINT:N audit ...

POINT is where the kill lands: `chunk:N` in the middle of the N-th chunk written to OUTPUT.partial (its
fingerprint lines written, half of its records, a torn line), `merge:N` when the N-th record gains its
refill-interval findings in the merge, `rename` after OUTPUT.merging became OUTPUT but before the
partial file is removed, `inputs` before the fingerprint is removed, `none` never. SIGKILL runs no
handler and no `finally`: exactly what a crash, the OOM killer or a pulled plug leaves behind.
"""
from __future__ import annotations

import os
import signal
import sys
from typing import Any


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, n: int) -> None:
    import auditor.interval_pass as ip
    import auditor.io as aio

    if point == "chunk":
        real = aio.JsonlWriter.write
        calls = {"n": 0}

        def write(self: Any, rows: Any, records: Any) -> None:
            if not self.partial.endswith(".records.partial"):  # OUTPUT.partial, not another format's first pass
                calls["n"] += 1
                if calls["n"] == n:
                    if getattr(self, "_inputs", None) is not None:
                        self._inputs.write("".join(aio.row_digest(r) + "\n" for r in rows))
                        self._inputs.flush()
                    data = "".join(aio.dumps(r) + "\n" for r in records)
                    self._fh.write(data[: len(data) // 2])
                    self._fh.flush()
                    _kill()
            real(self, rows, records)

        aio.JsonlWriter.write = write  # type: ignore[method-assign]
    elif point == "merge":
        real_with = ip._with
        calls = {"n": 0}

        def with_(record: Any, found: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == n:
                _kill()
            return real_with(record, found)

        ip._with = with_
    elif point == "rename":
        class Os:
            def __getattr__(self, name: str) -> Any:
                return getattr(os, name)

            @staticmethod
            def remove(path: str) -> None:
                if path.endswith(".partial"):
                    _kill()
                os.remove(path)

        ip.os = Os()  # type: ignore[assignment]
    elif point == "inputs":
        aio.JsonlWriter.discard_inputs = lambda self: _kill()  # type: ignore[method-assign]


if __name__ == "__main__":
    where, _, count = sys.argv[1].partition(":")
    arm(where, int(count or 0))
    from auditor.cli import main

    sys.exit(main(sys.argv[2:]))
