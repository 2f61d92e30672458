"""A desk's needs from spreadsheets: the template, the import with a report of every row
(the list goes out as CSV or XLSX with the other lists, `routes.exports`).

An import is per row (`views.importing`); a file that cannot be read as a whole (no header,
too many rows) is refused before any row is sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from console.entrypoints.deps import Api, page
from console.entrypoints.session import User, same_origin_form
from console.views.importing import digest_of, import_rows
from console.views.spreadsheets import SheetProblem, rows_of, template_csv

router = APIRouter()
MAX_BYTES = 2_000_000


@router.get("/needs/template.csv")
async def template(user: User) -> Response:
    return Response(
        template_csv(), media_type="text/csv", headers={"content-disposition": 'attachment; filename="needs.csv"'}
    )


@router.get("/needs/import", response_class=HTMLResponse)
async def import_page(request: Request, user: User) -> HTMLResponse:
    return page(request, "needs_import.html", report=None, error=None)


@router.post("/needs/import", response_class=HTMLResponse)
async def import_needs(request: Request, user: User, api: Api) -> HTMLResponse:
    form = await request.form()
    token = form.get("csrf_token")
    same_origin_form(request, token if isinstance(token, str) else None, request.headers.get("x-csrf-token"))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "needs_import.html", 422, report=None, error="choose a CSV or XLSX file")
    content = await upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        return page(request, "needs_import.html", 413, report=None, error=f"a file is at most {MAX_BYTES:,} bytes")
    try:
        rows = rows_of(upload.filename, content)
    except SheetProblem as problem:
        return page(request, "needs_import.html", 422, report=None, error=str(problem))
    outcomes = await import_rows(api, user.token, user.party, rows, digest_of(content))
    report = [{"row": o.row, "accepted": o.accepted, "need": o.need, "why": o.why} for o in outcomes]
    return page(request, "needs_import.html", report=report, error=None)
