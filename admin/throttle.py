"""Login rate limiting: failed sign-ins per client address and per username in a sliding window."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ADDRESS = 20  # an office behind one NAT address shares this
MAX_FAILURES_PER_USERNAME = 5


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> int:
        q = self._failures.get(key)
        if q is None:
            return 0
        cutoff = self._clock() - WINDOW_SECONDS
        while q and q[0] < cutoff:
            q.popleft()
        if not q:
            del self._failures[key]
        return len(q)

    def blocked(self, address: str, username: str) -> bool:
        return (
            self._recent(f"ip:{address}") >= MAX_FAILURES_PER_ADDRESS
            or self._recent(f"user:{username}") >= MAX_FAILURES_PER_USERNAME
        )

    def failed(self, address: str, username: str) -> None:
        now = self._clock()
        self._failures[f"ip:{address}"].append(now)
        self._failures[f"user:{username}"].append(now)

    def succeeded(self, username: str) -> None:
        self._failures.pop(f"user:{username}", None)
