"""Needs and bundles as the unit tests build them: on the seeded catalogue, at one moment."""

from __future__ import annotations

from datetime import UTC, date, datetime

from demand.domain.bundle import Bundle, BundleKind, BundleLine
from demand.domain.need import Need
from demand.domain.reference import SEED_ITEMS

ITEMS = {i.code: i for i in SEED_ITEMS}
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def need(
    nation: str = "NLD",
    quantity: int | None = 100,
    item: str = "AMMO-155MM",
    start: date = date(2025, 1, 1),
    end: date = date(2028, 12, 31),
    **kwargs: object,
) -> Need:
    return Need.register(
        now=NOW,
        nation=nation,
        item_code=item,
        quantity=quantity,
        window_start=start,
        window_end=end,
        item=ITEMS.get(item),
        **kwargs,  # type: ignore[arg-type]
    )


def bundle_of(*needs: Need) -> Bundle:
    return joined(*needs)[0]


def joined(*needs: Need) -> tuple[Bundle, list[BundleLine]]:
    """A joint order the needs joined, and their lines: what a commit orders."""
    bundle = Bundle.open_for(needs[0], kind=BundleKind.JOINT_ORDER, now=NOW)
    return bundle, [bundle.join(n, "test", NOW) for n in needs]
