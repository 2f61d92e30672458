"""Signing in. In development a role and a nation or organisation are picked and a
development token is minted, as `bundling-token` would; the page does not exist unless
the development sign-in is on (CONSOLE_DEV_SIGN_IN with AUTH_MODE=development)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.tokens import mint_token
from console.entrypoints.deps import Settings, page
from console.entrypoints.session import Form, sign_in, sign_out

router = APIRouter()

ROLES = [(Role.NATION_DESK, "National desk"), (Role.COORDINATOR, "Coordinator"), (Role.INDUSTRY, "Company")]


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, settings: Settings) -> HTMLResponse:
    if not settings.dev_sign_in:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="sign in through your organisation's identity provider")
    return page(request, "sign_in.html", roles=ROLES, error=None)


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
        return page(request, "sign_in.html", status.HTTP_422_UNPROCESSABLE_ENTITY, roles=ROLES, error=message)
    token = mint_token(settings.auth, role=role, subject=principal.subject, nation=principal.nation, organisation=org)
    sign_in(request, token=token, role=role, party=principal.party)
    return RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/sign-out")
async def sign_out_now(request: Request, _: Form) -> RedirectResponse:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=status.HTTP_303_SEE_OTHER)
