"""``python -m demand.entrypoints.asyncapi [--check]``: the service's AsyncAPI document."""

from __future__ import annotations

from bundling_shared.asyncapi import KeptDocument
from demand.bootstrap import bootstrap
from demand.entrypoints.subscribers import subscribe

KEPT = KeptDocument(bootstrap, subscribe, __file__, "Needs registered by nations; bundles and committed joint orders.")
document = KEPT.render

if __name__ == "__main__":
    raise SystemExit(KEPT.write_or_check())
