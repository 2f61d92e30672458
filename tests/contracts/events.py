"""Demand events as the demand service publishes them, for the contracts consumers."""

from __future__ import annotations

from datetime import date, timedelta

from bundling_shared.events.demand import (
    AccessionConfirmedPayload,
    AccessionConfirmedV1,
    BundleOpenedPayload,
    BundleOpenedV1,
    DeliveryWindow,
    FrameworkCommittedPayload,
    FrameworkCommittedV1,
    FrameworkParticipant,
    HarmonisationProposedPayload,
    HarmonisationProposedV1,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    NationalDeviation,
    YearlyQuantity,
)
from tests.support.today import TODAY

ORDERED = {"NLD": 10_000, "DNK": 5_000}


def joint_order(
    bundle_id: str = "bundle-155",
    quantities: dict[str, int] | None = None,
    window: tuple[date, date] = (date(2025, 1, 1), date(2028, 12, 31)),
) -> JointOrderCommittedV1:
    """A joint order led by CZE for NLD and DNK (or `quantities`), as demand commits it."""
    lines = ORDERED if quantities is None else quantities
    event: JointOrderCommittedV1 = JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id=bundle_id,
            item_code="AMMO-155MM",
            lead="CZE",
            lines=[
                JointOrderLine(nation=n, quantity=q, need_ids=[f"n{i}"]) for i, (n, q) in enumerate(lines.items(), 1)
            ],
            total_quantity=sum(lines.values()),
            delivery_window=DeliveryWindow(start=window[0], end=window[1]),
            committed_by="coordinator:CZE",
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )
    return event


def joint_order_ending_before_it_starts(
    bundle_id: str = "bundle-late", quantities: dict[str, int] | None = None
) -> JointOrderCommittedV1:
    """Readable, but a rule of the contract refuses it: its delivery window ends before it starts."""
    today = TODAY
    return joint_order(bundle_id, {"NLD": 10, "DNK": 5} if quantities is None else quantities,
                       (today + timedelta(days=30), today))  # fmt: skip


def framework_committed(
    bundle_id: str = "bundle-mmr", item: str = "MMR", lead: str = "NLD", yearly: dict[str, list[int]] | None = None
) -> FrameworkCommittedV1:
    per_nation = yearly or {"NLD": [3, 3, 3]}
    participants = [
        FrameworkParticipant(nation=n, yearly=[YearlyQuantity(year=2025 + i, quantity=q) for i, q in enumerate(qs)])
        for n, qs in per_nation.items()
    ]
    event: FrameworkCommittedV1 = FrameworkCommittedV1.create(
        FrameworkCommittedPayload(
            bundle_id=bundle_id,
            item_code=item,
            lead=lead,
            participants=participants,
            ceiling_quantity=sum(sum(qs) for qs in per_nation.values()),
            ceiling_value_eur=None,
            start=TODAY - timedelta(days=365),
            end=TODAY + timedelta(days=4 * 365),
            committed_by=f"coordinator:{lead}",
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )
    return event


def accession(nation: str, quantity: int, bundle_id: str = "bundle-mmr", item: str = "MMR") -> AccessionConfirmedV1:
    event: AccessionConfirmedV1 = AccessionConfirmedV1.create(
        AccessionConfirmedPayload(
            bundle_id=bundle_id, item_code=item, nation=nation, yearly=[YearlyQuantity(year=2026, quantity=quantity)]
        ),
        aggregate_id=bundle_id,
        producer="demand",
        nation=nation,
    )
    return event


def harmonisation(nations: list[str], ref: str | None = "SPEC-155MM-NATO") -> HarmonisationProposedV1:
    event: HarmonisationProposedV1 = HarmonisationProposedV1.create(
        HarmonisationProposedPayload(
            bundle_ids=["b1", "b2"],
            item_code="AMMO-155MM",
            specification_ref=ref,
            nations=nations,
            deviations=[
                NationalDeviation(nation=n, description="charge system", compatible=False) for n in nations[:1]
            ],
            reason="needs split over incompatible charge systems",
        ),
        aggregate_id="AMMO-155MM",
        producer="demand",
    )
    return event


def bundle_opened(bundle_id: str = "bundle-155", lead: str | None = "CZE", item: str = "AMMO-155MM") -> BundleOpenedV1:
    """A joint order opened for accession, naming its lead."""
    event: BundleOpenedV1 = BundleOpenedV1.create(
        BundleOpenedPayload(
            bundle_id=bundle_id,
            item_code=item,
            kind="joint_order",
            total_quantity=15_000,
            nation_count=2,
            delivery_window=DeliveryWindow(start=TODAY, end=TODAY + timedelta(days=365)),
            lead=lead,
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )
    return event
