"""Helpers to call a service's API in-process, tokens included."""

from __future__ import annotations

from bundling_shared.auth import Role
from bundling_shared.auth.tokens import mint_token
from bundling_shared.settings import AuthSettings


def bearer(role: Role, *, nation: str | None = None, org: str | None = None) -> dict[str, str]:
    token = mint_token(
        AuthSettings(), role=role, subject=f"{role.value}:{nation or org}", nation=nation, organisation=org
    )
    return {"authorization": f"Bearer {token}"}


def desk(nation: str) -> dict[str, str]:
    return bearer(Role.NATION_DESK, nation=nation)


def coordinator(org: str = "NSPA") -> dict[str, str]:
    return bearer(Role.COORDINATOR, org=org)


def industry(org: str) -> dict[str, str]:
    return bearer(Role.INDUSTRY, org=org)
