"""Contracts from joint orders: a committed joint order becomes one contract with a line
per nation, or one per buying nation when its lead chose so before committing it.

Nations see their own lines of the contracts they take part in, a supplier its own
contracts, the lead everything of what it leads. A joint order a rule of the contract
refuses is kept with its reason where its contract would be found, and announced
(contracts.commitment.refused), so that the bundle and its lead's desk show it: the demand
service committed it and cannot take it back.

The event handlers are idempotent: the inbox catches a redelivered event, and the unique
key (one contract per joint order and part) a second event about the same joint order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bundling_shared.auth import Principal
from bundling_shared.events.demand import BundleOpenedV1, JointOrderCommittedV1
from contracts.domain.access import Action, allowed, authorise, authorise_role, reach, relation_to
from contracts.domain.contract import (
    WHOLE,
    CommitmentKind,
    CommitmentRefusal,
    Contract,
    ContractListing,
    ContractMode,
)
from contracts.domain.errors import CommitmentNotContracted, Conflict, ContractRuleViolation, NotFound
from contracts.service_layer import events
from contracts.service_layer.suppliers import own_supplier_id
from contracts.service_layer.unit_of_work import BUNDLE_EVENTS, Found, Only, UnitOfWork

log = logging.getLogger(__name__)


def _entries_seen(nation: str | None) -> Only | None:
    """The change-log entries a caller reads: of the whole and of its own part (an entry
    kept before entries had scopes only by those who see everything)."""
    return None if nation is None else Only("scope", frozenset({WHOLE, nation}))


@dataclass(frozen=True)
class ContractView:
    """A contract as one caller sees it: `nation` sees its own line, the totals and the log
    entries of the whole and of its own part; None sees everything."""

    contract: Contract | ContractListing
    nation: str | None

    @property
    def log_entries(self) -> Only | None:
        return _entries_seen(self.nation)


def _sight(
    principal: Principal, authority: str, nations: Iterable[str], supplier: str | None, supplier_id: str | None
) -> tuple[bool, str | None]:
    """Whether the caller sees the contract, and the nation whose line alone it sees (None:
    every line)."""
    signed = [supplier] if supplier else []
    relation = relation_to(principal, authority=authority, nations=nations, suppliers=signed, supplier_id=supplier_id)
    if not allowed(principal, Action.CONTRACT_VIEW, relation):
        return False, None
    return True, None if allowed(principal, Action.CONTRACT_VIEW_ALL, relation) else principal.nation


def _seen(principal: Principal, contract: Contract | ContractListing, supplier_id: str | None) -> ContractView | None:
    c = contract
    sees, nation = _sight(principal, c.contracting_authority, c.nations, c.supplier_id, supplier_id)
    return ContractView(contract, nation) if sees else None


def _visible(
    principal: Principal, found: Sequence[Contract | ContractListing], supplier_id: str | None
) -> list[ContractView]:
    return [v for v in (_seen(principal, c, supplier_id) for c in found) if v is not None]


async def visible_page(
    uow: UnitOfWork, principal: Principal, limit: int, offset: int, ending: tuple[date, date] | None = None
) -> Found[ContractView]:
    """The contracts the caller may see, oldest first: the database finds those it leads,
    takes part in or supplies, and counts them. `ending`: those whose delivery window ends
    between the two days, soonest first (what must be followed up before it runs out)."""
    async with uow:
        supplier_id = await own_supplier_id(uow, principal)
        seen = reach(principal, Action.CONTRACT_VIEW, supplier_id=supplier_id)
        found = await uow.contracts.page(seen, limit, offset, ending)
    return Found(_visible(principal, found.items, supplier_id), found.total)


async def _seen_by(uow: UnitOfWork, principal: Principal, contract_id: str) -> ContractView:
    contract = await uow.contracts.get(contract_id)
    seen = _seen(principal, contract, await own_supplier_id(uow, principal)) if contract else None
    if seen is None:
        raise NotFound(f"contract {contract_id} not found")
    return seen


async def visible(uow: UnitOfWork, principal: Principal, contract_id: str) -> ContractView:
    """The lead, its supplier and admin see every line; a nation in it its own line and the
    totals (quantity, nations); others nothing."""
    async with uow:
        return await _seen_by(uow, principal, contract_id)


async def change_log(
    uow: UnitOfWork, principal: Principal, contract_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """One page of the contract's change log, oldest first: a nation in it reads the entries
    of the whole and of its own part; the lead, its supplier and admin every entry."""
    async with uow:
        found, supplier_id = await uow.contracts.agreement(contract_id), await own_supplier_id(uow, principal)
        sees, nation = (False, None)
        if found is not None:
            sees, nation = _sight(principal, found.authority, found.quantities, found.supplier_id, supplier_id)
        if not sees:
            raise NotFound(f"contract {contract_id} not found")
        return await uow.contracts.change_log(contract_id, _entries_seen(nation), limit, offset)


async def of_joint_order(uow: UnitOfWork, principal: Principal, bundle_id: str) -> list[ContractView]:
    """All contracts of a joint order the caller may see: one, or one per buying nation. A
    committed joint order or framework a rule refused answers with the rule to those who
    would see its contract (its lead, its nations, admin); for others it does not exist."""
    async with uow:
        found = await uow.contracts.all_for_bundle(bundle_id)
        supplier_id = await own_supplier_id(uow, principal)
        refusal = None if found else await uow.contracts.refusal_for(bundle_id)
    if refusal is not None:
        relation = relation_to(principal, authority=refusal.lead, nations=refusal.nations)
        if allowed(principal, Action.CONTRACT_VIEW, relation):
            raise CommitmentNotContracted(refusal.explained)
    seen = _visible(principal, found, supplier_id)
    if not seen:
        raise NotFound(f"no contract for joint order {bundle_id}")
    return seen


async def set_mode(uow: UnitOfWork, principal: Principal, bundle_id: str, mode: ContractMode) -> None:
    """Before the joint order is committed, the lead's coordinators decide how it will be
    contracted (the lead as the demand service named it when opening the bundle). For a
    coordinator of another nation or agency, or before contracts knows the lead, the joint
    order does not exist."""
    authorise_role(principal, Action.CONTRACT_SET_MODE)
    async with uow:
        relation = relation_to(principal, authority=await uow.contracts.lead_of(bundle_id))
        authorise(principal, Action.CONTRACT_SET_MODE, relation, f"joint order {bundle_id}")
        if await uow.contracts.for_bundle(bundle_id) is not None:
            raise Conflict(f"joint order {bundle_id} is contracted already")
        await uow.contracts.set_mode(bundle_id, mode)
        await uow.commit()


async def note_lead(event: BundleOpenedV1, uow: UnitOfWork) -> None:
    """Before a joint order is committed its lead decides how it will be contracted; the
    opened bundle is where contracts first learns who that is (a later opening overrides)."""
    opened = event.payload
    async with uow:
        if await uow.already_processed(BUNDLE_EVENTS, event.event_id):
            return
        if opened.lead is not None and opened.kind == "joint_order":
            await uow.contracts.set_lead(opened.bundle_id, opened.lead)
        await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
        await uow.commit()


async def create_contract_for_joint_order(event: JointOrderCommittedV1, uow: UnitOfWork) -> str | None:
    """One contract per joint order with a line per nation, or one per buying nation when
    the bundle was set to that mode. Returns the (first) contract's id."""
    order = event.payload
    cause = str(event.event_id)
    async with uow:
        if await uow.already_processed(BUNDLE_EVENTS, event.event_id):
            return None
        existing = await uow.contracts.for_bundle(order.bundle_id)
        if existing is not None:
            await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
            await uow.commit()
            return existing.id
        quantities: dict[str, int] = {}
        ukraine: dict[str, int] = {}
        for line in order.lines:
            quantities[line.nation] = quantities.get(line.nation, 0) + line.quantity
            ukraine[line.nation] = ukraine.get(line.nation, 0) + line.ukraine_quantity
        try:
            contract = Contract.for_joint_order(
                bundle_id=order.bundle_id,
                item_code=order.item_code,
                contracting_authority=order.lead,
                window_start=order.delivery_window.start,
                window_end=order.delivery_window.end,
                quantities=quantities,
                at=uow.clock.now(),
                ukraine=ukraine,
                funded_by=order.funded_by,
                funding_instrument=order.funding_instrument,
            )
        except ContractRuleViolation as exc:
            await refuse_commitment(
                uow, CommitmentKind.JOINT_ORDER, order.bundle_id, order.item_code, order.lead, list(quantities), exc,
                cause,
            )  # fmt: skip
            await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
            await uow.commit()
            return None
        await uow.contracts.clear_refusal(order.bundle_id)
        made = contract.in_mode(await uow.contracts.mode_for(order.bundle_id))
        for c in made:
            uow.contracts.add(c)
            await events.contract_created(uow, c, cause)
        await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
        await uow.commit()
        return made[0].id


async def refuse_commitment(
    uow: UnitOfWork,
    kind: CommitmentKind,
    bundle_id: str,
    item_code: str,
    lead: str,
    nations: list[str],
    violation: ContractRuleViolation,
    causation_id: str,
) -> None:
    """Keep the committed joint order or framework a rule refuses, with its reason, and say so."""
    refusal = CommitmentRefusal(
        bundle_id=bundle_id,
        kind=kind,
        item_code=item_code,
        lead=lead,
        nations=sorted(set(nations)),
        reason=str(violation),
        at=uow.clock.now(),
    )
    log.warning("%s", refusal.explained, extra={"bundle_id": bundle_id})
    await uow.contracts.record_refusal(refusal)
    await events.commitment_refused(uow, refusal, causation_id)
