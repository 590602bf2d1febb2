"""A small in-process cache with expiry, for decisions that may be a little stale but must not be stale for long.

Key look-ups, tenant settings and user blocks are read on every request; caching them for ``CACHE_SECONDS`` keeps
DynamoDB off the hot path. The price is that a revocation or block takes up to that long to reach a warm
function (API Gateway's own authorizer cache adds its TTL on top for keys).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Hashable

CACHE_SECONDS = 30.0
MAX_ENTRIES = 4096


class TtlCache:
    def __init__(self, seconds: float = CACHE_SECONDS, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.max_entries, self.clock = seconds, max_entries, clock
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value for ``key``, or ``load()``'s result, cached (``None`` results are cached too)."""
        now = self.clock()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
                if len(self._items) >= self.max_entries:
                    self._items.clear()
            self._items[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
