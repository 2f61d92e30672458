"""The ways a request or an event can break a rule of the demand domain.

Absent and forbidden are `bundling_shared.errors`; a rule that holds but forbids the change
at this moment is also a shared `Conflict`, so that every service answers it alike (409).
"""

from __future__ import annotations

from bundling_shared.errors import Conflict


class DemandRuleViolation(Exception):
    """A request or event breaks a rule of the demand domain (a 4xx, or a dead letter).

    `field` names the part of a need the rule is about, as the API spells it
    (``quantity``, ``delivery_window``, ``budget_ceiling.amount``), and `rule` the rule as
    a stable slug, so that a refusal tells a client which field to correct and why."""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule


class InvalidNeed(DemandRuleViolation):
    """A need as asked for cannot exist (422)."""


class InvalidReference(DemandRuleViolation):
    """Reference data does not know, or refuses, what was asked for (422)."""


class NotAllowedNow(Conflict, DemandRuleViolation):
    """The rule holds, but the object's state forbids the change at this moment (409)."""


class BundleNotOpen(NotAllowedNow):
    pass


class EmptyBundle(NotAllowedNow):
    pass
