"""Critical materials and components: the reference list, the names checked against it,
and what the caller's contracts are exposed to.

The list is small and read by every desk, coordinator and company; coordinators and
admin keep it. A name a specification or a production line gives is checked against it
before it is recorded (`require_known`), so the report adds up one material under one name.
"""

from __future__ import annotations

from typing import Any

from bundling_shared.auth import Principal
from contracts.domain.access import Action, Relation, allowed, authorise
from contracts.domain.errors import NotFound
from contracts.domain.materials import Material, MaterialTerms, name_of, require_known
from contracts.domain.supply_risk import Dependencies, report
from contracts.service_layer.reports import sight_of
from contracts.service_layer.unit_of_work import Found, UnitOfWork


async def page(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[Material]:
    authorise(principal, Action.MATERIAL_VIEW, Relation.ANY, "materials")
    async with uow:
        return await uow.materials.page(limit, offset)


async def entry(uow: UnitOfWork, principal: Principal, name: str) -> Material:
    authorise(principal, Action.MATERIAL_VIEW, Relation.ANY, "materials")
    async with uow:
        found = await uow.materials.get(name_of(name))
    if found is None:
        raise NotFound(f"material {name_of(name)!r} not found")
    return found


async def state(uow: UnitOfWork, principal: Principal, name: str, terms: MaterialTerms) -> tuple[Material, bool]:
    """Add the material, or revise what is known of it; whether it was new."""
    authorise(principal, Action.MATERIAL_MAINTAIN, Relation.ANY, "materials")
    async with uow:
        known = await uow.materials.get(name_of(name))
        now = uow.clock.now()
        if known is not None:
            known.revise(terms, by=principal.party, at=now)
            await uow.commit()
            return known, False
        added = Material.state(name, terms, by=principal.party, at=now)
        uow.materials.add(added)
        await uow.commit()
        return added, True


async def known_names(uow: UnitOfWork, named: list[str], field: str) -> list[str]:
    """Within the caller's unit of work: the names in their known spelling, or a refusal
    naming the field when one is no known material."""
    known = await uow.materials.named({name_of(n) for n in named})
    return require_known(named, set(known), field)


async def risks_of(uow: UnitOfWork, named: list[list[str]]) -> dict[str, Material]:
    """The known materials among several lists of names, for showing their risk."""
    async with uow:
        return await uow.materials.named({name_of(n) for names in named for n in names})


async def supply_risk(uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """Per material, the caller's contracts and call-offs depending on it, as the access
    table lets a report show them (`Action.REPORT`): a nation its own part, the lead the whole."""
    if not allowed(principal, Action.REPORT, Relation.ANY):
        return report([], Dependencies(), {})
    async with uow:
        sight = await sight_of(uow, principal)
        exposures = [*await uow.contracts.exposures(sight), *await uow.frameworks.exposures(sight)]
        items = {e.item_code for e in exposures}
        suppliers = {e.supplier_id for e in exposures if e.supplier_id is not None}
        dependencies = Dependencies(
            await uow.specifications.harmonised_materials(items), await uow.lines.inputs(suppliers, items)
        )
        materials = await uow.materials.named(dependencies.names)
    return report(exposures, dependencies, materials)
