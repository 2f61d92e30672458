"""``bundling-token``: mint a development token for a nation desk, coordinator, industry
organisation or admin, signed with ``AUTH_JWT_SECRET``."""

from __future__ import annotations

from datetime import timedelta

import typer

from bundling_shared.auth.principal import Role
from bundling_shared.auth.tokens import mint_token
from bundling_shared.settings import AuthSettings

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def token(
    role: Role = typer.Option(..., help="nation_desk, coordinator, industry or admin"),
    nation: str | None = typer.Option(None, help="ISO 3166-1 alpha-3, e.g. NLD"),
    org: str | None = typer.Option(None, help="organisation, e.g. NSPA or a company id"),
    subject: str | None = typer.Option(None, help="defaults to role:nation-or-org"),
    hours: float = typer.Option(12.0, help="validity"),
) -> None:
    subject = subject or f"{role.value}:{nation or org or 'platform'}"
    typer.echo(
        mint_token(
            AuthSettings(),
            role=role,
            subject=subject,
            nation=nation,
            organisation=org,
            ttl=timedelta(hours=hours),
        )
    )


if __name__ == "__main__":
    app()
