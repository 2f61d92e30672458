"""Framework contracts: created by a nation here or from a committed multi-year bundle;
suppliers, accession and call-offs.

A nation sees the frameworks it is party to with its own share, call-offs and change-log
entries and its partners' totals; a supplier sees the frameworks it supplies and the
call-offs placed with it; the lead sees everything. A framework is shown without its
call-offs, change log and requests to accede, which grow with it: each is read a page at a
time; what was called off the framework keeps in totals of its own.

A framework a rule of the contract refuses is kept with its reason, as a joint order is
(`contracts.refuse_commitment`); an accession that cannot apply is refused with its reason,
as when the lead refuses one. Neither is dead-lettered: dead letters are for what cannot
be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from bundling_shared.auth import Principal, Role
from bundling_shared.errors import again_if_changed
from bundling_shared.events.demand import AccessionConfirmedV1, FrameworkCommittedV1
from contracts.domain.access import Action, Relation, allowed, authorise, reach, relation_to
from contracts.domain.contract import WHOLE, CommitmentKind
from contracts.domain.errors import ContractRuleViolation, Forbidden, NotFound
from contracts.domain.expiry import Horizons
from contracts.domain.frameworks import (
    AccessionPolicy,
    CallOff,
    CallOffTerms,
    FrameworkContract,
    FrameworkParties,
    FrameworkTerms,
    ensure_founded_alone,
)
from contracts.domain.money import eur
from contracts.domain.suppliers import Supplier
from contracts.service_layer import events
from contracts.service_layer.contracts import refuse_commitment
from contracts.service_layer.suppliers import own_supplier_id, permitted
from contracts.service_layer.unit_of_work import BUNDLE_EVENTS, NONE_FOUND, Found, Only, UnitOfWork

log = logging.getLogger(__name__)

Read = TypeVar("Read", FrameworkContract, FrameworkParties)  # a framework as read to authorise a read of it


@dataclass(frozen=True)
class Watch:
    """The day a caller looks at frameworks, and the horizons ahead of its end from which a
    framework warns that it ends: ammunition contracts need new bundling rounds years ahead."""

    today: date
    horizons: Horizons


@dataclass(frozen=True)
class Sees:
    """What of a framework's children one caller sees: everything (`all`); the call-offs
    placed with its company (`supplier_id`) and the entries of the whole; or its own
    nation's call-offs, request to accede and entries (`nation`)."""

    all: bool
    supplier_id: str | None = None
    nation: str | None = None

    @property
    def log_entries(self) -> Only | None:
        if self.all:
            return None
        return Only("scope", frozenset({WHOLE, self.nation} if self.nation else {WHOLE, None}))


def _sees(principal: Principal, relation: Relation, supplier_id: str | None) -> Sees:
    if allowed(principal, Action.FRAMEWORK_VIEW_ALL, relation):
        return Sees(all=True)
    if relation is Relation.SUPPLIER:
        return Sees(all=False, supplier_id=supplier_id)
    return Sees(all=False, nation=principal.nation if relation is Relation.PARTICIPANT else None)


@dataclass(frozen=True)
class FrameworkView:
    """What one caller may know of a framework: its own nation's share (`own`) and the
    partners' totals, or every share; what is left of the ceiling."""

    framework: FrameworkContract
    supplier_organisations: dict[str, str]
    warning: str | None
    participants: dict[str, int]
    own: str | None

    @property
    def remaining_quantity(self) -> int:
        return self.framework.remaining_quantity

    @property
    def remaining_value_eur(self) -> Decimal | None:
        return self.framework.remaining_value_eur

    @property
    def remaining_share(self) -> int | None:
        return None if self.own is None else self.framework.remaining_share(self.own)


def relation_of(
    principal: Principal, framework: FrameworkContract | FrameworkParties, supplier_id: str | None
) -> Relation:
    return relation_to(
        principal,
        supplier_id=supplier_id,
        authority=framework.contracting_authority,
        nations=framework.participants,
        coordinators=framework.coordinators,
        suppliers=framework.suppliers,
    )


def _seen(
    principal: Principal,
    fw: FrameworkContract,
    supplier_id: str | None,
    organisations: dict[str, str],
    watch: Watch,
) -> FrameworkView:
    sees = _sees(principal, relation_of(principal, fw, supplier_id), supplier_id)
    participants = dict(fw.participants)
    if sees.supplier_id is None and not sees.all:
        participants = {n: q for n, q in participants.items() if n == sees.nation}
    warning = fw.end_date_warning(watch.today, watch.horizons.for_item(fw.item_code))
    return FrameworkView(fw, organisations, warning, participants, sees.nation)


