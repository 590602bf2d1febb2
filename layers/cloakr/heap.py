"""Keeping a warm Lambda process's long-lived objects out of the garbage collector's way.

After its first request a function holds everything it will keep: the AWS SDK's service models, pydantic schemas,
compiled patterns and the name lexicons (sets of some hundred thousand words). CPython's collector still walks all
of it at every full collection, which then takes tens of milliseconds in the middle of some request (up to 60 ms
measured in ``bench.gateway``), and its younger collections take milliseconds more. ``gc.freeze()`` moves every
object alive at that moment into a generation the collector never scans, so later collections walk only what later
requests allocate. Garbage of the first request that only a collection would free stays, once, with the rest.
"""

from __future__ import annotations

import functools
import gc
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def freeze_after_first_call(fn: F) -> F:
    """``fn``, which freezes the heap once it has returned (or raised) for the first time in this process."""
    settled = False

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal settled
        try:
            return fn(*args, **kwargs)
        finally:
            if not settled:
                settled = True
                gc.freeze()

    return wrapper  # type: ignore[return-value]
