"""Where a need belongs: the compatibility rules of the bundling engine.

Needs bundle when they are for the same item, of the same kind (one-off demand for a
joint order, multi-year or recurring demand for a framework contract), to a compatible
specification, with delivery windows that overlap the bundle's. Every verdict comes with
its reason so that a desk can see why its need went where it went.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from demand.domain.bundle import BundleKind, BundleState
from demand.domain.need import QUANTITY_LIMIT, Deviation, NeedFacts
from demand.domain.reference import CatalogueItem

HARMONISED = "harmonised"

# What one bundle holds: its totals stay well inside the database's 64-bit integers (its
# value in cents, too) and its line count inside 32 bits. A bundle that is full is passed
# over like any other that does not fit, and a new one opens.
BUNDLE_QUANTITY_LIMIT = 10**15
BUNDLE_VALUE_LIMIT_EUR = 10**16
BUNDLE_LINE_LIMIT = 10**8


def unplaceable(need: NeedFacts) -> str | None:
    """Why the engine cannot place `need` at all, or None. The API refuses such needs; a
    row stored before its bounds, or written around them, still reaches the engine, which
    sets it aside with this reason instead of failing on it."""
    if not 0 < need.quantity <= QUANTITY_LIMIT:
        return f"quantity {need.quantity:,} is outside the 1 to {QUANTITY_LIMIT:,} units one need may hold"
    if any(not 0 < y.quantity <= QUANTITY_LIMIT for y in need.schedule):
        return f"a yearly quantity is outside the 1 to {QUANTITY_LIMIT:,} units one need may hold"
    if need.window_end < need.window_start:
        return f"delivery window ends ({need.window_end}) before it starts ({need.window_start})"
    budget = need.budget_ceiling_eur
    if budget is not None and not 0 <= budget <= BUNDLE_VALUE_LIMIT_EUR:
        return f"budget ceiling {budget:,} EUR is outside 0 to {BUNDLE_VALUE_LIMIT_EUR:,} EUR"
    return None


def has_room(bundle: BundleState, need: NeedFacts) -> bool:
    if bundle.line_count >= BUNDLE_LINE_LIMIT or bundle.total_quantity + need.quantity > BUNDLE_QUANTITY_LIMIT:
        return False
    if not need.budget_ceiling_eur:
        return True
    return sum(s.value_eur for s in bundle.shares) + need.budget_ceiling_eur <= BUNDLE_VALUE_LIMIT_EUR


def kind_of(need: NeedFacts) -> BundleKind:
    return BundleKind.FRAMEWORK_CONTRACT if need.multi_year else BundleKind.JOINT_ORDER


def incompatible(need: NeedFacts) -> list[Deviation]:
    return [d for d in need.deviations if not d.compatible]


def variant_of(need: NeedFacts, item: CatalogueItem | None) -> str:
    """`harmonised` when the need accepts the harmonised specification (deviations marked
    compatible are fine); otherwise a key naming the specification and the incompatible
    deviations, so only needs deviating the same way bundle together."""
    if need.specification_ref is None and not need.deviations:
        return HARMONISED  # no specification of its own and no deviation: the common case
    harmonised_ref = item.specification_ref if item else None
    deviating = sorted({d.description.strip().lower() for d in incompatible(need)})
    own_spec = need.specification_ref not in (None, harmonised_ref)
    if not deviating and not own_spec:
        return HARMONISED
    return "deviating:" + "|".join([need.specification_ref or "-", *deviating])


def _window(start: date, end: date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


def _fits(bundle: BundleState, need: NeedFacts, kind: BundleKind, variant: str) -> bool:
    """`why_not` without its words: the verdict for every candidate of every need."""
    return (
        bundle.joinable
        and bundle.item_code == need.item_code
        and bundle.kind is kind
        and bundle.variant == variant
        and not (need.window_end < bundle.window_start or need.window_start > bundle.window_end)
        and has_room(bundle, need)
    )


def why_not(
    bundle: BundleState, need: NeedFacts, kind: BundleKind, variant: str, name: str | None = None
) -> str | None:
    """None when `need` may join `bundle`; otherwise the reason in words, which call the
    bundle `name` (by default `bundle <id>`)."""
    it = name or f"bundle {bundle.id}"
    if not bundle.joinable:
        return f"{it} is {bundle.status.value}" + (", closed" if bundle.closed_reason else "")
    if bundle.item_code != need.item_code:
        return f"{it} is for {bundle.item_code}"
    if bundle.kind is not kind:
        wanted = "multi-year" if kind is BundleKind.FRAMEWORK_CONTRACT else "one-off"
        return f"{it} gathers a {bundle.kind.value.replace('_', ' ')}, this need is {wanted} demand"
    if bundle.variant != variant:
        if variant == HARMONISED:
            return f"{it} deviates from the harmonised specification, this need does not"
        return f"this need's specification or deviations are incompatible with {it}"
    if need.window_end < bundle.window_start or need.window_start > bundle.window_end:
        return (
            f"delivery window {_window(need.window_start, need.window_end)} does not overlap {it}'s"
            f" {_window(bundle.window_start, bundle.window_end)}"
        )
    if not has_room(bundle, need):
        return f"{it} is full"
    return None


UNNAMED = "an older bundle"  # what a reader not in a passed-over bundle reads instead of its id


@dataclass
class Placement:
    """The engine's verdict for one need: join `bundle`, or open a new one. The bundles it
    passed over are kept, and why in words (`passed_over`) is written when first asked
    for: by the what-if preview, or for the reason of a split, not for every need placed.

    Those words name the bundles passed over, all older than the one the need goes to;
    `passed_over_for` and `reason_for` give them as a nation may read them."""

    bundle: BundleState | None
    kind: BundleKind
    variant: str
    reason: str
    need: NeedFacts
    passed: list[BundleState] = field(default_factory=list)

    @cached_property
    def passed_over(self) -> list[str]:
        return self.passed_over_for(None)

    def passed_over_for(self, reader: str | None) -> list[str]:
        """`passed_over` as the nation `reader` may read it: a bundle it has no share in is
        `an older bundle`, not its id (None reads every id)."""
        need, kind, variant = self.need, self.kind, self.variant
        said = []
        for b in self.passed:
            name = f"bundle {b.id}" if reader is None or b.share(reader) is not None else UNNAMED
            said.append(why_not(b, need, kind, variant, name) or f"{name} was passed over")
        return said

    def reason_for(self, reader: str | None) -> str:
        """`reason` as the nation `reader` may read it: only a split's names other bundles."""
        return _split(self.kind, self.passed_over_for(reader)) if self.split else self.reason

    @property
    def split(self) -> bool:
        """A new bundle although others for the item exist: the needs were split."""
        return self.bundle is None and bool(self.passed)


