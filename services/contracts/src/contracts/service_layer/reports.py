"""Reports and the OCDS export, each limited to what the caller may know."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bundling_shared.auth import Principal
from contracts.domain import ocds
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.reporting import DeliveryProgress, Purchase, planned_vs_delivered, value_by_origin
from contracts.service_layer.access import NotFound, industry_org
from contracts.service_layer.authorisation import Action, Relation, allowed, authorise
from contracts.service_layer.awards import relation_of as procurement_relation
from contracts.service_layer.deliveries import Agreement, resolve, visible_nations
from contracts.service_layer.frameworks import relation_of as framework_relation
from contracts.service_layer.unit_of_work import UnitOfWork


async def delivery_progress(uow: UnitOfWork, principal: Principal, today: date) -> list[DeliveryProgress]:
    """Planned against delivered per contract (or call-off) and nation, for what the caller sees."""
    async with uow:
        agreements: dict[str, Agreement | None] = {}
        visible: list[DeliveryLot] = []
        for lot in await uow.lots.list():
            if lot.contract_id not in agreements:
                agreements[lot.contract_id] = await resolve(uow, lot.contract_id)
            agreement = agreements[lot.contract_id]
            seen = visible_nations(principal, agreement) if agreement else set()
            if seen is None or lot.nation in seen:
                visible.append(lot)
    return planned_vs_delivered(visible, today)


async def value_by_supplier_origin(uow: UnitOfWork, principal: Principal) -> dict[str, dict[str, Decimal | float]]:
    """Contracted value per buying nation by supplier origin; a nation sees its own row."""
    purchases: list[Purchase] = []
    if not allowed(principal, Action.REPORT, Relation.ANY):
        return {}
    async with uow:
        for contract in await uow.contracts.list(100_000, 0):
            if contract.supplier_id and contract.unit_price_eur is not None:
                supplier = await uow.suppliers.get(contract.supplier_id)
                agreement = await resolve(uow, contract.id)
                seen = visible_nations(principal, agreement) if agreement else set()
                if supplier is not None:
                    purchases += [
                        Purchase(line.nation, contract.unit_price_eur * line.quantity, supplier.country)
                        for line in contract.lines
                        if seen is None or line.nation in seen
                    ]
        for call_off in await uow.frameworks.all_call_offs():
            supplier = await uow.suppliers.get(call_off.supplier_id)
            agreement = await resolve(uow, call_off.id)
            seen = visible_nations(principal, agreement) if agreement else set()
            if call_off.value_eur is not None and supplier is not None and (seen is None or call_off.nation in seen):
                purchases.append(Purchase(call_off.nation, call_off.value_eur, supplier.country))
    return value_by_origin(purchases)


async def procurement_package(
    uow: UnitOfWork, principal: Principal, procurement_id: str, prefix: str, uri: str, today: date, now: datetime
) -> dict[str, Any]:
    async with uow:
        procurement = await uow.procurements.get(procurement_id)
        if procurement is None:
            raise NotFound(f"procurement {procurement_id} not found")
        relation = procurement_relation(principal, procurement, await _own_supplier_id(uow, principal))
        authorise(principal, Action.PROCUREMENT_EXPORT, relation, f"procurement {procurement_id}")
        ids = {o.supplier_id for o in procurement.offers}
        suppliers = await uow.suppliers.by_ids(ids)
        contracts = list(await uow.contracts.all_for_bundle(procurement.bundle_id)) if procurement.bundle_id else []
        lots = {c.id: list(await uow.lots.for_contract(c.id)) for c in contracts}
        draft = ocds.procurement_release(prefix, procurement, suppliers, contracts, lots, today)
        releases = await _published(uow, [draft], now)
    return ocds.package(uri, releases, now)


async def framework_package(
    uow: UnitOfWork, principal: Principal, framework_id: str, prefix: str, uri: str, today: date, now: datetime
) -> dict[str, Any]:
    async with uow:
        framework = await uow.frameworks.get(framework_id)
        if framework is None:
            raise NotFound(f"framework contract {framework_id} not found")
        relation = framework_relation(principal, framework, await _own_supplier_id(uow, principal))
        authorise(principal, Action.FRAMEWORK_EXPORT, relation, f"framework contract {framework_id}")
        ids = set(framework.suppliers) | {c.supplier_id for c in framework.call_offs}
        ids |= {str(bid["supplier_id"]) for c in framework.call_offs for bid in c.competition}
        suppliers = await uow.suppliers.by_ids(ids)
        lots = {c.id: list(await uow.lots.for_contract(c.id)) for c in framework.call_offs}
        drafts = ocds.framework_releases(prefix, framework, suppliers, lots, today)
        releases = await _published(uow, drafts, now)
    return ocds.package(uri, releases, now)


async def _own_supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    """A company's relation to what it exports is through its supplier record: a bidder or
    the contracted supplier sees the process, so is told no (403) rather than that nothing is there."""
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


async def _published(uow: UnitOfWork, drafts: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Every release of the processes, as first published, with a new one for each process
    that changed since its latest release; process by process, oldest first."""
    ocids = [draft["ocid"] for draft in drafts]
    history = await uow.releases.for_ocids(set(ocids))
    added = False
    for draft in drafts:
        release = ocds.publish(draft, [r for r in history if r.ocid == draft["ocid"]], now)
        if release is not None:
            await uow.releases.add(release)
            added = True
    if added:
        await uow.commit()
        history = await uow.releases.for_ocids(set(ocids))
    return [r.release for ocid in ocids for r in history if r.ocid == ocid]
