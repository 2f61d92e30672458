"""The Idempotency-Key header of the routes that create something, and what a request is
recognised by when it is sent again: its body, as JSON with sorted keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Header
from pydantic import BaseModel

from demand.domain.access import Caller
from demand.service_layer.idempotency import IdempotencyKey

T = TypeVar("T")

KeyHeader = Annotated[str | None, Header(max_length=200)]
"""Sent as `Idempotency-Key`."""


def fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def keyed(
    caller: Caller, key: str, body: BaseModel, render: Callable[[T], str], *, kind: str = ""
) -> IdempotencyKey[T]:
    """The caller's key: one organisation's keys never meet another's; `kind` keeps the keys
    of one kind of request apart from those of another (needs keep the bare party)."""
    party = caller.party or caller.subject
    return IdempotencyKey(
        scope=f"{kind}:{party}" if kind else party, key=key, fingerprint=fingerprint(body), render=render
    )
