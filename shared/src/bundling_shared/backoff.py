"""How long to wait before trying a dependency again.

Doubling the wait keeps a process that cannot reach Kafka or its database from hammering
it (and its own log) while it is away; the cap bounds how long a process stays idle after
it came back; the jitter keeps replicas that lost it at the same moment from all coming
back at the same moment.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Waits of `first`, doubled after each failure up to `cap`, each drawn at random
    between half and all of it. `reset()` once the dependency answered."""

    def __init__(self, first: float, cap: float, rng: Callable[[], float] = random.random) -> None:
        self.first, self.cap = first, max(cap, first)
        self._rng = rng
        self.failures = 0

    def next(self) -> float:
        """The wait after one more failure."""
        ceiling = min(self.cap, self.first * 2.0 ** min(self.failures, 60))
        self.failures += 1
        return ceiling * (0.5 + self._rng() / 2)

    def reset(self) -> None:
        self.failures = 0
