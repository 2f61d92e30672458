"""Handlers of the demand service's events: joint orders, frameworks, accessions and
harmonisation proposals become contracts, framework contracts and specifications.

Every handler is idempotent: the processed-messages record catches a redelivered event,
and unique keys (one contract per joint order and part, one framework per bundle) catch
a second event about the same thing.

Nothing the demand service committed is lost: an event that can be read but breaks a rule
of the contract is not dead-lettered (dead letters are for what cannot be read). A joint
order or framework that cannot be contracted is kept with its reason where its contract
would be found, and announced (contracts.commitment.refused) so that the bundle and its
lead's desk show it; an accession that cannot apply is refused with its reason, as when
the lead refuses one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from bundling_shared import topics
from bundling_shared.events.contracts import ContractCreatedPayload, ContractCreatedV1
from bundling_shared.events.contracts import ContractLine as ContractLineEvent
from bundling_shared.events.demand import (
    AccessionConfirmedV1,
    BundleOpenedV1,
    DeliveryWindow,
    FrameworkCommittedV1,
    HarmonisationProposedV1,
    JointOrderCommittedV1,
)
from contracts.domain.frameworks import FrameworkContract
from contracts.domain.model import (
    CommitmentKind,
    CommitmentRefusal,
    Contract,
    ContractMode,
    ContractRuleViolation,
)
from contracts.domain.money import eur
from contracts.domain.specifications import Specification
from contracts.service_layer import events
from contracts.service_layer.unit_of_work import UnitOfWork

PRODUCER = events.PRODUCER
JOINT_ORDERS = "contracts-joint-orders"

UowFactory = Callable[[], UnitOfWork]

log = logging.getLogger(__name__)


def _exact(amount: Decimal | None, as_number: float | None, what: str) -> Decimal | None:
    """The exact amount a newer event carries, else the number an older one carries."""
    if amount is not None or as_number is None:
        return amount
    try:
        return eur(as_number)
    except ValueError as exc:
        raise ContractRuleViolation(f"{what} must be a finite amount in EUR, not {as_number}") from exc


async def _refuse(
    uow: UnitOfWork,
    kind: CommitmentKind,
    bundle_id: str,
    item_code: str,
    lead: str,
    nations: list[str],
    violation: ContractRuleViolation,
    causation_id: str,
) -> None:
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


async def note_lead(event: BundleOpenedV1, uow: UnitOfWork) -> None:
    """Before a joint order is committed its lead decides how it will be contracted; the
    opened bundle is where contracts first learns who that is (a later opening overrides)."""
    opened = event.payload
    async with uow:
        if await uow.already_processed(JOINT_ORDERS, event.event_id):
            return
        if opened.lead is not None and opened.kind == "joint_order":
            await uow.contracts.set_lead(opened.bundle_id, opened.lead)
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()


async def create_contract_for_joint_order(event: JointOrderCommittedV1, uow: UnitOfWork) -> str | None:
    """One contract per joint order with a line per nation, or one per buying nation when
    the bundle was set to that mode. Returns the (first) contract's id."""
    order = event.payload
    cause = str(event.event_id)
    async with uow:
        if await uow.already_processed(JOINT_ORDERS, event.event_id):
            return None
        existing = await uow.contracts.for_bundle(order.bundle_id)
        if existing is not None:
            await uow.mark_processed(JOINT_ORDERS, event.event_id)
            await uow.commit()
            return existing.id
        quantities: dict[str, int] = {}
        for line in order.lines:
            quantities[line.nation] = quantities.get(line.nation, 0) + line.quantity
        try:
            contract = Contract.for_joint_order(
                bundle_id=order.bundle_id,
                item_code=order.item_code,
                contracting_authority=order.lead,
                window_start=order.delivery_window.start,
                window_end=order.delivery_window.end,
                quantities=quantities,
                at=uow.clock.now(),
            )
        except ContractRuleViolation as exc:
            nations = list(quantities)
            await _refuse(
                uow, CommitmentKind.JOINT_ORDER, order.bundle_id, order.item_code, order.lead, nations, exc, cause
            )
            await uow.mark_processed(JOINT_ORDERS, event.event_id)
            await uow.commit()
            return None
        await uow.contracts.clear_refusal(order.bundle_id)
        mode = await uow.contracts.mode_for(order.bundle_id)
        made = [contract] if mode is ContractMode.SINGLE else contract.split_per_buyer(contract.created_at)
        for c in made:
            uow.contracts.add(c)
            await uow.emit(
                topics.CONTRACTS,
                ContractCreatedV1.create(
                    ContractCreatedPayload(
                        contract_id=c.id,
                        bundle_id=c.bundle_id,
                        item_code=c.item_code,
                        contracting_authority=c.contracting_authority,
                        lines=[ContractLineEvent(nation=x.nation, quantity=x.quantity) for x in c.lines],
                        total_quantity=c.total_quantity,
                        delivery_window=DeliveryWindow(start=c.window_start, end=c.window_end),
                    ),
                    aggregate_id=c.id,
                    producer=PRODUCER,
                    organisation=c.contracting_authority,
                    causation_id=cause,
                ),
            )
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()
        return made[0].id


