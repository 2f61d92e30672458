"""FastAPI dependencies: every endpoint but health asks for a bearer token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bundling_shared.auth.principal import Principal, Role
from bundling_shared.auth.tokens import InvalidToken, TokenVerifier

_bearer = HTTPBearer(auto_error=False, description="JWT with role and nation or organisation")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"invalid token: {exc}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


def require_role(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    allowed = set(roles) | {Role.ADMIN}

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {principal.role.value} may not do this; needs one of "
                + ", ".join(sorted(r.value for r in allowed)),
            )
        return principal

    return dependency


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
