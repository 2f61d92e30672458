"""Euros with cents, exactly.

A binary float cannot hold 0.10 EUR: three call-offs at 2,500,000.10 EUR come to a
fraction of a cent more than their ceiling of 7,500,000.30 EUR, and the last one would be
refused. Every amount in the contracts context is a ``Decimal`` rounded to the cent;
amounts arriving as floats (older events) pass through their shortest decimal text first,
so 0.1 stays 0.10 and does not become 0.1000000000000000055511151231257827.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from contracts.domain.errors import ContractRuleViolation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_EUR = Decimal("1000000000000.00")
"""One trillion euros: above every defence budget; what a ceiling, a budget or a price may
come to, so that every sum the platform keeps fits its columns."""


def eur(amount: Decimal | int | float | str) -> Decimal:
    """The amount to the cent; ValueError when it is not a finite number."""
    value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"an amount in EUR must be a finite number, not {amount}")
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"an amount in EUR of {amount} is beyond what can be kept to the cent") from exc


def eur_or_none(amount: Decimal | int | float | str | None) -> Decimal | None:
    return None if amount is None else eur(amount)


def text(amount: Decimal) -> str:
    """``"7500000.30"``: how an amount is written where JSON keeps it (change logs, records)."""
    return f"{eur(amount):.2f}"


def positive_eur(amount: Decimal | float, what: str) -> Decimal:
    """An amount above zero and within what the platform keeps, to the cent."""
    try:
        value = eur(amount)
    except ValueError as exc:
        raise ContractRuleViolation(f"{what} must be a finite amount in EUR") from exc
    if not 0 < value <= MAX_EUR:
        raise ContractRuleViolation(f"{what} must be above 0 and at most {text(MAX_EUR)} EUR, not {value}")
    return value
