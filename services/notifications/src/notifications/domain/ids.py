"""Identifiers of the notifications domain: a prefix that says what an id names (`ep_`,
`msg_`, `dlv_`, `att_`), so that an id in a log or a webhook header explains itself."""

from __future__ import annotations

import uuid


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"
