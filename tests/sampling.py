"""Evenly spread samples of the gold for tests whose time would otherwise grow with it."""
from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")


def spread(items: Sequence[T], n: int) -> list[T]:
    """At most `n` items taken at an even stride over the whole sequence (every writer and style,
    since the gold is stored writer by writer), so a test's time stays flat as the gold grows."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]
