"""The ways a request or an event can break a rule of the demand domain."""

from __future__ import annotations


class DemandRuleViolation(Exception):
    """A request or event breaks a rule of the demand domain (a 4xx, or a dead letter)."""


class InvalidNeed(DemandRuleViolation):
    """A need as asked for cannot exist (422)."""


class InvalidReference(DemandRuleViolation):
    """Reference data does not know, or refuses, what was asked for (422)."""


class NotAllowedNow(DemandRuleViolation):
    """The rule holds, but the object's state forbids the change at this moment (409)."""


class BundleNotOpen(NotAllowedNow):
    pass


class EmptyBundle(NotAllowedNow):
    pass
