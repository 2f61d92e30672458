"""Minting development tokens and verifying any token.

Development: HS256 with a shared secret, minted by the ``bundling-token`` command.
Production: set ``AUTH_JWKS_URL`` and tokens are verified against the issuer's keys.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pydantic import ValidationError

from bundling_shared.auth.principal import Principal, Role
from bundling_shared.settings import AuthSettings


class InvalidToken(Exception):
    pass


def mint_token(
    settings: AuthSettings,
    *,
    role: Role,
    subject: str,
    nation: str | None = None,
    organisation: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    principal = Principal(subject=subject, role=role, nation=nation, organisation=organisation)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": principal.subject,
        "role": principal.role.value,
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + ttl,
    }
    if nation:
        claims["nation"] = nation
    if organisation:
        claims["org"] = organisation
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


class TokenVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None

    async def verify(self, token: str) -> Principal:
        try:
            if self._jwks is None and self._settings.mode != "development":
                raise jwt.InvalidKeyError("development tokens are refused outside development mode")
            if self._jwks is not None:
                signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                key: Any = signing_key.key
                algorithms = ["RS256", "ES256", "PS256", "EdDSA"]
            else:
                key = self._settings.jwt_secret
                algorithms = ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.audience,
                issuer=self._settings.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        try:
            return Principal(
                subject=claims["sub"],
                role=claims.get("role"),
                nation=claims.get("nation"),
                organisation=claims.get("org"),
            )
        except ValidationError as exc:
            raise InvalidToken(f"token claims are not acceptable: {exc.errors()[0]['msg']}") from exc
