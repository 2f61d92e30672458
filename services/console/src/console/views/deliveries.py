"""Planned against delivered per month, from a contract's lots as the reader may see them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any


def by_month(lots: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[int], list[int]]:
    """Months in order, what was due in each and what of it was delivered."""
    planned: dict[str, int] = defaultdict(int)
    delivered: dict[str, int] = defaultdict(int)
    for lot in lots:
        month = str(lot["due_date"])[:7]
        planned[month] += int(lot["quantity"])
        delivered[month] += int(lot["delivered"])
    months = sorted(planned)
    return months, [planned[m] for m in months], [delivered[m] for m in months]
