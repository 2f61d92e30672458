"""Identifiers of the contracts domain: a prefix that says what an id names (`contract-`,
`fw-`, `co-`, `lot-`), so that an id in a log, an event or an OCDS release explains itself."""

from __future__ import annotations

import uuid


def new_id(prefix: str, digits: int = 12) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:digits]}"
