"""Item categories: what an endpoint filters messages by. A company making ammunition
wants to hear of ammunition, not of radars."""

from __future__ import annotations

from collections.abc import Iterable

from notifications.domain.errors import InvalidEndpoint

MAX_ITEM_CATEGORIES = 50


def item_category(item_code: str) -> str:
    """An item's category is its code up to the first hyphen: AMMO-155MM is in AMMO."""
    return item_code.split("-", 1)[0].upper()


def normalise_categories(categories: Iterable[str]) -> list[str]:
    wanted = sorted({c.strip().upper() for c in categories if c.strip()})
    if len(wanted) > MAX_ITEM_CATEGORIES:
        raise InvalidEndpoint(f"at most {MAX_ITEM_CATEGORIES} item categories per endpoint")
    bad = [c for c in wanted if len(c) > 60]
    if bad:
        raise InvalidEndpoint(f"item categories longer than 60 characters: {bad}")
    return wanted


def matches_categories(item_codes: Iterable[str], categories: Iterable[str]) -> bool:
    """An entry is a category (AMMO) or a whole item code (AMMO-155MM); no entries: all items.
    A message about several items (what a fund buys) passes when any of them does.

    A message about no item in particular (a schedule change of the supplier's own
    contract) passes every filter: it is addressed to the endpoint's organisation itself.
    """
    wanted, codes = list(categories), [code.upper() for code in item_codes]
    if not wanted or not codes:
        return True
    return any(item_category(code) in wanted or code in wanted for code in codes)
