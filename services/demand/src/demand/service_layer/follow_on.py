"""A contract or framework nearing its end opens its follow-on round here.

The contracts service tells each horizon ahead of an agreement's end once; the first one
heard opens a proposed bundle for the item, seeded with the agreement's nations and what
each bought (`FollowOn`), and each later one is written in the round's trail. The round is
a bundle as any other: nations join it by registering needs, which the aggregator places.
"""

from __future__ import annotations

from uuid import UUID

from demand.domain.bundle import Bundle
from demand.domain.follow_on import FollowOn
from demand.service_layer.contracted import CONTRACT_WATCHER
from demand.service_layer.unit_of_work import UnitOfWork


async def agreement_expiring(uow: UnitOfWork, *, event_id: UUID, follows: FollowOn) -> str | None:
    """Returns the id of the round opened; None when one was opened before (a later
    horizon, another contract of the same bundle, or the event told again)."""
    async with uow:
        if await uow.already_processed(CONTRACT_WATCHER, event_id):
            return None
        now = uow.clock.now()
        opened = None
        source = await uow.bundles.get(follows.bundle_id) if follows.bundle_id is not None else None
        if source is not None:  # its nations' years: the contracts service tells totals only
            follows = follows.with_yearly({share.nation: share.yearly for share in source.shares})
        round_ = await uow.bundles.following(follows.key)
        if round_ is None and follows.bundle_id is not None:  # opened before rounds followed bundles
            round_ = await uow.bundles.following(follows.agreement_id)
        if round_ is None:
            await uow.bundles.hold_openings(follows.item_code)  # as the aggregator opens one: one at a time
            item = await uow.catalogue.get(follows.item_code)
            spec = item.specification_ref if item is not None else None
            bundle, decision = Bundle.follow_on(follows, specification_ref=spec, now=now)
            uow.bundles.add(bundle)
            uow.bundles.record(decision)
            opened = bundle.id
        elif (joined := round_.also_follow(follows, now)) is not None:
            uow.bundles.record(joined)
        elif (told := round_.expiry_told(follows.horizon_years, now)) is not None:
            uow.bundles.record(told)
        await uow.mark_processed(CONTRACT_WATCHER, event_id)
        await uow.commit()
    return opened
