"""``python -m contracts.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from bundling_shared.asyncapi import KeptDocument
from contracts.bootstrap import bootstrap
from contracts.entrypoints.subscribers import subscribe

KEPT = KeptDocument(bootstrap, subscribe, __file__, "Contracts created from committed joint orders.")
document = KEPT.render

if __name__ == "__main__":
    raise SystemExit(KEPT.write_or_check())
