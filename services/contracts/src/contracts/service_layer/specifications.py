"""The harmonisation workflow: propose, let each participating nation agree or object,
publish the harmonised specification the demand service uses to judge compatibility."""

from __future__ import annotations

from typing import Any

from bundling_shared.auth import Principal, Role
from contracts.domain.specifications import Specification
from contracts.service_layer import events
from contracts.service_layer.access import NotFound, acts_for, is_coordinator, require_role
from contracts.service_layer.unit_of_work import UnitOfWork


def _sees(principal: Principal, spec: Specification) -> bool:
    return (
        is_coordinator(principal)
        or any(acts_for(principal, n) for n in spec.nations)
        or (principal.role is Role.INDUSTRY and spec.harmonised)
    )


async def propose(
    uow: UnitOfWork,
    principal: Principal,
    *,
    reference: str,
    item_code: str,
    title: str,
    nations: list[str],
    standards: list[str],
    certification: str | None,
    key_performance: dict[str, str],
    critical_materials: list[str],
    deviations: list[dict[str, Any]],
) -> Specification:
    """A coordinator, or a nation proposing among the participants, opens the next version."""
    require_role(
        is_coordinator(principal) or (principal.role is Role.NATION_DESK and principal.party in nations),
        "only a coordinator or a participating nation proposes a specification",
    )
    async with uow:
        versions = await uow.specifications.versions(reference)
        spec = Specification.propose(
            reference=reference,
            version=(versions[-1].version + 1) if versions else 1,
            item_code=item_code,
            title=title,
            nations=nations,
            standards=standards,
            certification=certification,
            key_performance=key_performance,
            critical_materials=critical_materials,
            deviations=deviations,
            proposed_by=principal.party,
            at=uow.clock.now(),
        )
        uow.specifications.add(spec)
        await uow.commit()
        return spec


async def take_position(
    uow: UnitOfWork, principal: Principal, specification_id: str, agree: bool, reason: str = ""
) -> Specification:
    """A nation desk agrees or objects for its own nation only."""
    async with uow:
        spec = await uow.specifications.get(specification_id)
        if spec is None or not _sees(principal, spec):
            raise NotFound(f"specification {specification_id} not found")
        require_role(
            principal.role is Role.NATION_DESK and principal.party in spec.nations,
            "a nation desk of a participating nation takes position",
        )
        assert principal.nation is not None
        if agree:
            spec.agree(principal.nation)
        else:
            spec.object(principal.nation, reason)
        if spec.harmonised:
            await events.specification_harmonised(uow, spec)
        await uow.commit()
        return spec


async def record_deviation(
    uow: UnitOfWork, principal: Principal, specification_id: str, description: str, compatible: bool
) -> Specification:
    async with uow:
        spec = await uow.specifications.get(specification_id)
        if spec is None or not _sees(principal, spec):
            raise NotFound(f"specification {specification_id} not found")
        require_role(
            principal.role is Role.NATION_DESK and principal.party in spec.nations,
            "a nation records its own deviations",
        )
        assert principal.nation is not None
        spec.record_deviation(principal.nation, description, compatible)
        await uow.commit()
        return spec


async def visible(uow: UnitOfWork, principal: Principal, specification_id: str) -> Specification:
    async with uow:
        spec = await uow.specifications.get(specification_id)
    if spec is None or not _sees(principal, spec):
        raise NotFound(f"specification {specification_id} not found")
    return spec


async def visible_all(uow: UnitOfWork, principal: Principal) -> list[Specification]:
    async with uow:
        found = list(await uow.specifications.list())
    return [s for s in found if _sees(principal, s)]
