"""The refusals every service shares, raised where they are decided and answered by the app.

A handler knows that an object is absent or not the caller's to see, that the caller's role
may not act, or that the request clashes with what exists; it does not know about HTTP.
`bundling_shared.problems.install_problem_handlers` turns each into its status (404, 403,
409) with the message as the problem's detail, so no route has to catch them.
"""

from __future__ import annotations


class NotFound(Exception):
    """Absent, or not the caller's to see: both answer the same, so nothing leaks about
    other nations' business."""


class Forbidden(Exception):
    """The caller sees the object, but its role or its relation to it may not do this."""


class Conflict(Exception):
    """The request clashes with what exists already, or comes at the wrong moment."""
