"""Minting development tokens and verifying any token.

Development: HS256 with a shared secret, minted by the ``bundling-token`` command.
Production: set ``AUTH_JWKS_URL`` and tokens are verified against the issuer's keys.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
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
    """Verifies tokens, and remembers the ones it verified.

    A desk sends the same token with every request of a session: its signature checked
    again each time (and, in production, the issuer's key looked up in a thread) was a
    tenth of a write's cost. A verified token is answered from memory until it expires,
    at the latest `remember_seconds` after it was verified, so that a key the issuer
    withdraws stops being honoured within that time; at most `remember` tokens are kept,
    the least recently used going first. `now` is the time the expiry is checked against,
    the same that PyJWT checks `exp` with."""

    def __init__(
        self,
        settings: AuthSettings,
        *,
        remember: int = 4096,
        remember_seconds: float = 300.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        self._remember, self._remember_seconds, self._now = remember, remember_seconds, now
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, until = known
            if self._now() < until:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal, expires = await self._check(token)
        if self._remember > 0:
            self._verified[token] = (principal, min(expires, self._now() + self._remember_seconds))
            if len(self._verified) > self._remember:
                self._verified.popitem(last=False)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        """The token's principal and when it expires, or `InvalidToken`."""
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
            principal = Principal(
                subject=claims["sub"],
                role=claims.get("role"),
                nation=claims.get("nation"),
                organisation=claims.get("org"),
            )
        except ValidationError as exc:
            raise InvalidToken(f"token claims are not acceptable: {exc.errors()[0]['msg']}") from exc
        return principal, float(claims["exp"])
