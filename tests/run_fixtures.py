"""Helpers shared by the tests of interrupted runs."""
from __future__ import annotations


def interrupt_after(monkeypatch, chunks: int) -> None:
    """The next in-process run raises KeyboardInterrupt (Ctrl-C) when it audits chunk `chunks + 1`."""
    import auditor.parallel as parallel

    real = parallel.audit_chunk
    calls = {"n": 0}

    def dies(nlp, rows, batch_size=50, **options):
        calls["n"] += 1
        if calls["n"] == chunks + 1:
            raise KeyboardInterrupt
        return real(nlp, rows, batch_size, **options)

    monkeypatch.setattr(parallel, "audit_chunk", dies)
