"""Signing in and out. The page offers the organisation's identity provider (`oidc.py`)
when one is configured. In development a role and a nation or organisation may be picked
instead and a development token is minted, as `bundling-token` would; that form does not
exist unless the development sign-in is on (CONSOLE_DEV_SIGN_IN with AUTH_MODE=development)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.tokens import mint_token
from console.adapters.identity import IdentityProvider
from console.config import ConsoleSettings
from console.entrypoints.deps import Settings, page
from console.entrypoints.session import Form, page_after_sign_in, sign_in, sign_out

router = APIRouter()

ROLES = [(Role.NATION_DESK, "National desk"), (Role.COORDINATOR, "Coordinator"), (Role.INDUSTRY, "Company")]


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, settings: Settings) -> HTMLResponse:
    if not settings.dev_sign_in and not settings.oidc_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no way to sign in is configured")
    return _sign_in_page(request, settings)


def _sign_in_page(
    request: Request, settings: ConsoleSettings, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    return page(
        request,
        "sign_in.html",
        status_code,
        provider=settings.oidc_provider_name if settings.oidc_enabled else None,
        roles=ROLES if settings.dev_sign_in else None,
        error=error,
    )


@router.post("/sign-in", response_model=None)
async def sign_in_as(request: Request, settings: Settings, form: Form) -> HTMLResponse | RedirectResponse:
    if not settings.dev_sign_in:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    nation = form.get("nation", "").strip().upper() or None
    org = form.get("organisation", "").strip() or None
    try:
        role = Role(form.get("role", ""))
        if role is Role.NATION_DESK:
            org = None
        principal = Principal(subject=f"{role.value}:{nation or org}", role=role, nation=nation, organisation=org)
    except (ValueError, ValidationError) as exc:
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "pick a role"
        return _sign_in_page(request, settings, status.HTTP_422_UNPROCESSABLE_ENTITY, message)
    token = mint_token(settings.auth, role=role, subject=principal.subject, nation=principal.nation, organisation=org)
    back_to = page_after_sign_in(request)
    sign_in(request, token=token, role=role, party=principal.party)
    return RedirectResponse(back_to, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/sign-out", response_model=None)
async def sign_out_now(request: Request, _: Form) -> HTMLResponse | RedirectResponse:
    """Out of the console, and out of the provider too when it offers that: through a page
    that moves on, since the console's forms may only post to the console itself."""
    sign_out(request)
    identity: IdentityProvider | None = request.app.state.identity
    end_session = await identity.end_session_url() if identity is not None else None
    if end_session is None:
        return RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
    return page(request, "hand_over.html", to=end_session, what="Signed out")