async def _view(uow: UnitOfWork, principal: Principal, fw: FrameworkContract, watch: Watch) -> FrameworkView:
    supplier_id = await own_supplier_id(uow, principal)
    suppliers = await uow.suppliers.by_ids(set(fw.suppliers))
    return _seen(principal, fw, supplier_id, {sid: s.organisation for sid, s in suppliers.items()}, watch)


async def _committed(uow: UnitOfWork, principal: Principal, fw: FrameworkContract, watch: Watch) -> FrameworkView:
    """A change saved, then answered as the caller sees the framework."""
    await uow.commit()
    return await _view(uow, principal, fw, watch)


async def authorised(
    uow: UnitOfWork, principal: Principal, framework_id: str, action: Action, seen_through: Action | None = None
) -> FrameworkContract:
    """The framework, if the caller may do this to it."""
    found = await uow.frameworks.get(framework_id)
    return await permitted(
        uow, principal, found, f"framework contract {framework_id}", relation_of, action, seen_through
    )


async def _cleared(uow: UnitOfWork, supplier_ids: set[str], today: date, doing: str) -> dict[str, Supplier]:
    """The suppliers, each registered with a valid security declaration, or the reason why not."""
    found = await uow.suppliers.by_ids(supplier_ids)
    for supplier_id in supplier_ids:
        supplier = found.get(supplier_id)
        if supplier is None:
            raise ContractRuleViolation(f"supplier {supplier_id} is not registered")
        supplier.ensure_cleared(today, doing)
    return found


async def create(uow: UnitOfWork, principal: Principal, *, terms: FrameworkTerms, watch: Watch) -> FrameworkView:
    """The creator's nation takes part with its share, the only one at creation: other
    nations join by their own request. The ceiling is the sum of the shares."""
    authorise(principal, Action.FRAMEWORK_CREATE, relation_to(principal, authority=principal.party), "framework")
    admin = principal.role is Role.ADMIN
    ensure_founded_alone(principal.party, principal.nation, terms["participants"], admin=admin)
    async with uow:
        cleared = await _cleared(uow, set(terms.get("suppliers", {})), watch.today, "hold a framework contract")
        framework = FrameworkContract.create(
            contracting_authority=principal.party, by=principal.subject, at=uow.clock.now(), **terms
        )
        uow.frameworks.add(framework)
        await events.framework_created(uow, framework, cleared)
        return await _committed(uow, principal, framework, watch)


