"""Who is signed in, kept in a signed, HTTP-only, SameSite cookie: the user's token for the
services and a CSRF token every form and script sends back with a change."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from bundling_shared.auth import Role

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class SignedIn:
    token: str
    role: Role
    party: str  # the nation or organisation the user acts for
    csrf: str

    @property
    def is_desk(self) -> bool:
        return self.role is Role.NATION_DESK

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR


class NotSignedIn(Exception):
    """A page asked for a user and there is none: the browser goes to the sign-in page."""


def sign_in(request: Request, *, token: str, role: Role, party: str) -> None:
    request.session.clear()
    request.session.update({"token": token, "role": role.value, "party": party, "csrf": secrets.token_urlsafe(24)})


NEXT = "next"


def remember_page(request: Request) -> None:
    """The page a visitor asked for before signing in (or again, once the token expired):
    signing in brings it back there."""
    if request.method == "GET":
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        request.session[NEXT] = wanted


def page_after_sign_in(request: Request) -> str:
    """The remembered page, if it is one of the console's own (never another site's)."""
    return local_page(request.session.get(NEXT))


def local_page(wanted: object) -> str:
    if isinstance(wanted, str) and wanted.startswith("/") and not wanted.startswith(("//", "/\\")):
        return wanted
    return "/"


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_of(request: Request) -> str:
    """The session's CSRF token, made for a visitor not signed in yet (the sign-in form)."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])


async def signed_in(request: Request) -> SignedIn:
    s = request.session
    if "token" not in s:
        raise NotSignedIn()
    return SignedIn(token=s["token"], role=Role(s["role"]), party=s["party"], csrf=s["csrf"])


def same_origin_form(request: Request, sent: str | None, header: str | None) -> None:
    """Every change carries the session's CSRF token, in the form or (scripts) a header."""
    expected = request.session.get("csrf")
    given = sent or header
    if not expected or not given or not hmac.compare_digest(str(expected), given):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the form is stale or not ours: reload the page")


async def checked_form(request: Request, x_csrf_token: Annotated[str | None, Header()] = None) -> dict[str, str]:
    """The posted form's fields, once its CSRF token matched."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    same_origin_form(request, fields.pop(CSRF_FIELD, None), x_csrf_token)
    return fields


User = Annotated[SignedIn, Depends(signed_in)]
Form = Annotated[dict[str, str], Depends(checked_form)]
