"""Reports and the OCDS export, each limited to what the caller may know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bundling_shared.auth import Principal
from contracts.domain import ocds
from contracts.domain.access import Action, Relation, allowed
from contracts.domain.reporting import DeliveryProgress, Purchase, planned_vs_delivered, value_by_origin
from contracts.service_layer import frameworks, procurements
from contracts.service_layer.deliveries import resolve, visible_nations
from contracts.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Export:
    """An OCDS package as read: the OCID prefix of its processes, its own address, and the
    day and moment that decide what changed since the latest release."""

    prefix: str
    uri: str
    today: date
    now: datetime


class _Seen:
    """The nations of each contract or call-off whose figures the caller sees, looked up once."""

    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self._uow, self._principal = uow, principal
        self._nations: dict[str, set[str] | None] = {}

    async def __call__(self, agreement_id: str, nation: str) -> bool:
        if agreement_id not in self._nations:
            agreement = await resolve(self._uow, agreement_id)
            self._nations[agreement_id] = visible_nations(self._principal, agreement) if agreement else set()
        seen = self._nations[agreement_id]
        return seen is None or nation in seen


async def delivery_progress(uow: UnitOfWork, principal: Principal, today: date) -> list[DeliveryProgress]:
    """Planned against delivered per contract (or call-off) and nation, for what the caller sees."""
    async with uow:
        sees = _Seen(uow, principal)
        visible = [lot for lot in await uow.lots.list() if await sees(lot.contract_id, lot.nation)]
    return planned_vs_delivered(visible, today)


async def value_by_supplier_origin(uow: UnitOfWork, principal: Principal) -> dict[str, dict[str, Decimal | float]]:
    """Contracted value per buying nation by supplier origin; a nation sees its own row."""
    purchases: list[Purchase] = []
    if not allowed(principal, Action.REPORT, Relation.ANY):
        return {}
    async with uow:
        sees = _Seen(uow, principal)
        for contract in await uow.contracts.list():
            if contract.supplier_id and contract.unit_price_eur is not None:
                supplier = await uow.suppliers.get(contract.supplier_id)
                if supplier is not None:
                    purchases += [
                        Purchase(line.nation, contract.unit_price_eur * line.quantity, supplier.country)
                        for line in contract.lines
                        if await sees(contract.id, line.nation)
                    ]
        for call_off in await uow.frameworks.all_call_offs():
            supplier = await uow.suppliers.get(call_off.supplier_id)
            if call_off.value_eur is not None and supplier is not None and await sees(call_off.id, call_off.nation):
                purchases.append(Purchase(call_off.nation, call_off.value_eur, supplier.country))
    return value_by_origin(purchases)


async def procurement_package(
    uow: UnitOfWork, principal: Principal, procurement_id: str, export: Export
) -> dict[str, Any]:
    async with uow:
        procurement = await procurements.authorised(uow, principal, procurement_id, Action.PROCUREMENT_EXPORT)
        suppliers = await uow.suppliers.by_ids({o.supplier_id for o in procurement.offers})
        contracts = list(await uow.contracts.all_for_bundle(procurement.bundle_id)) if procurement.bundle_id else []
        lots = {c.id: list(await uow.lots.for_contract(c.id)) for c in contracts}
        sources = ocds.Sources(export.prefix, suppliers, lots, export.today)
        draft = ocds.procurement_release(procurement, contracts, sources)
        releases = await _published(uow, [draft], export.now)
    return ocds.package(export.uri, releases, export.now)


async def framework_package(uow: UnitOfWork, principal: Principal, framework_id: str, export: Export) -> dict[str, Any]:
    async with uow:
        framework = await frameworks.authorised(uow, principal, framework_id, Action.FRAMEWORK_EXPORT)
        ids = set(framework.suppliers) | {c.supplier_id for c in framework.call_offs}
        ids |= {str(bid["supplier_id"]) for c in framework.call_offs for bid in c.competition}
        suppliers = await uow.suppliers.by_ids(ids)
        lots = {c.id: list(await uow.lots.for_contract(c.id)) for c in framework.call_offs}
        drafts = ocds.framework_releases(framework, ocds.Sources(export.prefix, suppliers, lots, export.today))
        releases = await _published(uow, drafts, export.now)
    return ocds.package(export.uri, releases, export.now)


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
