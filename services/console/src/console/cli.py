"""``bundling-needs``: a desk's needs to and from spreadsheets, from a terminal. The same
rows and rules as the console's import page: each row goes to the demand service, which
checks it with its own rules; the report says what was accepted and what was refused, and
why. The token is the desk's own (``bundling-token`` mints one in development)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bundling_shared.auth.tokens import InvalidToken, TokenVerifier
from bundling_shared.settings import AuthSettings
from console.adapters.platform_api import ApiError, PlatformApi
from console.views.importing import RowOutcome, digest_of, import_rows
from console.views.spreadsheets import SheetProblem, needs_csv, needs_xlsx, rows_of, template_csv

app = typer.Typer(add_completion=False, help=__doc__, no_args_is_help=True)
out = Console()

TOKEN = typer.Option(..., envvar="BUNDLING_TOKEN", help="The desk's bearer token.")
DEMAND = typer.Option("http://127.0.0.1:8001", envvar="DEMAND_URL", help="Where the demand service answers.")


def _party(token: str) -> str:
    try:
        principal = asyncio.run(TokenVerifier(AuthSettings()).verify(token))
    except InvalidToken as exc:
        raise typer.BadParameter(f"the token is not valid here: {exc}") from None
    if principal.nation is None:
        raise typer.BadParameter("the token is not a nation desk's")
    return principal.nation


@app.command()
def template(path: Path = typer.Argument(..., help="Where to write the CSV template.")) -> None:
    """Write the template: the columns an import reads, and an example row."""
    path.write_text(template_csv())
    out.print(f"template written to {path}")


@app.command("import")
def import_needs(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A CSV or XLSX file, one need a row."),
    token: str = TOKEN,
    demand_url: str = DEMAND,
) -> None:
    """Register every row as a need of the token's nation; a row refused is reported with
    its reason. Running it again on the same file registers no row twice."""
    content = path.read_bytes()
    try:
        rows = rows_of(path.name, content)
    except SheetProblem as problem:
        out.print(f"[red]{path}: {problem}[/red]")
        raise typer.Exit(2) from None
    party = _party(token)

    async def run() -> list[RowOutcome]:
        async with httpx.AsyncClient(timeout=30) as client:
            api = PlatformApi(client, {"demand": demand_url.rstrip("/")})
            with Progress(console=out) as progress:
                task = progress.add_task(f"importing {len(rows)} row(s) for {party}", total=len(rows))
                return await import_rows(api, token, party, rows, digest_of(content), lambda _: progress.advance(task))

    outcomes = asyncio.run(run())
    table = Table("row", "outcome", "need or reason")
    for o in outcomes:
        table.add_row(str(o.row), "accepted" if o.accepted else "[red]refused[/red]", _said(o))
    out.print(table)
    refused = sum(not o.accepted for o in outcomes)
    out.print(f"{len(outcomes) - refused} accepted, {refused} refused")
    if refused:
        raise typer.Exit(1)


def _said(o: RowOutcome) -> str:
    if o.need is None:
        return o.why
    return f"{o.need['id']} {o.need['item_code']} {o.need['quantity']:,}"


@app.command()
def export(
    path: Path = typer.Argument(..., help="needs.csv or needs.xlsx"),
    token: str = TOKEN,
    demand_url: str = DEMAND,
) -> None:
    """Write the token's nation's needs to a CSV or XLSX file."""

    async def run() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=30) as client:
            api = PlatformApi(client, {"demand": demand_url.rstrip("/")})
            found: list[dict[str, Any]] = []
            while True:
                page = await api.get("demand", "/v1/needs", token, limit=100, offset=len(found))
                found.extend(page["items"])
                if len(found) >= page["total"] or not page["items"]:
                    return found

    try:
        needs = asyncio.run(run())
    except ApiError as refused:
        out.print(f"[red]{refused.detail}[/red]")
        raise typer.Exit(1) from None
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(needs_xlsx(needs))
    else:
        path.write_text(needs_csv(needs))
    out.print(f"{len(needs)} need(s) written to {path}")


if __name__ == "__main__":
    app()
