"""Read models that compute rather than load: the what-if preview of a need and the
aggregated demand sheet of an item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bundling_shared.errors import NotFound
from bundling_shared.strict import EARLIEST_YEAR, LATEST_YEAR
from demand.domain.access import Caller, limited_to, registering_for
from demand.domain.bundle import BundleKind
from demand.domain.bundling import place
from demand.domain.capacity import ItemCapacity
from demand.domain.funding import Assessment, BundleFacts, evaluate
from demand.domain.need import Need, NeedTerms
from demand.service_layer.unit_of_work import OpenBundle, UnitOfWork


@dataclass
class Preview:
    """What would happen to a need, computed without saving anything, as its reader may
    see it: of a bundle the reader is not in, totals and nation counts only."""

    joins_bundle: str | None
    visible: bool
    kind: BundleKind
    reason: str
    passed_over: list[str]
    total_quantity: int
    nation_count: int
    funding: list[Assessment]
    nation: str  # the desk's, whose own value it may see
    own_value_eur: Decimal  # its value in the bundle, the new need's budget ceiling included


async def preview_need(uow: UnitOfWork, *, caller: Caller, terms: NeedTerms) -> Preview:
    """As `caller` may read it (`limited_to`): of a bundle the caller's nation has no share
    in, the preview shows neither the id nor the nations, since the funding reasons count
    them, and bundles passed over are named only if it is in them."""
    registering_for(caller, terms["nation"])
    reader = limited_to(caller)
    async with uow:
        item = await uow.catalogue.get(terms["item_code"].strip())
        need = Need.register(now=uow.clock.now(), item=item, **terms)
        placement = place(need, item, await uow.bundles.candidates(need.item_code))
    bundle = placement.bundle
    nations = set(bundle.nations) if bundle else set()
    nations.add(need.nation)
    # The same test as for reading a bundle: a nation sees one it has a share in.
    sees = reader is None or (bundle.share(reader) is not None if bundle else reader == need.nation)
    ukraine = (sum(s.ukraine_quantity for s in bundle.shares) if bundle else 0) + need.ukraine_quantity
    values = {s.nation: bundle.value_of(s) for s in bundle.shares} if bundle else {}
    price = bundle.unit_price_eur if bundle else None
    joining = (need.budget_ceiling_eur or Decimal(0)) if price is None else price * need.quantity
    values[need.nation] = values.get(need.nation, Decimal(0)) + joining
    facts = BundleFacts(tuple(sorted(nations)), ukraine, bundle.sme_share if bundle else None, values)
    return Preview(
        joins_bundle=bundle.id if bundle else None,
        visible=bundle is not None and sees,
        kind=placement.kind,
        reason=placement.reason_for(reader),
        passed_over=placement.passed_over_for(reader),
        total_quantity=(bundle.total_quantity if bundle else 0) + need.quantity,
        nation_count=len(nations),
        funding=evaluate(facts, uow.clock.now().date(), named=sees),
        nation=need.nation,
        own_value_eur=values[need.nation],
    )


@dataclass
class DemandSheet:
    item_code: str
    per_year: dict[int, int] = field(default_factory=dict)
    total_quantity: int = 0
    nation_count: int = 0
    need_count: int = 0
    ukraine_quantity: int = 0
    ukraine_per_year: dict[int, int] = field(default_factory=dict)  # of per_year, what is for Ukraine
    open_bundles: list[OpenBundle] = field(default_factory=list)
    open_bundle_count: int = 0
    capacity: ItemCapacity | None = None  # the declared lines over the sheet's years
    as_of: datetime | None = None


PLANNING_YEARS = LATEST_YEAR - EARLIEST_YEAR + 1
"""The most years anything is planned over: one per year of the planning range."""

OPEN_BUNDLES_SHOWN = 100
"""A sheet lists the item's open bundles up to this many, the oldest first, and counts
them all: its size does not grow with them."""


async def demand_sheet(uow: UnitOfWork, *, item_code: str) -> DemandSheet:
    """Totals per year over submitted, bundled and committed needs of the item (a need
    set aside as unplaceable is not demand the engine holds)."""
    sheet = DemandSheet(item_code, as_of=uow.clock.now())
    nations: set[str] = set()
    async with uow:
        item = await uow.catalogue.current(item_code)  # read, not changed: as of a moment ago
        if item is None:
            raise NotFound(f"item {item_code} not found")
        for alike in await uow.needs.demand_of_item(item_code):
            for year in alike.schedule:
                sheet.per_year[year.year] = sheet.per_year.get(year.year, 0) + year.quantity
                if alike.ukraine_quantity:
                    sheet.ukraine_per_year[year.year] = sheet.ukraine_per_year.get(year.year, 0) + year.quantity
            sheet.total_quantity += alike.quantity
            sheet.ukraine_quantity += alike.ukraine_quantity
            sheet.need_count += alike.count
            nations.add(alike.nation)
        found, sheet.open_bundle_count = await uow.bundles.open_of_item(item_code, OPEN_BUNDLES_SHOWN)
        sheet.open_bundles = list(found)
        lines = await uow.lines.of_item(item_code)
        years = sorted(set(sheet.per_year) | {y.year for line in lines for y in line.capacity_by_year})
        sheet.capacity = ItemCapacity.of(lines, years[:PLANNING_YEARS], item.specification_material_risks)
    sheet.nation_count = len(nations)
    sheet.per_year = dict(sorted(sheet.per_year.items()))
    sheet.ukraine_per_year = dict(sorted(sheet.ukraine_per_year.items()))
    return sheet
