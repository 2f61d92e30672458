"""Reports and the OCDS export, each limited to what the caller may know.

A report is added up by the database over what the caller sees and answered a page of rows
at a time (planned against delivered), or one row per buying nation (value by origin). An
OCDS package holds one process's releases, a page at a time in the order published: a
procurement, a framework, or one of its call-offs (a process of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bundling_shared.auth import Principal, Role
from contracts.domain import ocds
from contracts.domain.access import Action, Relation, allowed, reach
from contracts.domain.errors import NotFound
from contracts.domain.reporting import (
    DeliveryProgress,
    FundedDeliveries,
    Purchase,
    YearFigures,
    kpis_by_year,
    value_by_origin,
)
from contracts.service_layer import frameworks, procurements
from contracts.service_layer.suppliers import own_supplier_id
from contracts.service_layer.unit_of_work import Found, Sight, UnitOfWork


@dataclass(frozen=True)
class Export:
    """An OCDS package as read: the OCID prefix of its processes, its own address, the day
    and moment that decide what changed since the latest release, and the page of releases
    asked for (`limit` from `offset`), with the address of the package at another offset."""

    prefix: str
    uri: str
    today: date
    now: datetime
    limit: int
    offset: int = 0
    at_offset: Callable[[int], str] = lambda _: ""


@dataclass(frozen=True)
class Package:
    """One page of a process's releases as an OCDS release package, with how many releases
    the process has and the address of the next page, if there is one."""

    body: dict[str, Any]
    total: int
    next: str | None


async def sight_of(uow: UnitOfWork, principal: Principal) -> Sight:
    """Every nation's figures of what the caller leads or supplies, its own nation's of what
    it takes part in: as the caller sees each contract's or call-off's lots; and the totals
    of what its nation pays toward by pledges."""
    supplier_id = await own_supplier_id(uow, principal)
    whole = reach(principal, Action.LOTS_VIEW, Action.CONTRACT_VIEW_ALL, supplier_id=supplier_id)
    own = principal.nation if allowed(principal, Action.LOTS_VIEW, Relation.PARTICIPANT) else None
    funder = principal.nation if allowed(principal, Action.FUNDED_DELIVERIES_VIEW, Relation.FUNDER) else None
    return Sight(whole, own, funder)


async def delivery_progress(
    uow: UnitOfWork, principal: Principal, today: date, limit: int, offset: int
) -> Found[DeliveryProgress]:
    """Planned against delivered per contract (or call-off) and nation, for what the caller sees."""
    async with uow:
        return await uow.lots.progress(await sight_of(uow, principal), today, limit, offset)


async def deliveries_by_funder(
    uow: UnitOfWork, principal: Principal, funder: str | None, today: date, limit: int, offset: int
) -> Found[FundedDeliveries]:
    """Planned against delivered by who pays: a nation its own lots and the totals of the
    contracts it pays toward by pledges; the lead, the supplier and admin every payer's of
    what they see whole. `funder`: that nation's rows alone."""
    async with uow:
        return await uow.lots.by_funder(await sight_of(uow, principal), funder, today, limit, offset)


async def _purchases(uow: UnitOfWork, principal: Principal, *, by_origin: bool = False) -> list[Purchase]:
    """What the caller sees of the contracts and call-offs made here, and the purchases its
    nation recorded as contracted outside (the administrator: every nation's). `by_origin`:
    of what is made here, a nation's value per country of the supplier, without the
    supplier or the year."""
    if not allowed(principal, Action.REPORT, Relation.ANY):
        return []
    async with uow:
        sight = await sight_of(uow, principal)
        if by_origin:
            made_here = [*await uow.contracts.origin_values(sight), *await uow.frameworks.origin_values(sight)]
        else:
            made_here = [*await uow.contracts.purchases(sight), *await uow.frameworks.purchases(sight)]
        if principal.role is Role.ADMIN:
            outside = await uow.national_purchases.purchases(None)
        elif principal.nation is not None:
            outside = await uow.national_purchases.purchases(principal.nation)
        else:
            outside = []
        return [*made_here, *outside]


async def value_by_supplier_origin(uow: UnitOfWork, principal: Principal) -> dict[str, dict[str, Decimal | float]]:
    """Contracted value per buying nation by supplier origin; a nation sees its own row."""
    return value_by_origin(await _purchases(uow, principal, by_origin=True))


async def kpis(uow: UnitOfWork, principal: Principal) -> list[YearFigures]:
    """The industrial-base indicators year by year, over the purchases the caller sees (a
    nation: its own)."""
    return kpis_by_year(await _purchases(uow, principal))


