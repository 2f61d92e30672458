"""Signing in through the organisation's OpenID Connect provider.

`/auth/start` sends the user to the provider; what the callback must find again (state,
nonce, PKCE verifier) rides in a cookie of its own, signed and short-lived. That cookie is
`SameSite=Lax` while the session's is `Strict`: the provider sends the user back from
another site, and a browser withholds a Strict cookie from such a navigation. For the
same reason the callback answers with a page that moves on to the console, rather than a
redirect: the move starts from the console's own page, so the browser sends the new
session with it."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadData, URLSafeTimedSerializer

from console.adapters.identity import IdentityProvider, SignInFailed
from console.config import ConsoleSettings
from console.entrypoints.deps import Settings, page
from console.entrypoints.session import NEXT, local_page, page_after_sign_in, sign_in

router = APIRouter()

TRANSACTION_COOKIE = "console_sign_in"
TRANSACTION_SECONDS = 600  # from leaving for the provider to coming back
KEPT = ("state", "nonce", "code_verifier")


def provider_of(request: Request) -> IdentityProvider:
    identity: IdentityProvider | None = request.app.state.identity
    if identity is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no identity provider is configured")
    return identity


def _sealer(settings: ConsoleSettings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret, salt="console-sign-in")


def problem(request: Request, failed: SignInFailed) -> HTMLResponse:
    return page(request, "sign_in_problem.html", failed.status, reason=failed.reason)


@router.get("/auth/start", response_model=None)
async def start(request: Request, settings: Settings) -> Response:
    try:
        started = await provider_of(request).start()
    except SignInFailed as failed:
        return problem(request, failed)
    response = RedirectResponse(started.url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        TRANSACTION_COOKIE,
        _sealer(settings).dumps({**started.transaction, NEXT: page_after_sign_in(request)}),
        max_age=TRANSACTION_SECONDS,
        path="/auth",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@router.get("/auth/callback", response_model=None)
async def callback(request: Request, settings: Settings) -> Response:
    identity_provider = provider_of(request)
    transaction = _opened(settings, request.cookies.get(TRANSACTION_COOKIE))
    try:
        identity = await identity_provider.finish(transaction, dict(request.query_params))
    except SignInFailed as failed:
        response: Response = problem(request, failed)
    else:
        principal = identity.principal
        sign_in(request, token=identity.token, role=principal.role, party=principal.party)
        back_to = local_page((transaction or {}).get(NEXT))
        response = page(request, "hand_over.html", to=back_to, what="Signed in")
    response.delete_cookie(TRANSACTION_COOKIE, path="/auth")
    return response


def _opened(settings: ConsoleSettings, sealed: str | None) -> dict[str, str] | None:
    if not sealed:
        return None
    try:
        opened = _sealer(settings).loads(sealed, max_age=TRANSACTION_SECONDS)
    except (BadData, json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(opened, dict) or not all(isinstance(opened.get(k), str) for k in KEPT):
        return None
    kept = {k: opened[k] for k in KEPT}
    if isinstance(opened.get(NEXT), str):
        kept[NEXT] = opened[NEXT]
    return kept
