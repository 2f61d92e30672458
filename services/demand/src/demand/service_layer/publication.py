"""Debounced publication of bundle changes.

A burst of needs joining one bundle would otherwise flood consumers with an update per
need. Changes mark the bundle pending; this publishes each pending bundle once it has
been quiet for a while, or once it has waited too long, whichever comes first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from demand.service_layer import events
from demand.service_layer.unit_of_work import UnitOfWork


async def publish_due(uow: UnitOfWork, *, now: datetime, quiet: timedelta, max_wait: timedelta) -> int:
    """Stage one `bundle.updated` per due bundle; returns how many were published."""
    async with uow:
        due = [
            b
            for b in await uow.bundles.due_for_publication(now - quiet, now - max_wait)
            if b.publication_due(now, quiet, max_wait)
        ]
        for bundle in due:
            latest = await uow.bundles.latest_decision(bundle.id)
            changes = bundle.revision - bundle.published_revision
            last = latest.reason if latest is not None else "changed"
            reason = f"{changes} change(s) since the last update; latest: {last}"
            await events.bundle_updated(uow, bundle, reason)
            bundle.mark_published()
        await uow.commit()
    return len(due)
