"""``bundling-needs``: a desk's needs to and from spreadsheets, from a terminal, and the
other lists out (bundles, contracts, lots, reports, frameworks, call-offs). The same
rows and rules as the console's import page and downloads: each row goes to the demand service, which
checks it with its own rules; the report says what was accepted and what was refused, and
why. The token is the desk's own (``bundling-token`` mints one in development)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bundling_shared.auth.tokens import InvalidToken, TokenVerifier
from bundling_shared.settings import AuthSettings
from console.adapters.platform_api import ApiError, PlatformApi
from console.views.exports import EXPORTS, Collected, collect
from console.views.importing import RowOutcome, digest_of, import_rows
from console.views.spreadsheets import SheetProblem, rows_of, template_csv
from console.views.tables import to_csv, to_xlsx

app = typer.Typer(add_completion=False, help=__doc__, no_args_is_help=True)
out = Console()

TOKEN = typer.Option(..., envvar="BUNDLING_TOKEN", help="The desk's bearer token.")
DEMAND = typer.Option("http://127.0.0.1:8001", envvar="DEMAND_URL", help="Where the demand service answers.")
CONTRACTS = typer.Option("http://127.0.0.1:8002", envvar="CONTRACTS_URL", help="Where the contracts service answers.")


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
    path: Path = typer.Argument(..., help="Where to write: a .csv or .xlsx file."),
    kind: str = typer.Option("needs", "--list", help=f"Which list: {', '.join(EXPORTS)}."),
    of: str = typer.Option("", "--of", help="The contract (lots) or framework (call-offs) the list belongs to."),
    token: str = TOKEN,
    demand_url: str = DEMAND,
    contracts_url: str = CONTRACTS,
) -> None:
    """Write a list as the token may read it (the needs by default) to a CSV or XLSX file:
    every page of it, up to 10,000 rows, in the columns the console's downloads have."""
    if kind not in EXPORTS:
        raise typer.BadParameter(f"not a list: {kind}; one of {', '.join(EXPORTS)}", param_hint="--list")
    chosen = EXPORTS[kind]
    if "{id}" in chosen.path and not of:
        raise typer.BadParameter(f"the {kind} of which object?", param_hint="--of")

    async def run() -> Collected:
        async with httpx.AsyncClient(timeout=30) as client:
            urls = {"demand": demand_url.rstrip("/"), "contracts": contracts_url.rstrip("/")}
            with Progress(console=out) as progress:
                task = progress.add_task(f"reading {kind}", total=None)
                return await collect(
                    PlatformApi(client, urls),
                    chosen,
                    token,
                    of,
                    lambda read, total: progress.update(task, completed=read, total=total),
                )

    try:
        found = asyncio.run(run())
    except ApiError as refused:
        out.print(f"[red]{refused.detail}[/red]")
        raise typer.Exit(1) from None
    except httpx.HTTPError as unreachable:
        out.print(f"[red]the service does not answer: {unreachable}[/red]")
        raise typer.Exit(1) from None
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(to_xlsx(chosen.table, found.items))
    else:
        path.write_text(to_csv(chosen.table, found.items))
    out.print(f"{len(found.items)} {kind} written to {path}")
    if found.total > len(found.items):
        out.print(f"[yellow]cut at {len(found.items)} of {found.total}: filter the list in the service's API[/yellow]")


if __name__ == "__main__":
    app()
