"""The refusals every service shares, raised where they are decided and answered by the app.

A handler knows that an object is absent or not the caller's to see, that the caller's role
may not act, or that the request clashes with what exists; it does not know about HTTP.
`bundling_shared.problems.install_problem_handlers` turns each into its status (404, 403,
409) with the message as the problem's detail, so no route has to catch them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class NotFound(Exception):
    """Absent, or not the caller's to see: both answer the same, so nothing leaks about
    other nations' business."""


class Forbidden(Exception):
    """The caller sees the object, but its role or its relation to it may not do this."""


class Conflict(Exception):
    """The request clashes with what exists already, or comes at the wrong moment."""


class ChangedMeanwhile(Conflict):
    """Another transaction changed the object between this one's reading and its writing.
    A handler whose act only depends on the object as it is now tries again on a fresh
    reading (`again_if_changed`); otherwise the caller reads it again and decides."""


async def again_if_changed(attempt: Callable[[], Awaitable[T]], attempts: int = 10) -> T:
    """`attempt`, then again from the start as long as another transaction changed what it
    read (each attempt reads afresh and the rules are checked against that reading), up to
    `attempts` times, waiting a random while that grows with each clash so that the rivals
    do not meet again at once. For acts that do not depend on what the caller saw before: a
    nation confirming its part while another nation confirms its own."""
    for clash in range(attempts - 1):
        try:
            return await attempt()
        except ChangedMeanwhile:
            await asyncio.sleep(random.uniform(0, min(0.002 * 2**clash, 0.1)))
    return await attempt()
