"""The organisation's OpenID Connect provider, reached with the authorisation code flow.

Authlib speaks the protocol: the PKCE challenge (S256) and the nonce sent with the user,
the code exchanged for tokens with the verifier, the ID token checked against the
provider's published keys (signature, issuer, audience, expiry, nonce). The console then
keeps the access token, which is what it shows the services on the user's behalf, and
reads who the user is from that token checked exactly as the services check it
(`bundling_shared.auth`): a token a service would refuse signs no one in, and a claim is
only read once its signature and audience held. Once the token expires the services
answer 401, and the console sends the user back to sign in.

Authlib reaches the provider with httpx2: its errors are the ones that say the provider
could not be reached."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError

from bundling_shared.auth import Principal
from bundling_shared.auth.tokens import InvalidToken, TokenVerifier
from console.config import ConsoleSettings

PROVIDER = "provider"


class SignInFailed(Exception):
    """The sign-in cannot go on: `status` for the page, `reason` in the user's words."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Started:
    """Where to send the user, and what the callback must find again to trust the answer."""

    url: str
    transaction: dict[str, str]


@dataclass(frozen=True)
class Identity:
    token: str
    principal: Principal


class IdentityProvider:
    def __init__(self, settings: ConsoleSettings, verifier: TokenVerifier | None = None) -> None:
        secret = settings.oidc_client_secret
        client: Any = OAuth().register(
            name=PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=secret,
            server_metadata_url=settings.oidc_metadata_url,
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
                "timeout": settings.request_timeout_seconds,
            },
        )
        self._client = client
        self._redirect_uri = settings.callback_url
        self._issuer = settings.oidc_issuer or ""
        self._after_sign_out = f"{(settings.public_url or '').rstrip('/')}/sign-in"
        self._client_id = settings.oidc_client_id or ""
        self._verifier = verifier or TokenVerifier(settings.auth)

    async def start(self) -> Started:
        try:
            metadata = await self._client.load_server_metadata()
            made = await self._client.create_authorization_url(self._redirect_uri)
        except (httpx2.HTTPError, ValueError, RuntimeError) as exc:
            raise SignInFailed(502, f"the identity provider does not answer as it should ({_said(exc)})") from exc
        if str(metadata.get("issuer", "")).rstrip("/") != self._issuer.rstrip("/"):
            # the ID token is checked against the document's issuer: it must be the one configured
            raise SignInFailed(502, f"the discovery document names another issuer than {self._issuer}")
        transaction = {key: made[key] for key in ("state", "nonce", "code_verifier")}
        return Started(url=made["url"], transaction=transaction)

    async def finish(self, transaction: Mapping[str, str] | None, answer: Mapping[str, str]) -> Identity:
        """The user back from the provider with `answer` (the callback's query)."""
        if error := answer.get("error"):
            if error == "access_denied":
                raise SignInFailed(403, "the sign-in was declined at the identity provider")
            detail = answer.get("error_description") or error
            raise SignInFailed(400, f"the identity provider refused the sign-in: {detail}")
        state, code = answer.get("state", ""), answer.get("code", "")
        if transaction is None or not hmac.compare_digest(transaction.get("state", ""), state):
            raise SignInFailed(400, "this answer does not belong to a sign-in started here, or it came too late")
        if not code:
            raise SignInFailed(400, "the identity provider sent no authorisation code")
        tokens = await self._exchange(code, transaction)
        await self._check_id_token(tokens, transaction["nonce"])
        return await self._identity(tokens)

    async def _exchange(self, code: str, transaction: Mapping[str, str]) -> dict[str, Any]:
        try:
            tokens: dict[str, Any] = await self._client.fetch_access_token(
                redirect_uri=self._redirect_uri, code=code, code_verifier=transaction["code_verifier"]
            )
        except AuthlibBaseError as exc:
            raise SignInFailed(502, f"the identity provider would not hand over the tokens ({_said(exc)})") from exc
        except (httpx2.HTTPError, ValueError) as exc:
            raise SignInFailed(502, f"the identity provider does not answer as it should ({_said(exc)})") from exc
        return tokens

    async def _check_id_token(self, tokens: dict[str, Any], nonce: str) -> None:
        if "id_token" not in tokens:
            raise SignInFailed(502, "the identity provider sent no ID token")
        try:
            await self._client.parse_id_token(tokens, nonce=nonce)
        except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise SignInFailed(502, f"the identity provider's ID token is not valid ({_said(exc)})") from exc
        except httpx2.HTTPError as exc:
            raise SignInFailed(502, f"the identity provider's keys cannot be read ({_said(exc)})") from exc

    async def _identity(self, tokens: dict[str, Any]) -> Identity:
        token = tokens.get("access_token")
        if not isinstance(token, str):
            raise SignInFailed(502, "the identity provider sent no access token")
        try:
            principal = await self._verifier.verify(token)
        except InvalidToken as exc:
            raise SignInFailed(
                502,
                f"the identity provider's access token is not one the platform's services accept ({exc}); "
                "the provider must issue signed access tokens for the platform's audience, with a role and the "
                "nation or organisation the user acts for",
            ) from exc
        return Identity(token=token, principal=principal)

    async def end_session_url(self) -> str | None:
        """Where signing out of the provider too happens, if it offers that."""
        try:
            metadata = await self._client.load_server_metadata()
        except (httpx2.HTTPError, ValueError):
            return None
        if not metadata.get("end_session_endpoint"):
            return None
        made = await self._client.create_logout_url(
            post_logout_redirect_uri=self._after_sign_out, client_id=self._client_id
        )
        url: str = made["url"]
        return url


def _said(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
