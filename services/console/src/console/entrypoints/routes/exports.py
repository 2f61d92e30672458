"""Downloads of the lists as CSV or XLSX: each list as the reader's own token reads it
from the services, every page of it up to `MOST_ROWS` items, in the same columns in both
formats. A list cut at that size says so in `x-export-cut` (how many of how many)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import Response

from console.adapters.platform_api import ApiError
from console.entrypoints.deps import Api
from console.entrypoints.session import User
from console.views.exports import EXPORTS, collect
from console.views.tables import to_csv, to_xlsx

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


async def download(user: User, api: Api, name: str, fmt: str, object_id: str = "") -> Response:
    if fmt not in KINDS:
        raise ApiError(404, {"title": "a list downloads as .csv or .xlsx"})
    export = EXPORTS[name]
    found = await collect(api, export, user.token, object_id)
    content = to_xlsx(export.table, found.items) if fmt == "xlsx" else to_csv(export.table, found.items)
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(p for p in (name, user.party, object_id) if p))
    headers = {"content-disposition": f'attachment; filename="{stem}.{fmt}"'}
    if found.total > len(found.items):
        headers["x-export-cut"] = f"{len(found.items)} of {found.total}"
    return Response(content, media_type=KINDS[fmt], headers=headers)


def _of_reader(name: str) -> Callable[..., Awaitable[Response]]:
    async def route(user: User, api: Api, fmt: str) -> Response:
        return await download(user, api, name, fmt)

    return route


def _of_object(name: str) -> Callable[..., Awaitable[Response]]:
    async def route(user: User, api: Api, object_id: str, fmt: str) -> Response:
        return await download(user, api, name, fmt, object_id)

    return route


LISTS = {
    "/needs": "needs",
    "/bundles": "bundles",  # a desk's, with the totals and its own part; a coordinator's board
    "/contracts": "contracts",
    "/reports/deliveries": "deliveries",
    "/reports/industrial-base": "industrial-base",
    "/frameworks": "frameworks",
}
LISTS_OF = {"/contracts/{object_id}/lots": "lots", "/frameworks/{object_id}/call-offs": "call-offs"}
for prefix, name in LISTS.items():
    router.add_api_route(prefix + ".{fmt}", _of_reader(name), methods=["GET"], name=f"{name} download")
for prefix, name in LISTS_OF.items():
    router.add_api_route(prefix + ".{fmt}", _of_object(name), methods=["GET"], name=f"{name} download")
