"""The three services' APIs, called with the signed-in user's own token.

The console never holds a token of its own: whatever a page shows, the service answered
to the user's token, so every need-to-know rule of the services holds here unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx


class ApiError(Exception):
    """A service refused: its status and its problem document, shown to the user as is."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str:
        errors = self.problem.get("errors") or []
        named = "; ".join(f"{e.get('field', '')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
        return named or str(self.problem.get("detail") or self.problem.get("title") or self.status)


@dataclass
class PlatformApi:
    client: httpx.AsyncClient
    urls: dict[str, str]  # service name -> base URL

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = await self.client.request(
            method,
            self.urls[service] + path,
            headers={**(headers or {}), "authorization": f"Bearer {token}"},
            json=json,
            params=params,
        )
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.text[:200]}
            raise ApiError(response.status_code, problem if isinstance(problem, dict) else {"title": str(problem)})
        return response.json() if response.content else None

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return await self.call(service, "GET", path, token, params=params or None)

    async def post(self, service: str, path: str, token: str, body: Any = None) -> Any:
        return await self.call(service, "POST", path, token, json=body)

    async def readable(self, service: str, paths: Iterable[str], token: str) -> set[str]:
        """Which of `paths` the token may read: a page links only what its reader can open,
        since a service answers 404 for what a token may not see."""

        async def one(path: str) -> str | None:
            try:
                await self.get(service, path, token)
            except ApiError:
                return None
            return path

        return {path for path in await asyncio.gather(*(one(p) for p in set(paths))) if path is not None}
