"""Use cases of a nation desk's needs: register (with an idempotency key), submit a draft,
amend as a new version, withdraw, read with history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from bundling_shared.errors import NotFound
from demand.domain.access import Action, Caller, authorise, leader, registering_for, seen_by, to_need
from demand.domain.need import ListedNeed, Need, NeedStatus, NeedTerms, NeedVersion
from demand.service_layer import events
from demand.service_layer.idempotency import IdempotencyKey, answer_once
from demand.service_layer.unit_of_work import NeedFilter, StoredAnswer, UnitOfWork


async def _register(uow: UnitOfWork, caller: Caller, terms: NeedTerms, draft: bool) -> Need:
    item = await uow.catalogue.current(terms["item_code"].strip())
    need = Need.register(now=uow.clock.now(), item=item, draft=draft, **terms)
    uow.needs.add(need)
    uow.needs.add_version(NeedVersion.of(need, caller.subject, "registered" + (" as draft" if draft else "")))
    if not draft:
        await events.need_registered(uow, need)
    return need


async def register_need(uow: UnitOfWork, *, caller: Caller, terms: NeedTerms, draft: bool = False) -> Need:
    """A draft waits for its desk; a need submitted at once goes to the aggregator."""
    registering_for(caller, terms["nation"])
    async with uow:
        need = await _register(uow, caller, terms, draft)
        await uow.commit()
    return need


async def register_need_once(
    uow: UnitOfWork, *, caller: Caller, terms: NeedTerms, draft: bool = False, key: IdempotencyKey[Need]
) -> StoredAnswer:
    """`register_need` under an Idempotency-Key: registered once, the first answer replayed."""
    registering_for(caller, terms["nation"])
    return await answer_once(uow, key, lambda: _register(uow, caller, terms, draft))


async def _own(uow: UnitOfWork, caller: Caller, need_id: str, action: Action) -> Need:
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


async def get_need(uow: UnitOfWork, *, caller: Caller, need_id: str) -> Need:
    async with uow:
        return await _own(uow, caller, need_id, Action.READ_NEED)


async def need_history(
    uow: UnitOfWork, *, caller: Caller, need_id: str, limit: int, offset: int
) -> tuple[Sequence[NeedVersion], int]:
    """A page of the need's versions, oldest first, and how many there are."""
    async with uow:
        await _own(uow, caller, need_id, Action.READ_NEED)
        return await uow.needs.history_page(need_id, limit, offset)


async def list_needs(
    uow: UnitOfWork, *, caller: Caller, f: NeedFilter, limit: int, offset: int
) -> tuple[Sequence[ListedNeed], int]:
    """The needs `caller` may read one by one, filtered by `f`, and how many there are."""
    f = replace(f, seen_by=seen_by(caller, Action.READ_NEED))
    async with uow:
        return await uow.needs.page(f, limit, offset)


async def submit_need(uow: UnitOfWork, *, caller: Caller, need_id: str) -> Need:
    async with uow:
        need = await _own(uow, caller, need_id, Action.CHANGE_NEED)
        need.submit(uow.clock.now())
        uow.needs.add_version(NeedVersion.of(need, caller.subject, "submitted"))
        await events.need_registered(uow, need)
        await uow.commit()
    return need


async def amend_need(uow: UnitOfWork, *, caller: Caller, need_id: str, changes: dict[str, Any]) -> Need:
    """A bundled need the amendment no longer fits moves: the aggregator places it again."""
    async with uow:
        need = await _own(uow, caller, need_id, Action.CHANGE_NEED)
        item = await uow.catalogue.get(need.item_code)
        changed = need.amend(changes, item, uow.clock.now())
        if changed:
            uow.needs.add_version(NeedVersion.of(need, caller.subject, "amended: " + ", ".join(changed)))
            if need.status is not NeedStatus.DRAFT:
                await events.need_amended(uow, need, changed)
        await uow.commit()
    return need


async def withdraw_need(uow: UnitOfWork, *, caller: Caller, need_id: str, reason: str | None) -> Need:
    """A draft was never announced: its withdrawal is not either."""
    async with uow:
        need = await _own(uow, caller, need_id, Action.CHANGE_NEED)
        was_draft = need.status is NeedStatus.DRAFT
        need.withdraw(uow.clock.now())
        uow.needs.add_version(NeedVersion.of(need, caller.subject, "withdrawn" + (f": {reason}" if reason else "")))
        if not was_draft:
            await events.need_withdrawn(uow, need, reason)
        await uow.commit()
    return need
