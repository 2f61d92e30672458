"""Handlers: register a need, aggregate it into a bundle, commit a bundle as a joint order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bundling_shared import topics
from bundling_shared.events.demand import (
    BundleLine as BundleLineEvent,
)
from bundling_shared.events.demand import (
    BundleUpdatedPayload,
    BundleUpdatedV1,
    DeliveryWindow,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    NeedRegisteredPayload,
    NeedRegisteredV1,
)
from demand.domain.model import Bundle, EndUser, Need, NeedStatus
from demand.service_layer.unit_of_work import UnitOfWork

PRODUCER = "demand"
AGGREGATOR = "demand-aggregator"

UowFactory = Callable[[], UnitOfWork]


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class RegisterNeed:
    nation: str
    item_code: str
    quantity: int
    window_start: date
    window_end: date
    end_user: EndUser = EndUser.OWN_FORCES


@dataclass(frozen=True)
class CommitBundle:
    bundle_id: str
    lead: str | None
    committed_by: str


async def register_need(cmd: RegisterNeed, uow: UnitOfWork) -> Need:
    need = Need.register(
        nation=cmd.nation,
        item_code=cmd.item_code,
        quantity=cmd.quantity,
        window_start=cmd.window_start,
        window_end=cmd.window_end,
        end_user=cmd.end_user,
    )
    async with uow:
        uow.needs.add(need)
        await uow.emit(
            topics.NEEDS,
            NeedRegisteredV1.create(
                NeedRegisteredPayload(
                    need_id=need.id,
                    nation=need.nation,
                    item_code=need.item_code,
                    quantity=need.quantity,
                    delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
                    end_user=need.end_user.value,
                ),
                aggregate_id=need.id,
                producer=PRODUCER,
                nation=need.nation,
            ),
        )
        await uow.commit()
    return need


def _bundle_updated(bundle: Bundle, reason: str, causation_id: str | None) -> BundleUpdatedV1:
    start, end = bundle.window
    event: BundleUpdatedV1 = BundleUpdatedV1.create(
        BundleUpdatedPayload(
            bundle_id=bundle.id,
            item_code=bundle.item_code,
            status=bundle.status.value,
            total_quantity=bundle.total_quantity,
            nations=bundle.nations,
            lines=[BundleLineEvent(need_id=x.need_id, nation=x.nation, quantity=x.quantity) for x in bundle.lines],
            delivery_window=DeliveryWindow(start=start, end=end),
            revision=bundle.revision,
            reason=reason,
        ),
        aggregate_id=bundle.id,
        producer=PRODUCER,
        causation_id=causation_id,
    )
    return event


async def aggregate_need(event: NeedRegisteredV1, uow: UnitOfWork) -> str | None:
    """Join the need to the open bundle of its item (opening one if none is open).

    Idempotent: a redelivered event is recognised by its id and changes nothing.
    """
    async with uow:
        if await uow.already_processed(AGGREGATOR, event.event_id):
            return None
        need = await uow.needs.get(event.payload.need_id)
        if need is None:
            raise NotFound(f"need {event.payload.need_id} of event {event.event_id} is unknown")
        bundle = await uow.bundles.open_for_item(need.item_code)
        opened = bundle is None
        if bundle is None:
            bundle = Bundle.open_for(need.item_code)
            uow.bundles.add(bundle)
        if bundle.join(need):
            bundle.revision += 1
            reason = (
                f"opened for {need.item_code} with the need of {need.nation}"
                if opened
                else f"{need.nation} joined with {need.quantity} (same item {need.item_code})"
            )
            await uow.emit(topics.BUNDLES, _bundle_updated(bundle, reason, str(event.event_id)))
        await uow.mark_processed(AGGREGATOR, event.event_id)
        await uow.commit()
        return bundle.id


async def commit_bundle(cmd: CommitBundle, uow: UnitOfWork) -> Bundle:
    async with uow:
        bundle = await uow.bundles.get(cmd.bundle_id)
        if bundle is None:
            raise NotFound(f"bundle {cmd.bundle_id} not found")
        bundle.commit(lead=cmd.lead, committed_by=cmd.committed_by)
        bundle.revision += 1
        for line in bundle.lines:
            need = await uow.needs.get(line.need_id)
            if need is not None:
                need.status = NeedStatus.COMMITTED
        start, end = bundle.window
        quantities: dict[str, int] = {}
        need_ids: dict[str, list[str]] = {}
        for line in bundle.lines:
            quantities[line.nation] = quantities.get(line.nation, 0) + line.quantity
            need_ids.setdefault(line.nation, []).append(line.need_id)
        assert bundle.lead is not None
        await uow.emit(
            topics.BUNDLES,
            JointOrderCommittedV1.create(
                JointOrderCommittedPayload(
                    bundle_id=bundle.id,
                    item_code=bundle.item_code,
                    lead=bundle.lead,
                    lines=[
                        JointOrderLine(nation=n, quantity=quantities[n], need_ids=need_ids[n])
                        for n in sorted(quantities)
                    ],
                    total_quantity=bundle.total_quantity,
                    delivery_window=DeliveryWindow(start=start, end=end),
                    committed_by=cmd.committed_by,
                ),
                aggregate_id=bundle.id,
                producer=PRODUCER,
            ),
        )
        await uow.emit(
            topics.BUNDLES, _bundle_updated(bundle, f"committed as a joint order led by {bundle.lead}", None)
        )
        await uow.commit()
    return bundle


async def get_need(need_id: str, nation: str | None, uow: UnitOfWork) -> Need:
    """A nation sees only its own needs: another nation's need is as good as absent."""
    async with uow:
        need = await uow.needs.get(need_id)
    if need is None or (nation is not None and need.nation != nation):
        raise NotFound(f"need {need_id} not found")
    return need
