"""Use cases of a nation desk's needs: register (with an idempotency key), submit a draft,
amend as a new version, withdraw, read with history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bundling_shared import topics
from bundling_shared.events.demand import (
    DeliveryWindow,
    NeedAmendedPayload,
    NeedAmendedV1,
    NeedRegisteredPayload,
    NeedRegisteredV1,
    NeedWithdrawnPayload,
    NeedWithdrawnV1,
)
from demand.domain.access import Action, Caller, authorise, leader, to_need
from demand.domain.model import Deviation, EndUser, Need, NeedStatus, NeedVersion, Priority, YearQuantity
from demand.service_layer.common import PRODUCER, NotFound, seen_by
from demand.service_layer.unit_of_work import NeedFilter, StoredAnswer, UnitOfWork


@dataclass(frozen=True)
class RegisterNeed:
    nation: str
    item_code: str
    quantity: int | None
    window_start: date
    window_end: date
    end_user: EndUser = EndUser.OWN_FORCES
    yearly: list[YearQuantity] = field(default_factory=list)
    recurring: bool = False
    budget_ceiling_eur: Decimal | None = None
    specification_ref: str | None = None
    deviations: list[Deviation] = field(default_factory=list)
    priority: Priority = Priority.ROUTINE
    preferred_funding: str | None = None
    draft: bool = False
    registered_by: str = "unknown"


@dataclass(frozen=True)
class Remember:
    """Keep the answer to this request under its Idempotency-Key, in the same transaction."""

    scope: str
    key: str
    fingerprint: str
    render: Callable[[Need], str]
    status_code: int = 201


async def _registered(need: Need, uow: UnitOfWork) -> None:
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


async def register_need(cmd: RegisterNeed, uow: UnitOfWork, remember: Remember | None = None) -> Need:
    async with uow:
        item = await uow.catalogue.get(cmd.item_code.strip())
        need = Need.register(
            nation=cmd.nation,
            item_code=cmd.item_code,
            quantity=cmd.quantity,
            window_start=cmd.window_start,
            window_end=cmd.window_end,
            end_user=cmd.end_user,
            item=item,
            yearly=cmd.yearly,
            recurring=cmd.recurring,
            budget_ceiling_eur=cmd.budget_ceiling_eur,
            specification_ref=cmd.specification_ref,
            deviations=cmd.deviations,
            priority=cmd.priority,
            preferred_funding=cmd.preferred_funding,
            draft=cmd.draft,
        )
        uow.needs.add(need)
        await uow.flush()
        uow.needs.add_version(
            NeedVersion.of(need, cmd.registered_by, "registered" + (" as draft" if cmd.draft else ""))
        )
        if not cmd.draft:
            await _registered(need, uow)
        if remember is not None:
            answer = StoredAnswer(remember.fingerprint, remember.status_code, remember.render(need))
            await uow.idempotency.add(remember.scope, remember.key, answer, uow.clock.now())
        await uow.commit()
    return need


async def replayed_answer(scope: str, key: str, uow: UnitOfWork) -> StoredAnswer | None:
    async with uow:
        return await uow.idempotency.get(scope, key)


async def _own(need_id: str, caller: Caller, action: Action, uow: UnitOfWork) -> Need:
    """The need if the table allows `caller` this `action` on it: absent and hidden
    answer alike. Besides its own nation, the lead of the bundle it is in may read it."""
    need = await uow.needs.get(need_id)
    if need is None:
        raise NotFound(f"need {need_id} not found")
    lead = None
    if need.bundle_id is not None and caller.party not in (None, need.nation):
        bundle = await uow.bundles.get(need.bundle_id)
        lead = leader(bundle) if bundle is not None else None
    authorise(caller, action, to_need(caller, need.nation, lead), f"need {need_id}")
    return need


async def get_need(need_id: str, caller: Caller, uow: UnitOfWork) -> Need:
    async with uow:
        return await _own(need_id, caller, Action.READ_NEED, uow)


async def need_history(need_id: str, caller: Caller, uow: UnitOfWork) -> Sequence[NeedVersion]:
    async with uow:
        await _own(need_id, caller, Action.READ_NEED, uow)
        return await uow.needs.history(need_id)


async def list_needs(
    f: NeedFilter, caller: Caller, limit: int, offset: int, uow: UnitOfWork
) -> tuple[Sequence[Need], int]:
    """The needs `caller` may read one by one, filtered by `f`, and how many there are."""
    f = replace(f, seen_by=seen_by(caller, Action.READ_NEED))
    async with uow:
        return await uow.needs.list(f, limit, offset), await uow.needs.count(f)


async def submit_need(need_id: str, caller: Caller, by: str, uow: UnitOfWork) -> Need:
    async with uow:
        need = await _own(need_id, caller, Action.CHANGE_NEED, uow)
        need.submit(uow.clock.now())
        need.version += 1
        uow.needs.add_version(NeedVersion.of(need, by, "submitted"))
        await _registered(need, uow)
        await uow.commit()
    return need


async def amend_need(need_id: str, caller: Caller, changes: dict[str, Any], by: str, uow: UnitOfWork) -> Need:
    async with uow:
        need = await _own(need_id, caller, Action.CHANGE_NEED, uow)
        item = await uow.catalogue.get(need.item_code)
        changed = need.amend(changes, item, uow.clock.now())
        if changed:
            uow.needs.add_version(NeedVersion.of(need, by, "amended: " + ", ".join(changed)))
            if need.status is not NeedStatus.DRAFT:
                await uow.emit(
                    topics.NEEDS,
                    NeedAmendedV1.create(
                        NeedAmendedPayload(
                            need_id=need.id,
                            nation=need.nation,
                            item_code=need.item_code,
                            version=need.version,
                            changed=changed,
                        ),
                        aggregate_id=need.id,
                        producer=PRODUCER,
                        nation=need.nation,
                    ),
                )
        await uow.commit()
    return need


async def withdraw_need(need_id: str, caller: Caller, reason: str | None, by: str, uow: UnitOfWork) -> Need:
    async with uow:
        need = await _own(need_id, caller, Action.CHANGE_NEED, uow)
        was_draft = need.status is NeedStatus.DRAFT
        need.withdraw(uow.clock.now())
        need.version += 1
        uow.needs.add_version(NeedVersion.of(need, by, "withdrawn" + (f": {reason}" if reason else "")))
        if not was_draft:
            await uow.emit(
                topics.NEEDS,
                NeedWithdrawnV1.create(
                    NeedWithdrawnPayload(need_id=need.id, nation=need.nation, item_code=need.item_code, reason=reason),
                    aggregate_id=need.id,
                    producer=PRODUCER,
                    nation=need.nation,
                ),
            )
        await uow.commit()
    return need
