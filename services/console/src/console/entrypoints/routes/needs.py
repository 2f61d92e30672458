"""A desk's needs: the list, the form that shows before saving which bundle a need would
join and why, the need with its history."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import Api, listing, page
from console.entrypoints.session import Form, User
from console.views.need_form import FormProblem, need_body

router = APIRouter()
PAGE = 50


async def _items(api: Api, token: str) -> list[dict[str, Any]]:
    found = await api.get("demand", "/v1/catalogue/items", token, limit=100)
    return [i for i in found["items"] if not i.get("retired")]


@router.get("/needs", response_class=HTMLResponse)
async def my_needs(request: Request, user: User, api: Api, offset: int = 0) -> HTMLResponse:
    source = ("demand", "/v1/needs")
    return await listing(request, api, user.token, source, "needs.html", "needs", offset=offset, limit=PAGE)


@router.get("/needs/new", response_class=HTMLResponse)
async def new_need(request: Request, user: User, api: Api) -> HTMLResponse:
    return page(request, "need_new.html", items=await _items(api, user.token), form={}, error=None)


@router.post("/needs/preview", response_class=HTMLResponse)
async def preview(request: Request, user: User, api: Api, form: Form) -> HTMLResponse:
    """What saving would do, as a fragment the form's script shows beside it."""
    try:
        seen = await api.post("demand", "/v1/needs/preview", user.token, need_body(user.party, form))
    except FormProblem as problem:
        return page(request, "_preview.html", preview=None, error=f"{problem.field}: {problem}")
    except ApiError as refused:
        return page(request, "_preview.html", preview=None, error=refused.detail)
    return page(request, "_preview.html", preview=seen, error=None)


@router.post("/needs", response_model=None)
async def register(request: Request, user: User, api: Api, form: Form) -> HTMLResponse | RedirectResponse:
    try:
        need = await api.post("demand", "/v1/needs", user.token, need_body(user.party, form))
    except (FormProblem, ApiError) as exc:
        error = f"{exc.field}: {exc}" if isinstance(exc, FormProblem) else exc.detail
        items = await _items(api, user.token)
        return page(request, "need_new.html", 422, items=items, form=form, error=error)
    return RedirectResponse(f"/needs/{need['id']}", status_code=303)


async def need_view(api: Api, token: str, need_id: str, today: date | None = None) -> dict[str, Any]:
    need = await api.get("demand", f"/v1/needs/{need_id}", token)
    history = await api.get("demand", f"/v1/needs/{need_id}/history", token, limit=50)
    return {"need": need, "history": history["items"]}


@router.get("/needs/{need_id}", response_class=HTMLResponse)
async def need_page(request: Request, need_id: str, user: User, api: Api) -> HTMLResponse:
    return page(request, "need.html", live=f"/live/needs/{need_id}", **await need_view(api, user.token, need_id))


@router.post("/needs/{need_id}/amend", response_model=None)
async def amend(request: Request, need_id: str, user: User, api: Api, form: Form) -> HTMLResponse | RedirectResponse:
    """A desk changes its need's quantity or delivery window; the need is bundled anew."""
    change: dict[str, Any] = {}
    if form.get("quantity", "").strip():
        try:
            change["quantity"] = int(form["quantity"])
        except ValueError:
            change["quantity"] = form["quantity"]  # the service names the rule
    if form.get("window_start") and form.get("window_end"):
        change["delivery_window"] = {"start": form["window_start"], "end": form["window_end"]}
    try:
        await api.call("demand", "PATCH", f"/v1/needs/{need_id}", user.token, json=change)
    except ApiError as refused:
        view = await need_view(api, user.token, need_id)
        return page(request, "need.html", refused.status, live=None, error=refused.detail, **view)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.post("/needs/{need_id}/withdraw", response_model=None)
async def withdraw(request: Request, need_id: str, user: User, api: Api, form: Form) -> RedirectResponse:
    await api.post("demand", f"/v1/needs/{need_id}/withdraw", user.token, {"reason": form.get("reason", "")})
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
