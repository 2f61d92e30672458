"""Framework contracts through the API: create, add suppliers, accession, call-offs.

A nation sees the frameworks it is party to with its own share, call-offs and change-log
entries and its partners' totals; a supplier sees the frameworks it supplies and the
call-offs placed with it; the lead sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bundling_shared.auth import Principal, Role
from contracts.domain.frameworks import AccessionPolicy, Bid, CallOff, FrameworkContract
from contracts.domain.model import ContractRuleViolation, entries_for
from contracts.domain.suppliers import Supplier
from contracts.service_layer import events
from contracts.service_layer.access import Conflict, Forbidden, NotFound, industry_org
from contracts.service_layer.authorisation import Action, Relation, allowed, authorise, relation_to
from contracts.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class FrameworkView:
    """What one caller may know of a framework."""

    framework: FrameworkContract
    call_offs: list[CallOff]
    supplier_organisations: dict[str, str]
    warning: str | None
    participants: dict[str, int]
    change_log: list[dict[str, str]]
    accession_requests: list[dict[str, Any]]
    remaining_share: int | None


async def _supplier_id(uow: UnitOfWork, principal: Principal) -> str | None:
    org = industry_org(principal)
    supplier = await uow.suppliers.by_organisation(org) if org else None
    return supplier.id if supplier else None


def relation_of(principal: Principal, framework: FrameworkContract, supplier_id: str | None) -> Relation:
    return relation_to(
        principal,
        authority=framework.contracting_authority,
        nations=framework.participants,
        coordinators=framework.coordinators,
        suppliers=framework.suppliers,
        supplier_id=supplier_id,
    )


def _seen(
    principal: Principal, fw: FrameworkContract, supplier_id: str | None, today: date, warn: int
) -> FrameworkView:
    relation = relation_of(principal, fw, supplier_id)
    own = principal.nation if relation is Relation.PARTICIPANT else None
    if allowed(principal, Action.FRAMEWORK_VIEW_ALL, relation):
        call_offs, participants, log = list(fw.call_offs), dict(fw.participants), list(fw.change_log)
        requests = list(fw.accession_requests)
    elif relation is Relation.SUPPLIER:
        call_offs = [c for c in fw.call_offs if c.supplier_id == supplier_id]
        participants, log, requests = dict(fw.participants), entries_for(fw.change_log, None), []
    else:
        call_offs = [c for c in fw.call_offs if c.nation == own]
        participants = {n: q for n, q in fw.participants.items() if n == own}
        log = entries_for(fw.change_log, own)
        requests = [r for r in fw.accession_requests if r["nation"] == own]
    return FrameworkView(
        fw,
        call_offs,
        {},
        fw.end_date_warning(today, warn),
        participants,
        log,
        requests,
        fw.remaining_share(own) if own else None,
    )


async def _view(uow: UnitOfWork, principal: Principal, fw: FrameworkContract, today: date, warn: int) -> FrameworkView:
    seen = _seen(principal, fw, await _supplier_id(uow, principal), today, warn)
    suppliers = await uow.suppliers.by_ids(set(fw.suppliers))
    return FrameworkView(
        fw,
        seen.call_offs,
        {sid: s.organisation for sid, s in suppliers.items()},
        seen.warning,
        seen.participants,
        seen.change_log,
        seen.accession_requests,
        seen.remaining_share,
    )


async def _load(uow: UnitOfWork, principal: Principal, framework_id: str, action: Action) -> FrameworkContract:
    framework = await uow.frameworks.get(framework_id)
    if framework is None:
        raise NotFound(f"framework contract {framework_id} not found")
    relation = relation_of(principal, framework, await _supplier_id(uow, principal))
    authorise(principal, action, relation, f"framework contract {framework_id}")
    return framework


async def _cleared(uow: UnitOfWork, supplier_ids: set[str], today: date, doing: str) -> dict[str, Supplier]:
    """The suppliers, each registered with a valid security declaration, or the reason why not."""
    found = await uow.suppliers.by_ids(supplier_ids)
    for supplier_id in supplier_ids:
        supplier = found.get(supplier_id)
        if supplier is None:
            raise ContractRuleViolation(f"supplier {supplier_id} is not registered")
        supplier.ensure_cleared(today, doing)
    return found


async def create(
    uow: UnitOfWork,
    principal: Principal,
    *,
    item_code: str,
    items: list[str],
    participants: dict[str, int],
    ceiling_quantity: int,
    ceiling_value_eur: Decimal | None,
    start: date,
    end: date,
    suppliers: dict[str, Decimal | None],
    today: date,
    warn_days: int,
) -> FrameworkView:
    """The creator's nation takes part with its share, the only one at creation: other
    nations join by their own request. The ceiling is the sum of the shares."""
    authorise(principal, Action.FRAMEWORK_CREATE, relation_to(principal, authority=principal.party), "framework")
    if principal.nation is None and principal.role is not Role.ADMIN:
        raise ContractRuleViolation(
            f"{principal.party} takes no share: a framework is created by a nation taking part, or comes from a "
            "committed bundle",
            field="body.participants",
            rule="creator_takes_part",
        )
    others = sorted(set(participants) - {principal.nation}) if principal.nation else []
    if others or (principal.nation and principal.nation not in participants):
        raise ContractRuleViolation(
            f"at creation only {principal.party} takes part; {', '.join(others) or 'others'} accede by their own "
            "request",
            field="body.participants",
            rule="participants_join_by_own_act",
        )
    async with uow:
        cleared = await _cleared(uow, set(suppliers), today, "hold a framework contract")
        framework = FrameworkContract.create(
            item_code=item_code,
            items=items,
            contracting_authority=principal.party,
            participants=participants,
            ceiling_quantity=ceiling_quantity,
            ceiling_value_eur=ceiling_value_eur,
            start=start,
            end=end,
            suppliers=suppliers,
            by=principal.subject,
            at=uow.clock.now(),
        )
        uow.frameworks.add(framework)
        await events.framework_created(uow, framework, cleared)
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def add_supplier(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    supplier_id: str,
    unit_price_eur: Decimal | None,
    today: date,
    warn_days: int,
) -> FrameworkView:
    async with uow:
        framework = await _load(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        await _cleared(uow, {supplier_id}, today, "hold a framework contract")
        framework.add_supplier(supplier_id, unit_price_eur, by=principal.subject, at=uow.clock.now())
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def request_accession(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    nation: str,
    quantity: int,
    budget_eur: Decimal | None,
) -> dict[str, Any]:
    """A nation asks to join a framework made here, through its own desk; the lead decides
    unless it opened the framework. A bundle's framework takes accessions through the
    demand service, so that the bundle follows."""
    async with uow:
        framework = await uow.frameworks.get(framework_id)
        if framework is None:
            raise NotFound(f"framework contract {framework_id} not found")
        relation = relation_of(principal, framework, await _supplier_id(uow, principal))
        if nation != principal.nation and principal.role is not Role.ADMIN:
            if allowed(principal, Action.FRAMEWORK_VIEW, relation):
                raise Forbidden(f"{nation} asks to accede through its own desk")
            raise NotFound(f"framework contract {framework_id} not found")
        authorise(principal, Action.FRAMEWORK_REQUEST_ACCESSION, relation, f"framework contract {framework_id}")
        if framework.bundle_id is not None:
            raise Conflict(
                f"framework {framework_id} comes from bundle {framework.bundle_id}: accede through the demand "
                f"service (POST /v1/bundles/{framework.bundle_id}/accessions)"
            )
        if nation in framework.participants:
            raise Conflict(f"{nation} already takes part in framework {framework_id}")
        if framework.pending_request(nation) is not None:
            raise Conflict(f"{nation} asked to accede to framework {framework_id} already")
        took_effect = framework.request_accession(
            nation, quantity, budget_eur, by=principal.subject, at=uow.clock.now()
        )
        if took_effect:
            await events.framework_acceded(uow, framework, nation, quantity)
        await uow.commit()
        return framework.accession_requests[-1]


async def decide_accession(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    nation: str,
    *,
    approve: bool,
    reason: str,
    today: date,
    warn_days: int,
) -> FrameworkView:
    """The lead approves (the nation joins, `contracts.framework.acceded`) or refuses
    (`contracts.framework.accession_refused`) a pending request."""
    async with uow:
        framework = await _load(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        if framework.pending_request(nation) is None:
            if any(r["nation"] == nation for r in framework.accession_requests):
                raise Conflict(f"{nation}'s request to accede to framework {framework_id} was decided already")
            raise NotFound(f"no request of {nation} to accede to framework {framework_id}")
        decided = framework.decide_accession(nation, approve, by=principal.subject, reason=reason, at=uow.clock.now())
        if approve:
            await events.framework_acceded(uow, framework, nation, int(decided["quantity"]))
        else:
            await events.accession_refused(uow, framework, nation, reason)
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def configure(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    *,
    policy: AccessionPolicy | None,
    pooled_shares: bool | None,
    today: date,
    warn_days: int,
) -> FrameworkView:
    async with uow:
        framework = await _load(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        framework.configure(policy=policy, pooled_shares=pooled_shares, by=principal.subject, at=uow.clock.now())
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def assign_coordinator(
    uow: UnitOfWork, principal: Principal, framework_id: str, party: str, today: date, warn_days: int
) -> FrameworkView:
    """The lead lets another coordinator (an agency, say) run the framework with it."""
    async with uow:
        framework = await uow.frameworks.get(framework_id)
        if framework is None:
            raise NotFound(f"framework contract {framework_id} not found")
        relation = relation_of(principal, framework, await _supplier_id(uow, principal))
        authorise(principal, Action.ASSIGN_COORDINATOR, relation, f"framework {framework_id}", Action.FRAMEWORK_VIEW)
        framework.coordinators = sorted({*framework.coordinators, party})
        await uow.commit()
        return await _view(uow, principal, framework, today, warn_days)


async def call_off(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    *,
    item_code: str,
    quantity: int,
    delivery_due: date,
    supplier_id: str | None,
    bids: list[Bid],
    today: date,
) -> CallOff:
    """Only a party calls off, for itself; its desk speaks for it."""
    async with uow:
        framework = await _load(uow, principal, framework_id, Action.FRAMEWORK_CALL_OFF)
        assert principal.nation is not None
        placed = framework.call_off(
            nation=principal.nation,
            item_code=item_code,
            quantity=quantity,
            delivery_due=delivery_due,
            today=today,
            supplier_id=supplier_id,
            bids=bids,
            by=principal.subject,
            at=uow.clock.now(),
        )
        supplier = await uow.suppliers.get(placed.supplier_id)
        if supplier is None:
            raise ContractRuleViolation(f"supplier {placed.supplier_id} is not registered")
        supplier.ensure_cleared(today, "receive a call-off")
        await events.call_off_placed(uow, placed, supplier)
        await uow.commit()
        return placed


async def view(uow: UnitOfWork, principal: Principal, framework_id: str, today: date, warn_days: int) -> FrameworkView:
    async with uow:
        framework = await _load(uow, principal, framework_id, Action.FRAMEWORK_VIEW)
        return await _view(uow, principal, framework, today, warn_days)


async def visible_all(uow: UnitOfWork, principal: Principal, today: date, warn_days: int) -> list[FrameworkView]:
    async with uow:
        supplier_id = await _supplier_id(uow, principal)
        found = [
            f
            for f in await uow.frameworks.list()
            if allowed(principal, Action.FRAMEWORK_VIEW, relation_of(principal, f, supplier_id))
        ]
        return [await _view(uow, principal, f, today, warn_days) for f in found]
