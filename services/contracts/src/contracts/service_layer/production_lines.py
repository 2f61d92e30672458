"""Production lines: a company declares and revises its own; the nations buying see them
all beside their demand; another company sees none of its competitors'."""

from __future__ import annotations

from bundling_shared.auth import Principal
from contracts.domain.access import Action, Relation, allowed, authorise, industry_org, reach, relation_to_supplier
from contracts.domain.errors import ContractRuleViolation, NotFound
from contracts.domain.production import LineTerms, ProductionLine
from contracts.service_layer import events, materials
from contracts.service_layer.suppliers import own_supplier_id
from contracts.service_layer.unit_of_work import NONE_FOUND, Found, UnitOfWork


async def declare_line(uow: UnitOfWork, principal: Principal, *, terms: LineTerms) -> ProductionLine:
    """A company declares a line of its own: it must be in the supplier registry."""
    authorise(principal, Action.LINE_DECLARE, Relation.ANY, "production lines")
    async with uow:
        organisation = industry_org(principal)
        supplier = await uow.suppliers.by_organisation(organisation) if organisation else None
        if supplier is None:
            raise ContractRuleViolation(
                f"{organisation} is not in the supplier registry: a coordinator registers it before it declares lines",
                rule="registered_supplier",
            )
        terms = await _known_inputs(uow, terms)
        line = ProductionLine.declare(supplier=supplier, terms=terms, now=uow.clock.now())
        uow.lines.add(line)
        await events.production_line_declared(uow, line)
        await uow.commit()
        return line


async def _known_inputs(uow: UnitOfWork, terms: LineTerms) -> LineTerms:
    """Each input a known critical material or component, in its known spelling."""
    return LineTerms(**{**terms, "inputs": await materials.known_names(uow, terms["inputs"], "body.inputs")})


async def _line(uow: UnitOfWork, principal: Principal, line_id: str, action: Action) -> ProductionLine:
    line = await uow.lines.get(line_id)
    if line is None:
        raise NotFound(f"production line {line_id} not found")
    authorise(principal, action, relation_to_supplier(principal, line.organisation), f"production line {line_id}")
    return line


async def revise_line(uow: UnitOfWork, principal: Principal, line_id: str, *, terms: LineTerms) -> ProductionLine:
    """Its company changes the ramp-up, the minimum economic quantity, the start or the inputs."""
    async with uow:
        line = await _line(uow, principal, line_id, Action.LINE_REVISE)
        line.revise(await _known_inputs(uow, terms), uow.clock.now())
        await events.production_line_declared(uow, line)
        await uow.commit()
        return line


async def visible_line(uow: UnitOfWork, principal: Principal, line_id: str) -> ProductionLine:
    async with uow:
        return await _line(uow, principal, line_id, Action.LINE_VIEW)


async def visible_lines(
    uow: UnitOfWork, principal: Principal, item_code: str | None, limit: int, offset: int
) -> Found[ProductionLine]:
    """Every line for the nations; a company's own for a company; none for anyone else."""
    async with uow:
        if reach(principal, Action.LINE_VIEW).everything:
            return await uow.lines.page(None, item_code, limit, offset)
        supplier_id = await own_supplier_id(uow, principal)
        if supplier_id is None or not allowed(principal, Action.LINE_VIEW, Relation.ITSELF):
            return NONE_FOUND
        return await uow.lines.page(supplier_id, item_code, limit, offset)
