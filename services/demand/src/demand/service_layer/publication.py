"""Debounced publication of bundle changes.

A burst of needs joining one bundle would otherwise flood consumers with an update per
need. Changes mark the bundle pending; this publishes each pending bundle once it has
been quiet for a while, or once it has waited too long, whichever comes first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bundling_shared import topics
from bundling_shared.events.demand import BundleLine as BundleLineEvent
from bundling_shared.events.demand import BundleUpdatedPayload, BundleUpdatedV1, DeliveryWindow
from demand.domain.bundle import Bundle, BundleLine
from demand.service_layer.common import PRODUCER
from demand.service_layer.unit_of_work import UnitOfWork


def bundle_updated(bundle: Bundle, lines: list[BundleLine], reason: str) -> BundleUpdatedV1:
    event: BundleUpdatedV1 = BundleUpdatedV1.create(
        BundleUpdatedPayload(
            bundle_id=bundle.id,
            item_code=bundle.item_code,
            status=bundle.status.value,
            total_quantity=bundle.total_quantity,
            nations=bundle.nations,
            lines=[BundleLineEvent(need_id=x.need_id, nation=x.nation, quantity=x.quantity) for x in lines],
            delivery_window=DeliveryWindow(start=bundle.window_start, end=bundle.window_end),
            revision=bundle.revision,
            reason=reason,
        ),
        aggregate_id=bundle.id,
        producer=PRODUCER,
    )
    return event


async def publish_due(now: datetime, quiet: timedelta, max_wait: timedelta, uow: UnitOfWork) -> int:
    """Stage one `bundle.updated` per due bundle; returns how many were published."""
    async with uow:
        due = [
            b
            for b in await uow.bundles.due_for_publication(now - quiet, now - max_wait)
            if b.publication_due(now, quiet, max_wait)
        ]
        for bundle in due:
            trail = await uow.bundles.trail(bundle.id)
            changes = bundle.revision - bundle.published_revision
            last = trail[-1].reason if trail else "changed"
            reason = f"{changes} change(s) since the last update; latest: {last}"
            await uow.emit(topics.BUNDLES, bundle_updated(bundle, list(await uow.bundles.lines(bundle.id)), reason))
            bundle.mark_published()
        await uow.commit()
    return len(due)
