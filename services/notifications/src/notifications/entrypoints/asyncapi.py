"""``python -m notifications.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from bundling_shared.asyncapi import KeptDocument
from notifications.bootstrap import bootstrap
from notifications.entrypoints.subscribers import subscribe

KEPT = KeptDocument(
    bootstrap,
    subscribe,
    __file__,
    (
        "Consumes bundle, contract and reference events and turns them into signed webhooks for "
        "subscribed industry endpoints and, for a nation's own needs, the pledges it makes or leads and the funds "
        "opened and closed, its desk's endpoints; publishes endpoint health."
    ),
)
document = KEPT.render

if __name__ == "__main__":
    raise SystemExit(KEPT.write_or_check())
