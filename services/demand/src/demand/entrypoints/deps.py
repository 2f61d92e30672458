"""What every route needs: the unit of work, the caller, and one mapping from domain
errors to HTTP answers (absent or not yours 404, bad input 422, wrong moment 409)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import current_principal, require_role
from demand.domain.errors import DemandRuleViolation, NotAllowedNow
from demand.entrypoints.schemas import Money
from demand.service_layer.common import NotFound, UowFactory


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


Uow = Annotated[UowFactory, Depends(_uow)]


async def _reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.role is Role.INDUSTRY:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="industry gets nothing from the demand service; opportunity notices come as webhooks",
        )
    return principal


async def _item_reader(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Industry sees no national item at all: as if it did not exist."""
    if principal.role is Role.INDUSTRY:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="not found")
    return principal


Reader = Annotated[Principal, Depends(_reader)]
ItemReader = Annotated[Principal, Depends(_item_reader)]
Desk = Annotated[Principal, Depends(require_role(Role.NATION_DESK))]
Coordinator = Annotated[Principal, Depends(require_role(Role.COORDINATOR))]
Admin = Annotated[Principal, Depends(require_role())]


def scope(principal: Principal) -> str | None:
    """The nation whose data a principal is limited to; None sees across nations."""
    return principal.nation if principal.role is Role.NATION_DESK else None


def acting_nation(principal: Principal) -> str:
    """A desk acts for its own nation; nothing else may act for a nation here."""
    if principal.role is not Role.NATION_DESK or principal.nation is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="only a nation desk acts for its nation")
    return principal.nation


@contextmanager
def domain_errors() -> Iterator[None]:
    try:
        yield
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except NotAllowedNow as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except DemandRuleViolation as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def budget_eur(money: Money | None) -> int | None:
    """Budgets are kept in whole euros; another currency is refused, not converted."""
    if money is None:
        return None
    if money.currency.upper() != "EUR":
        raise HTTPException(422, detail=f"budgets are kept in EUR; {money.currency} was given")
    return money.amount
