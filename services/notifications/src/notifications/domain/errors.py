"""The notifications service's rule violations (422): a request or an event that breaks a
rule of the domain. What is absent or not the caller's to see, what the caller's role may
not do and what clashes with the state of things are `bundling_shared.errors`."""

from __future__ import annotations


class NotificationRuleViolation(Exception):
    """A request or event breaks a rule of the notifications domain."""


class InvalidEndpoint(NotificationRuleViolation):
    """An endpoint's address, filters or rate limit cannot be accepted as given."""


class DeliveryFinished(NotificationRuleViolation):
    """An attempt recorded against a delivery that has already ended."""


class NotTheirs(NotificationRuleViolation):
    """A caller asked to register an endpoint for an owner it does not speak for. `field`
    names what it asked for (`nation` or `organisation`), so the answer can point at it."""

    def __init__(self, reason: str, field: str = "organisation") -> None:
        super().__init__(reason)
        self.field = field


class EmptyWindow(NotificationRuleViolation):
    """A recovery window that ends before it begins holds nothing to send again."""
