"""What the contracts service tells the demand service, applied once each, against a unit
of work in memory."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

from demand.domain.bundle import Bundle, DecisionKind
from demand.domain.need import NeedStatus, YearQuantity
from demand.service_layer import bundles, contracted, needs
from tests.demand.unit.fakes import FakeUnitOfWork
from tests.demand.unit.handlers import coordinator, desk, place_all, terms


async def committed(uow: FakeUnitOfWork, item: str = "VSRAT", **more: object) -> Bundle:
    await needs.register_need(uow, caller=desk("NLD"), terms=terms("NLD", None if more else 4, item, **more))
    await place_all(uow)
    (bundle,) = uow.bundles.stored.values()
    await bundles.commit_bundle(uow, caller=coordinator("NLD"), bundle_id=bundle.id, lead="NSPA")
    return bundle


async def test_the_needs_of_a_contracted_bundle_become_contracted_once() -> None:
    uow = FakeUnitOfWork()
    bundle = await committed(uow)
    event_id = uuid4()
    assert await contracted.mark_contracted(uow, event_id=event_id, bundle_id=bundle.id, contract_id="c-1") == 1
    assert await contracted.mark_contracted(uow, event_id=event_id, bundle_id=bundle.id, contract_id="c-1") == 0
    (need,) = uow.needs.stored.values()
    assert (need.status, need.version) == (NeedStatus.CONTRACTED, 2)
    assert (await uow.needs.history(need.id))[-1].change == "contracted under c-1"
    assert await contracted.mark_contracted(uow, event_id=uuid4(), bundle_id="bundle-x", contract_id="c-2") == 0


async def test_a_commitment_not_contracted_shows_why_on_the_bundle_until_it_is() -> None:
    uow = FakeUnitOfWork()
    bundle = await committed(uow)
    revision = bundle.revision
    assert await contracted.commitment_not_contracted(uow, event_id=uuid4(), bundle_id=bundle.id, reason="no lot")
    assert bundle.contracting_problem == "no lot" and bundle.revision == revision  # not a change of its terms
    assert (await uow.bundles.trail(bundle.id))[-1].kind is DecisionKind.NOT_CONTRACTED
    await contracted.mark_contracted(uow, event_id=uuid4(), bundle_id=bundle.id, contract_id="c-1")
    assert bundle.contracting_problem is None


async def test_an_accession_is_decided_by_the_lead_or_refused_by_a_rule() -> None:
    uow = FakeUnitOfWork()
    yearly = [YearQuantity(2026, 4), YearQuantity(2027, 4)]
    bundle = await committed(uow, "MMR", yearly=yearly)
    for nation in ("NOR", "DNK"):
        await bundles.accede(uow, caller=desk(nation), bundle_id=bundle.id, yearly=yearly, budget_ceiling_eur=None)
    event_id = uuid4()
    for changed in (True, False):  # told twice: nothing more
        decided = await contracted.accession_decided(
            uow, event_id=event_id, bundle_id=bundle.id, nation="NOR", took_effect=True
        )
        assert decided is changed
    assert "NOR" in bundle.nations and bundle.total_quantity == 16
    refused = await contracted.accession_decided(
        uow, event_id=uuid4(), bundle_id=bundle.id, nation="DNK", took_effect=False, reason="late", refused_by_rule=True
    )
    assert refused and "DNK" not in bundle.nations
    assert (await uow.bundles.trail(bundle.id, "DNK"))[
        -1
    ].reason == "the contracts service refused DNK's accession: late"


async def test_the_awarded_unit_price_values_a_signed_order_and_its_kept_verdicts_once() -> None:
    uow = FakeUnitOfWork()
    for nation in ("NLD", "CZE", "DEU"):
        await needs.register_need(uow, caller=desk(nation), terms=terms(nation, 100, "VSRAT"))
    await place_all(uow)
    (bundle,) = uow.bundles.stored.values()
    await bundles.estimate_unit_price(uow, caller=coordinator("NLD"), bundle_id=bundle.id, price_eur=Decimal("900.00"))
    await bundles.commit_bundle(uow, caller=coordinator("NLD"), bundle_id=bundle.id, lead="NSPA")
    kept = {a.instrument: a for a in bundle.committed_funding or []}["EDIRPA"]
    assert kept.max_contribution_eur == Decimal("40500.00")  # 15 % of 300 x 900.00

    event_id = uuid4()
    for changed in (True, False):  # told twice: applied once
        assert (
            await contracted.signed_with_supplier(
                uow,
                event_id=event_id,
                bundle_id=bundle.id,
                organisation="BIGCO",
                sme=False,
                unit_price_eur=Decimal("1000.00"),
            )
            is changed
        )
    kept = {a.instrument: a for a in bundle.committed_funding or []}["EDIRPA"]
    assert (bundle.value_basis, kept.eligible_value_eur, kept.max_contribution_eur) == (
        "awarded unit price",
        Decimal("300000.00"),
        Decimal("45000.00"),
    )
    kinds = [d.kind for d in await uow.bundles.trail(bundle.id)]
    assert kinds.count(DecisionKind.UNIT_PRICE_AWARDED) == 1 and kinds[-2:] == [
        DecisionKind.UNIT_PRICE_AWARDED,
        DecisionKind.SME_SHARE_SIGNED,
    ]
