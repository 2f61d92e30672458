"""Needs, bundles and the rules that join them.

A need is one nation's requirement; a bundle gathers compatible needs so that one joint
order can be placed for many nations. The backbone groups needs per item; richer
compatibility (specifications, windows, funding) builds on these same types.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

ALPHA3 = re.compile(r"^[A-Z]{3}$")


class DemandRuleViolation(Exception):
    """A request or event breaks a rule of the demand domain."""


class InvalidNeed(DemandRuleViolation):
    pass


class BundleNotOpen(DemandRuleViolation):
    pass


class EmptyBundle(DemandRuleViolation):
    pass


class NeedStatus(StrEnum):
    SUBMITTED = "submitted"
    BUNDLED = "bundled"
    COMMITTED = "committed"


class EndUser(StrEnum):
    OWN_FORCES = "own_forces"
    UKRAINE = "ukraine"


class BundleStatus(StrEnum):
    OPEN = "open"
    COMMITTED = "committed"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@dataclass
class Need:
    id: str
    nation: str
    item_code: str
    quantity: int
    window_start: date
    window_end: date
    end_user: EndUser = EndUser.OWN_FORCES
    status: NeedStatus = NeedStatus.SUBMITTED
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def register(
        cls,
        *,
        nation: str,
        item_code: str,
        quantity: int,
        window_start: date,
        window_end: date,
        end_user: EndUser = EndUser.OWN_FORCES,
    ) -> Need:
        if not ALPHA3.match(nation):
            raise InvalidNeed(f"nation {nation!r} is not an ISO 3166-1 alpha-3 code")
        if quantity <= 0:
            raise InvalidNeed(f"quantity must be positive, got {quantity}")
        if window_end < window_start:
            raise InvalidNeed(f"delivery window ends ({window_end}) before it starts ({window_start})")
        if not item_code.strip():
            raise InvalidNeed("item code is empty")
        return cls(
            id=new_id("need"),
            nation=nation,
            item_code=item_code.strip(),
            quantity=quantity,
            window_start=window_start,
            window_end=window_end,
            end_user=end_user,
        )


@dataclass
class BundleLine:
    need_id: str
    nation: str
    quantity: int
    window_start: date
    window_end: date


@dataclass
class Bundle:
    id: str
    item_code: str
    status: BundleStatus = BundleStatus.OPEN
    lead: str | None = None
    committed_by: str | None = None
    revision: int = 0
    lines: list[BundleLine] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def open_for(cls, item_code: str) -> Bundle:
        return cls(id=new_id("bundle"), item_code=item_code)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def nations(self) -> list[str]:
        return sorted({line.nation for line in self.lines})

    @property
    def window(self) -> tuple[date, date]:
        if not self.lines:
            raise EmptyBundle(f"bundle {self.id} has no lines")
        return min(x.window_start for x in self.lines), max(x.window_end for x in self.lines)

    def quantity_of(self, nation: str) -> int:
        return sum(line.quantity for line in self.lines if line.nation == nation)

    def largest_share(self) -> str:
        """The nation with the largest quantity: the proposed lead when none is nominated."""
        if not self.lines:
            raise EmptyBundle(f"bundle {self.id} has no lines")
        return max(self.nations, key=lambda n: (self.quantity_of(n), n))

    def join(self, need: Need) -> bool:
        """Add `need` as a line; False when it is already in (a redelivered event)."""
        if self.status is not BundleStatus.OPEN:
            raise BundleNotOpen(f"bundle {self.id} is {self.status.value}; no need can join it")
        if need.item_code != self.item_code:
            raise DemandRuleViolation(f"need {need.id} is for {need.item_code}, bundle is for {self.item_code}")
        if any(line.need_id == need.id for line in self.lines):
            return False
        self.lines.append(BundleLine(need.id, need.nation, need.quantity, need.window_start, need.window_end))
        need.status = NeedStatus.BUNDLED
        return True

    def commit(self, *, lead: str | None, committed_by: str) -> None:
        """Turn the bundle into a joint order placed by `lead` for all its nations."""
        if self.status is not BundleStatus.OPEN:
            raise BundleNotOpen(f"bundle {self.id} is already {self.status.value}")
        if not self.lines:
            raise EmptyBundle(f"bundle {self.id} has no needs to order")
        self.lead = lead or self.largest_share()
        self.committed_by = committed_by
        self.status = BundleStatus.COMMITTED
