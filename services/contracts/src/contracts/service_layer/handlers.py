"""Handlers: turn a committed joint order into a contract."""

from __future__ import annotations

from collections.abc import Callable

from bundling_shared import topics
from bundling_shared.events.contracts import ContractCreatedPayload, ContractCreatedV1
from bundling_shared.events.contracts import ContractLine as ContractLineEvent
from bundling_shared.events.demand import DeliveryWindow, JointOrderCommittedV1
from bundling_shared.messaging.dead_letter import PermanentError
from contracts.domain.model import Contract, ContractRuleViolation
from contracts.service_layer.unit_of_work import UnitOfWork

PRODUCER = "contracts"
JOINT_ORDERS = "contracts-joint-orders"

UowFactory = Callable[[], UnitOfWork]


async def create_contract_for_joint_order(event: JointOrderCommittedV1, uow: UnitOfWork) -> str | None:
    """One contract per joint order, one delivery line per nation.

    Idempotent twice over: the processed-messages record catches a redelivered event,
    and the unique bundle id catches a second event about the same joint order.
    """
    order = event.payload
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
            )
        except ContractRuleViolation as exc:
            raise PermanentError(str(exc)) from exc
        uow.contracts.add(contract)
        await uow.emit(
            topics.CONTRACTS,
            ContractCreatedV1.create(
                ContractCreatedPayload(
                    contract_id=contract.id,
                    bundle_id=contract.bundle_id,
                    item_code=contract.item_code,
                    contracting_authority=contract.contracting_authority,
                    lines=[ContractLineEvent(nation=x.nation, quantity=x.quantity) for x in contract.lines],
                    total_quantity=contract.total_quantity,
                    delivery_window=DeliveryWindow(start=contract.window_start, end=contract.window_end),
                ),
                aggregate_id=contract.id,
                producer=PRODUCER,
                organisation=contract.contracting_authority,
                causation_id=str(event.event_id),
            ),
        )
        await uow.mark_processed(JOINT_ORDERS, event.event_id)
        await uow.commit()
        return contract.id