async def create_framework_for_commitment(event: FrameworkCommittedV1, uow: UnitOfWork) -> str | None:
    """A committed multi-year bundle becomes a framework contract; suppliers join it when
    its procurement is signed."""
    p = event.payload
    async with uow:
        if await uow.already_processed(JOINT_ORDERS, event.event_id):
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
                cause = str(event.event_id)
                nations = list(participants)
                await _refuse(uow, CommitmentKind.FRAMEWORK, p.bundle_id, p.item_code, p.lead, nations, exc, cause)
                await uow.mark_processed(JOINT_ORDERS, event.event_id)
                await uow.commit()
                return None
            await uow.contracts.clear_refusal(p.bundle_id)
            uow.frameworks.add(framework)
            await events.framework_created(uow, framework, {}, causation_id=str(event.event_id))
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()
        return framework.id


async def accede_to_framework(event: AccessionConfirmedV1, uow: UnitOfWork) -> bool:
    """A nation asks to join the framework of a bundle: it joins at once when the lead
    opened the framework, else when the lead approves. An accession for a bundle without a
    framework, or one a rule refuses (a nation already in it or waiting), is refused with
    its reason. Returns whether the request was recorded."""
    p = event.payload
    async with uow:
        if await uow.already_processed(JOINT_ORDERS, event.event_id):
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
            await events.accession_not_applied(uow, framework, p.bundle_id, p.nation, str(exc), str(event.event_id))
            await uow.mark_processed(JOINT_ORDERS, event.event_id)
            await uow.commit()
            return False
        if took_effect:
            await events.framework_acceded(uow, framework, p.nation, quantity, causation_id=str(event.event_id))
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()
        return True


async def propose_harmonisation(event: HarmonisationProposedV1, uow: UnitOfWork) -> str | None:
    """Start the harmonisation workflow: a new version of the specification, proposed to
    the nations concerned with their recorded deviations.

    A proposal that breaks a rule (it names no nation: the deviations of nations not named
    are left out before) has no one to agree to it, so no workflow can start: it is logged
    and acknowledged. Nothing is lost: the needs behind it stay as they were in the demand
    service, split over their deviations, and a later proposal naming nations starts one."""
    p = event.payload
    reference = p.specification_ref or f"SPEC-{p.item_code}"
    async with uow:
        if await uow.already_processed(JOINT_ORDERS, event.event_id):
            return None
        versions = await uow.specifications.versions(reference)
        try:
            specification = Specification.propose(
                reference=reference,
                version=(versions[-1].version + 1) if versions else 1,
                item_code=p.item_code,
                title=f"Harmonised specification for {p.item_code}",
                nations=p.nations,
                deviations=[d.model_dump() for d in p.deviations if d.nation in p.nations],
                proposed_by=event.producer,
                at=uow.clock.now(),
            )
        except ContractRuleViolation as exc:
            log.warning("harmonisation of %s not started: %s", reference, exc)
            await uow.mark_processed(JOINT_ORDERS, event.event_id)
            await uow.commit()
            return None
        uow.specifications.add(specification)
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()
        return specification.id
