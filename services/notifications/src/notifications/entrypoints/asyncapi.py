"""``python -m notifications.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from pathlib import Path

from bundling_shared.asyncapi import render, write_or_check
from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.subscribers import subscribe

DOCUMENT = Path(__file__).resolve().parents[3] / "asyncapi.json"


def document() -> str:
    service = bootstrap(NotificationsSettings(database_url="sqlite+aiosqlite:///:memory:"))
    subscribe(service)
    return render(
        service.broker,
        title="Notifications service",
        description="Consumes bundle, contract and reference events and turns them into signed webhooks for "
        "subscribed industry endpoints and, for a nation's own needs, its desk's endpoints; publishes endpoint health.",
    )


if __name__ == "__main__":
    raise SystemExit(write_or_check(document(), DOCUMENT))
