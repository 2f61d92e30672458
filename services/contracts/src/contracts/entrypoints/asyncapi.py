"""``python -m contracts.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from pathlib import Path

from bundling_shared.asyncapi import render, write_or_check
from contracts.bootstrap import bootstrap
from contracts.config import ContractsSettings
from contracts.entrypoints.subscribers import subscribe

DOCUMENT = Path(__file__).resolve().parents[3] / "asyncapi.json"


def document() -> str:
    service = bootstrap(ContractsSettings(database_url="sqlite+aiosqlite:///:memory:"))
    subscribe(service)
    return render(
        service.broker, title="Contracts service", description="Contracts created from committed joint orders."
    )


if __name__ == "__main__":
    raise SystemExit(write_or_check(document(), DOCUMENT))