async def add_supplier(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    supplier_id: str,
    unit_price_eur: Decimal | None,
    watch: Watch,
) -> FrameworkView:
    async with uow:
        framework = await authorised(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        await _cleared(uow, {supplier_id}, watch.today, "hold a framework contract")
        framework.add_supplier(supplier_id, unit_price_eur, by=principal.subject, at=uow.clock.now())
        return await _committed(uow, principal, framework, watch)


async def request_accession(
    uow: UnitOfWork, principal: Principal, framework_id: str, nation: str, quantity: int, budget_eur: Decimal | None
) -> dict[str, Any]:
    """A nation asks to join a framework made here, through its own desk; the lead decides
    unless it opened the framework. A bundle's framework takes accessions through the
    demand service, so that the bundle follows."""
    async with uow:
        framework = await uow.frameworks.get(framework_id)
        if framework is None:
            raise NotFound(f"framework contract {framework_id} not found")
        relation = relation_of(principal, framework, await own_supplier_id(uow, principal))
        if nation != principal.nation and principal.role is not Role.ADMIN:
            if allowed(principal, Action.FRAMEWORK_VIEW, relation):
                raise Forbidden(f"{nation} asks to accede through its own desk")
            raise NotFound(f"framework contract {framework_id} not found")
        authorise(principal, Action.FRAMEWORK_REQUEST_ACCESSION, relation, f"framework contract {framework_id}")
        took_effect = framework.request_accession_here(
            nation, quantity, budget_eur, by=principal.subject, at=uow.clock.now()
        )
        if took_effect:
            await events.framework_acceded(uow, framework, nation, quantity)
        await uow.commit()
        return framework.accession_requests[-1]


async def decide_accession(
    uow: UnitOfWork, principal: Principal, framework_id: str, nation: str, *, approve: bool, reason: str, watch: Watch
) -> FrameworkView:
    """The lead approves (the nation joins, `contracts.framework.acceded`) or refuses
    (`contracts.framework.accession_refused`) a pending request."""
    async with uow:
        framework = await authorised(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        decided = framework.decide_accession(nation, approve, by=principal.subject, reason=reason, at=uow.clock.now())
        if approve:
            await events.framework_acceded(uow, framework, nation, int(decided["quantity"]))
        else:
            await events.accession_refused(uow, framework, nation, reason)
        return await _committed(uow, principal, framework, watch)


async def configure(
    uow: UnitOfWork,
    principal: Principal,
    framework_id: str,
    *,
    policy: AccessionPolicy | None,
    pooled_shares: bool | None,
    watch: Watch,
) -> FrameworkView:
    async with uow:
        framework = await authorised(uow, principal, framework_id, Action.FRAMEWORK_MANAGE)
        framework.configure(policy=policy, pooled_shares=pooled_shares, by=principal.subject, at=uow.clock.now())
        return await _committed(uow, principal, framework, watch)


async def assign_coordinator(
    uow: UnitOfWork, principal: Principal, framework_id: str, party: str, watch: Watch
) -> FrameworkView:
    """The lead lets another coordinator (an agency, say) run the framework with it."""
    async with uow:
        framework = await authorised(
            uow, principal, framework_id, Action.ASSIGN_COORDINATOR, seen_through=Action.FRAMEWORK_VIEW
        )
        framework.assign_coordinator(party)
        return await _committed(uow, principal, framework, watch)


async def call_off(
    uow: UnitOfWork, principal: Principal, framework_id: str, *, terms: CallOffTerms, today: date
) -> CallOff:
    """Only a party calls off, for itself; its desk speaks for it. Call-offs placed on one
    framework at the same moment take turns (`claim`), each checked against the ceiling as
    it is once the others are in; one whose framework changed meanwhile all the same is
    tried again."""

    async def attempt() -> CallOff:
        async with uow:
            await uow.frameworks.claim(framework_id, with_suppliers=True)
            framework = await authorised(uow, principal, framework_id, Action.FRAMEWORK_CALL_OFF)
            assert principal.nation is not None
            placed = framework.call_off(
                nation=principal.nation, today=today, by=principal.subject, at=uow.clock.now(), **terms
            )
            uow.frameworks.add_call_off(placed)
            supplier = await uow.suppliers.as_stored(placed.supplier_id)
            if supplier is None:
                raise ContractRuleViolation(f"supplier {placed.supplier_id} is not registered")
            supplier.ensure_cleared(today, "receive a call-off")
            await events.call_off_placed(uow, placed, supplier)
            await uow.commit()
            return placed

    return await again_if_changed(attempt)


async def readable(
    uow: UnitOfWork, principal: Principal, framework_id: str, action: Action
) -> tuple[FrameworkContract, Sees]:
    """The framework without its call-offs, change log and requests (`for_reading`), if the
    caller may do this to it, and what of them the caller sees."""
    supplier_id = await own_supplier_id(uow, principal)
    return _authorised(principal, framework_id, await uow.frameworks.for_reading(framework_id), supplier_id, action)


async def _children_readable(uow: UnitOfWork, principal: Principal, framework_id: str) -> Sees:
    """What of the framework's call-offs, requests and log the caller sees, if it may read
    the framework: found by who the framework is for alone."""
    supplier_id = await own_supplier_id(uow, principal)
    parties = await uow.frameworks.parties(framework_id)
    return _authorised(principal, framework_id, parties, supplier_id, Action.FRAMEWORK_VIEW)[1]


def _authorised(
    principal: Principal, framework_id: str, found: Read | None, supplier_id: str | None, action: Action
) -> tuple[Read, Sees]:
    if found is None:
        raise NotFound(f"framework contract {framework_id} not found")
    relation = relation_of(principal, found, supplier_id)
    authorise(principal, action, relation, f"framework contract {framework_id}")
    return found, _sees(principal, relation, supplier_id)


async def view(uow: UnitOfWork, principal: Principal, framework_id: str, watch: Watch) -> FrameworkView:
    async with uow:
        framework, _ = await readable(uow, principal, framework_id, Action.FRAMEWORK_VIEW)
        return await _view(uow, principal, framework, watch)


async def visible_page(
    uow: UnitOfWork, principal: Principal, watch: Watch, limit: int, offset: int
) -> Found[FrameworkView]:
    """The frameworks the caller leads, takes part in or supplies, oldest first."""
    async with uow:
        supplier_id = await own_supplier_id(uow, principal)
        found = await uow.frameworks.page(
            reach(principal, Action.FRAMEWORK_VIEW, supplier_id=supplier_id), limit, offset
        )
    views = [_seen(principal, f, supplier_id, {}, watch) for f in found.items]
    return Found(views, found.total)


async def call_offs(
    uow: UnitOfWork, principal: Principal, framework_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """In the order placed: the lead sees every call-off, a supplier those placed with it,
    a nation its own; each the fields of the call-off."""
    async with uow:
        sees = await _children_readable(uow, principal, framework_id)
        if not (sees.all or sees.supplier_id or sees.nation):
            return NONE_FOUND
        return await uow.frameworks.call_offs(framework_id, sees.nation, sees.supplier_id, limit, offset)


async def change_log(
    uow: UnitOfWork, principal: Principal, framework_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """Oldest first: the lead reads every entry, a supplier those of the whole, a nation
    those of the whole and of its own part."""
    async with uow:
        sees = await _children_readable(uow, principal, framework_id)
        return await uow.frameworks.change_log(framework_id, sees.log_entries, limit, offset)


async def accession_requests(
    uow: UnitOfWork, principal: Principal, framework_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """In the order asked: the lead sees every request to accede, a nation its own."""
    async with uow:
        sees = await _children_readable(uow, principal, framework_id)
        if not (sees.all or sees.nation):
            return NONE_FOUND
        only = None if sees.all else Only("nation", frozenset({sees.nation}))
        return await uow.frameworks.accession_requests(framework_id, only, limit, offset)


def _exact(amount: Decimal | None, as_number: float | None, what: str) -> Decimal | None:
    """The exact amount a newer event carries, else the number an older one carries."""
    if amount is not None or as_number is None:
        return amount
    try:
        return eur(as_number)
    except ValueError as exc:
        raise ContractRuleViolation(f"{what} must be a finite amount in EUR, not {as_number}") from exc


async def create_framework_for_commitment(event: FrameworkCommittedV1, uow: UnitOfWork) -> str | None:
    """A committed multi-year bundle becomes a framework contract (one per bundle); suppliers
    join it when its procurement is signed."""
    p = event.payload
    async with uow:
        if await uow.already_processed(BUNDLE_EVENTS, event.event_id):
            return None
        framework = await uow.frameworks.for_bundle(p.bundle_id)
        if framework is None:
            participants = {x.nation: sum(y.quantity for y in x.yearly) for x in p.participants}
            try:
                framework = FrameworkContract.create(
                    item_code=p.item_code,
                    contracting_authority=p.lead,
                    participants=participants,
                    ceiling_quantity=p.ceiling_quantity,
                    ceiling_value_eur=_exact(p.ceiling_value, p.ceiling_value_eur, "a framework's value ceiling"),
                    start=p.start,
                    end=p.end,
                    bundle_id=p.bundle_id,
                    by=p.committed_by,
                    at=uow.clock.now(),
                )
            except ContractRuleViolation as exc:
                await refuse_commitment(
                    uow, CommitmentKind.FRAMEWORK, p.bundle_id, p.item_code, p.lead, list(participants), exc,
                    str(event.event_id),
                )  # fmt: skip
                await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
                await uow.commit()
                return None
            await uow.contracts.clear_refusal(p.bundle_id)
            uow.frameworks.add(framework)
            await events.framework_created(uow, framework, {}, causation_id=str(event.event_id))
        await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
        await uow.commit()
        return framework.id


async def accede_to_framework(event: AccessionConfirmedV1, uow: UnitOfWork) -> bool:
    """A nation asks to join the framework of a bundle: it joins at once when the lead
    opened the framework, else when the lead approves. An accession for a bundle without a
    framework, or one a rule refuses (a nation already in it or waiting), is refused with
    its reason. Returns whether the request was recorded."""
    p = event.payload
    async with uow:
        if await uow.already_processed(BUNDLE_EVENTS, event.event_id):
            return False
        framework = await uow.frameworks.for_bundle(p.bundle_id)
        quantity = sum(y.quantity for y in p.yearly)
        try:
            if framework is None:
                raise ContractRuleViolation(f"no framework contract for bundle {p.bundle_id}; {p.nation} cannot accede")
            took_effect = framework.request_accession(
                p.nation,
                quantity,
                _exact(p.budget_ceiling, p.budget_ceiling_eur, "an accession budget"),
                by=f"accession:{p.nation}",
                at=uow.clock.now(),
            )
        except ContractRuleViolation as exc:
            log.warning("accession of %s to bundle %s refused: %s", p.nation, p.bundle_id, exc)
            await events.accession_refused(
                uow, framework, p.nation, str(exc), bundle_id=p.bundle_id, refused_by="contracts",
                causation_id=str(event.event_id),
            )  # fmt: skip
            await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
            await uow.commit()
            return False
        if took_effect:
            await events.framework_acceded(uow, framework, p.nation, quantity, causation_id=str(event.event_id))
        await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
        await uow.commit()
        return True
