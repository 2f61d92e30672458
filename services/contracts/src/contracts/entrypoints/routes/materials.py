"""Critical materials and components, and what the caller's contracts are exposed to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from bundling_shared.auth.fastapi import CurrentPrincipal
from bundling_shared.pagination import Page
from contracts.domain.materials import MAX_NAME
from contracts.entrypoints.deps import Paged, Uow
from contracts.entrypoints.schemas import MaterialIn, MaterialOut, SupplyRiskOut
from contracts.service_layer import materials

router = APIRouter(tags=["materials"])
MaterialName = Annotated[
    str,
    Path(min_length=2, max_length=MAX_NAME, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ,()'-]*$", examples=["graphite"]),
]


@router.get("/materials", response_model=Page[MaterialOut])
async def list_materials(uow: Uow, principal: CurrentPrincipal, page: Paged) -> Page[MaterialOut]:
    """The critical materials and components specifications and production lines may name, by name."""
    found = await materials.page(uow(), principal, page.limit, page.offset)
    return page.of(found, MaterialOut.of)


@router.get("/materials/{name}", response_model=MaterialOut)
async def get_material(name: MaterialName, uow: Uow, principal: CurrentPrincipal) -> MaterialOut:
    return MaterialOut.of(await materials.entry(uow(), principal, name))


@router.put(
    "/materials/{name}",
    response_model=MaterialOut,
    responses={status.HTTP_201_CREATED: {"model": MaterialOut, "description": "Added."}},
)
async def state_material(
    name: MaterialName, body: MaterialIn, uow: Uow, principal: CurrentPrincipal, response: Response
) -> MaterialOut:
    """Add a material (201) or restate what is known of it (200): category, risk, main origins."""
    material, added = await materials.state(uow(), principal, name, body.terms())
    if added:
        response.status_code = status.HTTP_201_CREATED
    return MaterialOut.of(material)


@router.get("/reports/supply-risk", response_model=SupplyRiskOut)
async def supply_risk_report(uow: Uow, principal: CurrentPrincipal) -> SupplyRiskOut:
    """Per critical material, gravest risk first: the contracts and call-offs the caller
    sees whose item's harmonised specification or supplier's production line depends on it,
    their value at the signed unit price (units while none is signed), and the value
    resting on origins outside the EU/EEA; per such country, the value resting on it. As the
    other reports: a nation sees its own part, the lead the whole, admin everything, a company none."""
    return SupplyRiskOut.model_validate(await materials.supply_risk(uow(), principal))
