"""Bundles: a desk's own (totals, its line, the nations, the deadline), a coordinator's
board; a bundle's page, live; a coordinator commits with a confirmation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import TEMPLATES, Api, Settings, Today, listing, page
from console.entrypoints.routes.contracts import contract_view
from console.entrypoints.routes.money import funds_for_item
from console.entrypoints.routes.needs import need_view
from console.entrypoints.session import Form, SignedIn, User
from console.views.confirmation import unticked

router = APIRouter()
PAGE = 20


@router.get("/bundles", response_class=HTMLResponse)
async def bundles(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("demand", "/v1/bundles")
    return await listing(request, api, user.token, source, "bundles.html", "bundles", offset=offset, limit=PAGE)


async def bundle_view(api: Api, token: str, bundle_id: str, today: date) -> dict[str, Any]:
    bundle = await api.get("demand", f"/v1/bundles/{bundle_id}", token)
    trail = await api.get("demand", f"/v1/bundles/{bundle_id}/trail", token, limit=50)
    deadline = bundle.get("accession_deadline")
    days_left = (date.fromisoformat(deadline) - today).days if deadline else None
    funds = await funds_for_item(api, token, bundle["item_code"])
    return {"bundle": bundle, "trail": trail["items"], "days_left": days_left, "funds": funds}


@router.get("/bundles/{bundle_id}", response_class=HTMLResponse)
async def bundle_page(request: Request, bundle_id: str, user: User, api: Api, today: Today) -> HTMLResponse:
    view = await bundle_view(api, user.token, bundle_id, today)
    return page(request, "bundle.html", live=f"/live/bundles/{bundle_id}", **view)


@router.post("/bundles/{bundle_id}/commit", response_model=None)
async def commit(
    request: Request, bundle_id: str, user: User, api: Api, form: Form, today: Today
) -> HTMLResponse | RedirectResponse:
    if form.get("confirm") != "yes":
        view = await bundle_view(api, user.token, bundle_id, today)
        return page(request, "bundle.html", 422, live=None, error="tick the box to confirm the commitment", **view)
    body = {"lead": form["lead"]} if form.get("lead") else {}
    await api.post("demand", f"/v1/bundles/{bundle_id}/commit", user.token, body)
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


async def _acted(
    request: Request,
    bundle_id: str,
    act: str,
    body: dict[str, Any],
    user: SignedIn,
    api: Api,
    today: date,
    refusal: str | None = None,
) -> HTMLResponse | RedirectResponse:
    """The act sent to the demand service, then back to the bundle; a refusal (the
    console's own `refusal`, or the service's with its rule) is shown on the bundle's page."""
    try:
        if refusal is not None:
            raise ApiError(422, {"title": refusal})
        await api.post("demand", f"/v1/bundles/{bundle_id}/{act}", user.token, body)
    except ApiError as refused:
        view = await bundle_view(api, user.token, bundle_id, today)
        return page(request, "bundle.html", refused.status, live=None, error=refused.detail, **view)
    return RedirectResponse(f"/bundles/{bundle_id}", status_code=303)


@router.post("/bundles/{bundle_id}/open", response_model=None)
async def open_for_accession(
    request: Request, bundle_id: str, user: User, api: Api, form: Form, today: Today
) -> HTMLResponse | RedirectResponse:
    """A coordinator asks the nations in the bundle to confirm or decline by a deadline."""
    try:
        minimum = int(form.get("minimum_nations") or 2)
    except ValueError:
        minimum = 0  # the service names the rule
    body = {"deadline": form.get("deadline", ""), "minimum_nations": minimum}
    return await _acted(request, bundle_id, "open", body, user, api, today)


@router.post("/bundles/{bundle_id}/participation", response_model=None)
async def answer(
    request: Request, bundle_id: str, user: User, api: Api, form: Form, today: Today
) -> HTMLResponse | RedirectResponse:
    """A desk confirms its nation's part (all of it, or less) or declines."""
    body: dict[str, Any] = {"decision": form.get("decision", "")}
    if form.get("quantity", "").strip():
        try:
            body["quantity"] = int(form["quantity"])
        except ValueError:
            body["quantity"] = form["quantity"]  # the service names the rule
    if form.get("funding_instrument"):
        body["funding_instrument"] = form["funding_instrument"]
    return await _acted(request, bundle_id, "participation", body, user, api, today)


@router.post("/bundles/{bundle_id}/{ending}", response_model=None)
async def close_or_cancel(
    request: Request, bundle_id: str, ending: Literal["close", "cancel"], user: User, api: Api, form: Form,
    today: Today,
) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """A coordinator closes a bundle (no more needs join nor nations accede; it can still
    commit) or cancels it (its needs are placed again), with a reason; neither is undone.
    Declared after the bundle's other acts, whose paths it would otherwise take."""
    body = {"reason": form.get("reason", "")}
    refusal = unticked(form, f"{ending} this bundle")
    return await _acted(request, bundle_id, ending, body, user, api, today, refusal)


LIVE: dict[str, tuple[str, Callable[[Api, str, str, date], Awaitable[dict[str, Any]]]]] = {
    "bundles": ("_bundle.html", bundle_view),
    "needs": ("_need.html", need_view),
    "contracts": ("_contract.html", contract_view),
}


@router.get("/live/{kind}/{object_id}")
async def live(
    request: Request, kind: str, object_id: str, user: User, api: Api, settings: Settings, today: Today
) -> Any:
    """Server-sent events: the object's part of its page again whenever what the services
    answer for it changes, asked with the user's token every `live_poll_seconds`."""
    if kind not in LIVE:
        return HTMLResponse("not a live page", status_code=404)
    template, view = LIVE[kind]

    async def events() -> AsyncIterator[str]:
        shown = ""
        while not await request.is_disconnected():
            try:
                html = TEMPLATES.get_template(template).render(await view(api, user.token, object_id, today))
            except ApiError as refused:
                yield f"event: gone\ndata: {refused.status}\n\n"
                return
            if html != shown:
                shown = html
                yield "event: update\n" + "".join(f"data: {line}\n" for line in html.splitlines()) + "\n"
            await asyncio.sleep(settings.live_poll_seconds)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})
