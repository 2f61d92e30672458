"""The harmonisation workflow: propose, let each participating nation agree or object,
publish the harmonised specification the demand service uses to judge compatibility.

A proposal comes from a coordinator or a participating nation here, or from the demand
service (`demand.harmonisation.proposed`) when needs split over their deviations.
"""

from __future__ import annotations

import logging
from typing import Any

from bundling_shared.auth import Principal
from bundling_shared.events.demand import HarmonisationProposedV1
from contracts.domain.access import Action, allowed, authorise, reach, relation_to, specification_view
from contracts.domain.errors import ContractRuleViolation, NotFound
from contracts.domain.specifications import Specification, SpecificationTerms, next_version
from contracts.service_layer import events, materials, reference
from contracts.service_layer.unit_of_work import BUNDLE_EVENTS, Found, UnitOfWork

log = logging.getLogger(__name__)


def _sees(principal: Principal, spec: Specification) -> bool:
    return allowed(principal, specification_view(spec.harmonised), relation_to(principal, nations=spec.nations))


_registry = reference.Registry(lambda uow, entry_id: uow.specifications.for_reading(entry_id), _sees, "specification")
visible = _registry.entry


async def visible_page(uow: UnitOfWork, principal: Principal, limit: int, offset: int) -> Found[Specification]:
    """By reference and version, without their deviations: while the nations take
    position, those the caller's nation takes part in (coordinators: all); once
    harmonised, those too, and every one for industry and coordinators."""
    proposed, harmonised = (reach(principal, specification_view(done)) for done in (False, True))
    async with uow:
        return await uow.specifications.page(proposed, harmonised, limit, offset)


async def deviations(
    uow: UnitOfWork, principal: Principal, specification_id: str, limit: int, offset: int
) -> Found[dict[str, Any]]:
    """The nations' recorded deviations, in the order recorded, for those who see the specification."""
    async with uow:
        await _registry.seen(uow, principal, specification_id)
        return await uow.specifications.deviations(specification_id, limit, offset)


async def _authorised(uow: UnitOfWork, principal: Principal, specification_id: str, action: Action) -> Specification:
    spec = await uow.specifications.get(specification_id)
    if spec is None:
        raise NotFound(f"specification {specification_id} not found")
    relation = relation_to(principal, nations=spec.nations)
    authorise(principal, action, relation, f"specification {specification_id}", specification_view(spec.harmonised))
    return spec


async def propose(uow: UnitOfWork, principal: Principal, *, terms: SpecificationTerms) -> Specification:
    """A coordinator, or a nation proposing among the participants, opens the next version."""
    relation = relation_to(principal, nations=terms["nations"])
    authorise(principal, Action.SPECIFICATION_PROPOSE, relation, "specification")
    async with uow:
        named = terms.get("critical_materials", [])
        terms["critical_materials"] = await materials.known_names(uow, named, "body.critical_materials")
        versions = await uow.specifications.versions(terms["reference"])
        spec = Specification.propose(
            version=next_version(versions), proposed_by=principal.party, at=uow.clock.now(), **terms
        )
        uow.specifications.add(spec)
        await uow.commit()
        return spec


async def propose_harmonisation(event: HarmonisationProposedV1, uow: UnitOfWork) -> str | None:
    """Start the harmonisation workflow: a new version of the specification, proposed to
    the nations concerned with their recorded deviations.

    A proposal that breaks a rule (it names no nation: the deviations of nations not named
    are left out before) has no one to agree to it, so no workflow can start: it is logged
    and acknowledged. Nothing is lost: the needs behind it stay as they were in the demand
    service, split over their deviations, and a later proposal naming nations starts one."""
    p = event.payload
    reference = p.specification_ref or f"SPEC-{p.item_code}"
    async with uow:
        if await uow.already_processed(BUNDLE_EVENTS, event.event_id):
            return None
        try:
            specification = Specification.propose(
                reference=reference,
                version=next_version(await uow.specifications.versions(reference)),
                item_code=p.item_code,
                title=f"Harmonised specification for {p.item_code}",
                nations=p.nations,
                deviations=[d.model_dump() for d in p.deviations if d.nation in p.nations],
                proposed_by=event.producer,
                at=uow.clock.now(),
            )
        except ContractRuleViolation as exc:
            log.warning("harmonisation of %s not started: %s", reference, exc)
            await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
            await uow.commit()
            return None
        uow.specifications.add(specification)
        await uow.mark_processed(BUNDLE_EVENTS, event.event_id)
        await uow.commit()
        return specification.id


async def take_position(
    uow: UnitOfWork, principal: Principal, specification_id: str, agree: bool, reason: str = ""
) -> Specification:
    """A nation desk agrees or objects for its own nation only."""
    async with uow:
        spec = await _authorised(uow, principal, specification_id, Action.SPECIFICATION_TAKE_POSITION)
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
        spec = await _authorised(uow, principal, specification_id, Action.SPECIFICATION_RECORD_DEVIATION)
        assert principal.nation is not None
        spec.record_deviation(principal.nation, description, compatible)
        await uow.commit()
        return spec
