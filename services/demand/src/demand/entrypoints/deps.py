"""What every route needs: the unit of work, the caller, and one mapping from domain
errors to HTTP answers (absent or not yours to see 404, not yours to do 403, bad input
422, wrong moment 409). Who may do what is decided by the table in `demand.domain.access`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from bundling_shared.auth import Principal, Role
from bundling_shared.auth.fastapi import current_principal, require_role
from bundling_shared.problems import ProblemError
from demand.domain.access import Action, Caller, Forbidden, Hidden, Relation, authorise
from demand.domain.errors import DemandRuleViolation, NotAllowedNow
from demand.entrypoints.schemas import MoneyIn
from demand.service_layer.common import NotFound, UowFactory


def _uow(request: Request) -> UowFactory:
    factory: UowFactory = request.app.state.uow
    return factory


Uow = Annotated[UowFactory, Depends(_uow)]


def caller_of(principal: Principal) -> Caller:
    return Caller(principal.role, principal.nation, principal.organisation, principal.subject)


async def _caller(principal: Annotated[Principal, Depends(current_principal)]) -> Caller:
    return caller_of(principal)


def _allowed(action: Action) -> Callable[..., Awaitable[Principal]]:
    """A route acting on no one object: the table's verdict for the role alone."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        with domain_errors():
            authorise(caller_of(principal), action, Relation.ANY)
        return principal

    return dependency


# Routes on one bundle or need take the caller; their handler consults the table once it
# knows how the caller stands to the object.
CallerOf = Annotated[Caller, Depends(_caller)]
Reader = Annotated[Principal, Depends(_allowed(Action.READ_REFERENCE))]
BundleLister = Annotated[Principal, Depends(_allowed(Action.LIST_BUNDLES))]
NeedLister = Annotated[Principal, Depends(_allowed(Action.LIST_NEEDS))]
Registrar = Annotated[Principal, Depends(_allowed(Action.REGISTER_NEED))]
Admin = Annotated[Principal, Depends(_allowed(Action.EDIT_CATALOGUE))]
Desk = Annotated[Principal, Depends(require_role(Role.NATION_DESK))]  # accession: a desk for its nation


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
    except (NotFound, Hidden) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    except Forbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(exc)) from exc
    except NotAllowedNow as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except DemandRuleViolation as exc:
        field = f"body.{exc.field}" if exc.field else None
        raise ProblemError(422, str(exc), field=field, rule=exc.rule) from exc


def budget_eur(money: MoneyIn | None) -> Decimal | None:
    """EUR with cents; the request model refused another currency rather than convert it."""
    return None if money is None else money.amount