async def _sources(
    uow: UnitOfWork, export: Export, named: dict[str, ocds.Company], supplier_ids: set[str], agreement_ids: list[str]
) -> ocds.Sources:
    """The companies a release names (those in `named` already, and the others read) and
    the first delivery lots of each contract or call-off."""
    lots, counts = {}, {}
    for agreement_id in agreement_ids:
        found = await uow.lots.first_due(agreement_id, ocds.MAX_MILESTONES)
        lots[agreement_id], counts[agreement_id] = list(found.items), found.total
    companies = {**named, **await uow.suppliers.companies(supplier_ids - named.keys())}
    return ocds.Sources(export.prefix, companies, lots, export.today, counts)


async def procurement_package(uow: UnitOfWork, principal: Principal, procurement_id: str, export: Export) -> Package:
    """The tender names its first tenderers, read with their companies in one go: a
    procurement may draw an offer from every registered supplier."""
    async with uow:
        seen = await procurements.readable(uow, principal, procurement_id, Action.PROCUREMENT_EXPORT)
        procurement = seen.procurement
        bids, tenderers = await uow.procurements.bids(procurement.id, procurement.awarded_offer_id, ocds.MAX_TENDERERS)
        winner = procurement.awarded_supplier_id
        contracts = list(await uow.contracts.all_for_bundle(procurement.bundle_id)) if procurement.bundle_id else []
        signed = [c.id for c in contracts if winner is not None and c.supplier_id == winner]
        named = {company.id: company for company in tenderers}
        sources = await _sources(uow, export, named, {winner} if winner else set(), signed)
        state = ocds.fields_of(procurement, "evaluation", "offers")
        return await _published(
            uow,
            ocds.ocid(export.prefix, procurement.id),
            (state, bids, contracts, sources),
            lambda: ocds.procurement_release(procurement, bids, contracts, sources),
            export,
        )


async def framework_package(uow: UnitOfWork, principal: Principal, framework_id: str, export: Export) -> Package:
    """The framework's own process; each call-off is exported as a process of its own."""
    async with uow:
        framework, _ = await frameworks.readable(uow, principal, framework_id, Action.FRAMEWORK_EXPORT)
        sources = await _sources(uow, export, {}, set(framework.suppliers), [])
        return await _published(
            uow,
            ocds.ocid(export.prefix, framework.id),
            (ocds.fields_of(framework, "accession_requests", "change_log"), sources),
            lambda: ocds.framework_release(framework, sources),
            export,
        )


async def call_off_package(
    uow: UnitOfWork, principal: Principal, framework_id: str, call_off_id: str, export: Export
) -> Package:
    """A call-off's process, related to its framework's: for those who may export the framework."""
    async with uow:
        framework, _ = await frameworks.readable(uow, principal, framework_id, Action.FRAMEWORK_EXPORT)
        call_off = await uow.frameworks.call_off(call_off_id)
        if call_off is None or call_off.framework_id != framework.id:
            raise NotFound(f"call-off {call_off_id} of framework contract {framework_id} not found")
        bidders = {str(bid["supplier_id"]) for bid in call_off.competition}
        sources = await _sources(uow, export, {}, {call_off.supplier_id, *bidders}, [call_off.id])
        return await _published(
            uow,
            ocds.ocid(export.prefix, call_off.id),
            (ocds.fields_of(framework, "accession_requests", "change_log"), call_off, sources),
            lambda: ocds.call_off_release(framework, call_off, sources),
            export,
        )


async def _published(
    uow: UnitOfWork, ocid: str, written_from: tuple[Any, ...], draft: Callable[[], dict[str, Any]], export: Export
) -> Package:
    """A page of the process's releases as first published, oldest first, a new one
    published first when the process changed since its latest release. The release is
    written out and compared only when what it is written from is not what the latest
    release was last found to say; when it says the same all the same (the day moved on,
    a call-off added to a framework's totals), the latest release is vouched for with the
    new fingerprint, so the next export finds it at once."""
    sources = ocds.sources_digest(*written_from)
    latest, found = await uow.releases.page(ocid, export.limit, export.offset)
    if latest is None or latest.sources != sources:
        release = ocds.publish(draft(), latest, export.now, sources)
        if release is not None:
            await uow.releases.add(release)
        elif latest is not None:
            await uow.releases.vouch(latest.id, sources)
        await uow.commit()
        if release is not None:
            _, found = await uow.releases.page(ocid, export.limit, export.offset)
    end = export.offset + export.limit
    following = export.at_offset(end) if end < found.total else None
    return Package(ocds.package(export.uri, list(found.items), export.now), found.total, following)
