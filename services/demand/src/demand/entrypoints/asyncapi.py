"""``python -m demand.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from pathlib import Path

from bundling_shared.asyncapi import render, write_or_check
from demand.bootstrap import bootstrap
from demand.config import DemandSettings
from demand.entrypoints.subscribers import subscribe

DOCUMENT = Path(__file__).resolve().parents[3] / "asyncapi.json"


def document() -> str:
    service = bootstrap(DemandSettings(database_url="sqlite+aiosqlite:///:memory:"))
    subscribe(service)
    return render(
        service.broker,
        title="Demand service",
        description="Needs registered by nations; bundles and committed joint orders.",
    )


if __name__ == "__main__":
    raise SystemExit(write_or_check(document(), DOCUMENT))