def place(need: NeedFacts, item: CatalogueItem | None, candidates: Sequence[BundleState]) -> Placement:
    """Choose among the open bundles of the item; the oldest compatible one wins."""
    kind = kind_of(need)
    variant = variant_of(need, item)
    passed: list[BundleState] = []
    for bundle in sorted(candidates, key=oldest_first):
        if _fits(bundle, need, kind, variant):
            spec = "the harmonised specification" if variant == HARMONISED else "the same deviating specification"
            return Placement(
                bundle,
                kind,
                variant,
                f"same item {need.item_code}, {spec}, {_DEMAND[kind]} demand, delivery window"
                f" {_window(need.window_start, need.window_end)} overlaps"
                f" {_window(bundle.window_start, bundle.window_end)}",
                need,
                passed,
            )
        passed.append(bundle)
    placement = Placement(None, kind, variant, "", need, passed)
    if passed:
        placement.reason = _split(kind, placement.passed_over)
    else:
        placement.reason = f"first need for {need.item_code} ({_what(kind)})"
    return placement


def _what(kind: BundleKind) -> str:
    return "multi-year demand: a framework contract" if kind is BundleKind.FRAMEWORK_CONTRACT else "one-off demand"


def _split(kind: BundleKind, passed_over: list[str]) -> str:
    return f"new bundle ({_what(kind)}) because " + "; ".join(passed_over[:3])


_DEMAND = {kind: kind.value.replace("_", " ") for kind in BundleKind}


def oldest_first(bundle: BundleState) -> tuple[datetime, str]:
    """The order in which candidates are offered a need: the oldest bundle wins."""
    return bundle.created_at, bundle.id
