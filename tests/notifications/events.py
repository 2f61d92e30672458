"""Platform events as the demand and contracts services publish them, for feeding the
notifications consumers in tests (drawn from the cases in the domain brief)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bundling_shared.events.contracts import (
    AwardDecidedPayload,
    AwardDecidedV1,
    CallOffPlacedPayload,
    CallOffPlacedV1,
    CommitmentRefusedPayload,
    CommitmentRefusedV1,
    ContractCreatedPayload,
    ContractCreatedV1,
    ContractExpiringPayload,
    ContractExpiringV1,
    ContractLine,
    DeliveryDelayedPayload,
    DeliveryDelayedV1,
    DeliveryLotChange,
    DeliveryScheduleChangedPayload,
    DeliveryScheduleChangedV1,
    ExpiringShare,
    FrameworkAccededPayload,
    FrameworkAccededV1,
    FrameworkContractCreatedPayload,
    FrameworkContractCreatedV1,
    ProcurementOpenedPayload,
    ProcurementOpenedV1,
    SpecificationHarmonisedPayload,
    SpecificationHarmonisedV1,
    SupplierRegisteredPayload,
    SupplierRegisteredV1,
)
from bundling_shared.events.demand import (
    BundleLine,
    BundleOpenedPayload,
    BundleOpenedV1,
    BundleUpdatedPayload,
    BundleUpdatedV1,
    CapacityUnlockedPayload,
    CapacityUnlockedV1,
    DeadlineNearingPayload,
    DeadlineNearingV1,
    DeliveryWindow,
    FrameworkCommittedPayload,
    FrameworkCommittedV1,
    FrameworkParticipant,
    FundClosedV1,
    FundingAssessment,
    FundOpenedV1,
    FundPayload,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    PledgeConfirmedV1,
    PledgeMadeV1,
    PledgePaidV1,
    PledgePayload,
    PledgeWithdrawnV1,
    YearlyQuantity,
)
from bundling_shared.events.envelope import EventEnvelope
from tests.support.today import TODAY

WINDOW = DeliveryWindow(start=date(2025, 1, 1), end=date(2028, 12, 31))


def contract_created(
    *,
    contract_id: str = "contract-155mm",
    lines: tuple[tuple[str, int], ...] = (("NLD", 10_000), ("CZE", 25_000)),
    correlation_id: str | None = None,
) -> ContractCreatedV1:
    return ContractCreatedV1.create(
        ContractCreatedPayload(
            contract_id=contract_id,
            bundle_id="bundle-155mm",
            item_code="AMMO-155MM",
            contracting_authority="CZE",
            lines=[ContractLine(nation=n, quantity=q) for n, q in lines],
            total_quantity=sum(q for _, q in lines),
            delivery_window=WINDOW,
        ),
        aggregate_id=contract_id,
        producer="contracts",
        correlation_id=correlation_id,
    )


def bundle_opened(
    item_code: str = "AMMO-155MM", bundle_id: str = "bundle-155mm", nations: list[str] | None = None
) -> BundleOpenedV1:
    return BundleOpenedV1.create(
        BundleOpenedPayload(
            bundle_id=bundle_id,
            item_code=item_code,
            kind="joint_order",
            total_quantity=40_000,
            nation_count=18,
            delivery_window=WINDOW,
            accession_deadline=date(2025, 6, 30),
            lead="CZE",
            funding=[
                FundingAssessment(
                    instrument="EDIRPA", qualifies=True, reason="NLD, CZE and DEU buy together", co_funding_rate=0.15
                ),
                FundingAssessment(instrument="SAFE", qualifies=False, reason="no loan requested by NLD"),
            ],
            specification_ref="SPEC-155MM-NATO",
            nations=nations,
        ),
        aggregate_id=bundle_id,
        producer="demand",
    )


def procurement_opened(item_code: str = "AMMO-155MM", procurement_id: str = "proc-155mm") -> ProcurementOpenedV1:
    return ProcurementOpenedV1.create(
        ProcurementOpenedPayload(
            procurement_id=procurement_id,
            bundle_id="bundle-155mm",
            item_code=item_code,
            contracting_authority="CZE",
            quantity=15_000,
            nation_count=2,
            tender_date=date(2025, 1, 10),
            offers_due=date(2025, 2, 19),
            delivery_window=WINDOW,
            weights={"price": 40.0, "delivery": 25.0, "origin": 25.0, "industrial_participation": 10.0},
            quality_gates=["STANAG 4425 qualified"],
            funding_instrument="EDIP",
        ),
        aggregate_id=procurement_id,
        producer="contracts",
    )


def joint_order_committed(
    lines: tuple[tuple[str, int], ...] = (("NLD", 10_000), ("DNK", 5_000)),
) -> JointOrderCommittedV1:
    return JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id="bundle-155mm",
            item_code="AMMO-155MM",
            lead="CZE",
            lines=[JointOrderLine(nation=n, quantity=q, need_ids=[f"need-{n}"]) for n, q in lines],
            total_quantity=sum(q for _, q in lines),
            delivery_window=WINDOW,
            committed_by="coordinator:CZE",
        ),
        aggregate_id="bundle-155mm",
        producer="demand",
    )


def framework_committed() -> FrameworkCommittedV1:
    return FrameworkCommittedV1.create(
        FrameworkCommittedPayload(
            bundle_id="bundle-mmr",
            item_code="RADAR-MMR",
            lead="NSPA",
            participants=[
                FrameworkParticipant(nation="NOR", yearly=[YearlyQuantity(year=2026, quantity=3)]),
                FrameworkParticipant(nation="LTU", yearly=[YearlyQuantity(year=2026, quantity=1)]),
            ],
            ceiling_quantity=4,
            start=date(2026, 1, 1),
            end=date(2027, 12, 31),
            committed_by="coordinator:NSPA",
        ),
        aggregate_id="bundle-mmr",
        producer="demand",
    )


def bundle_updated() -> BundleUpdatedV1:
    return BundleUpdatedV1.create(
        BundleUpdatedPayload(
            bundle_id="bundle-155mm",
            item_code="AMMO-155MM",
            status="open",
            total_quantity=10_000,
            nations=["NLD"],
            lines=[BundleLine(need_id="need-1", nation="NLD", quantity=10_000)],
            delivery_window=WINDOW,
            revision=1,
            reason="need added",
        ),
        aggregate_id="bundle-155mm",
        producer="demand",
    )


def award_decided(supplier: str = "NAMMO") -> AwardDecidedV1:
    return AwardDecidedV1.create(
        AwardDecidedPayload(
            procurement_id="proc-vsrat",
            bundle_id="bundle-vsrat",
            item_code="VSRAT",
            contracting_authority="NSPA",
            supplier_id="sup-1",
            supplier_organisation=supplier,
            supplier_country="NOR",
            standstill_until=date(2025, 4, 10),
            summary="fastest delivery at an acceptable price",
        ),
        aggregate_id="proc-vsrat",
        producer="contracts",
    )


def framework_created() -> FrameworkContractCreatedV1:
    return FrameworkContractCreatedV1.create(
        FrameworkContractCreatedPayload(
            framework_id="fw-radar",
            bundle_id=None,
            item_code="RADAR-MMR",
            contracting_authority="NLD",
            participants=["NLD", "NOR", "DNK", "LTU"],
            ceiling_quantity=24,
            ceiling_value_eur=480_000_000.0,
            start=date(2025, 1, 1),
            end=date(2029, 12, 31),
            supplier_organisations=["THALES"],
        ),
        aggregate_id="fw-radar",
        producer="contracts",
    )


def framework_acceded() -> FrameworkAccededV1:
    return FrameworkAccededV1.create(
        FrameworkAccededPayload(framework_id="fw-radar", nation="LTU", quantity=3),
        aggregate_id="fw-radar",
        producer="contracts",
    )


def specification_harmonised() -> SpecificationHarmonisedV1:
    return SpecificationHarmonisedV1.create(
        SpecificationHarmonisedPayload(
            specification_id="spec-155",
            reference="SPEC-155MM-NATO",
            version=2,
            item_code="AMMO-155MM",
            title="155 mm artillery ammunition, NATO harmonised",
            standards=["STANAG 4425"],
            nations=["NLD", "DEU", "CZE"],
            compatible_deviations=["DEU: own fuze"],
        ),
        aggregate_id="spec-155",
        producer="contracts",
    )


def call_off(supplier: str = "THALES", item_code: str = "RADAR-MMR") -> CallOffPlacedV1:
    return CallOffPlacedV1.create(
        CallOffPlacedPayload(
            framework_id="fw-radar",
            call_off_id="co-nor-1",
            nation="NOR",
            item_code=item_code,
            quantity=2,
            supplier_organisation=supplier,
            delivery_due=date(2026, 6, 1),
        ),
        aggregate_id="fw-radar",
        producer="contracts",
    )


def schedule_changed(supplier: str = "THALES") -> DeliveryScheduleChangedV1:
    return DeliveryScheduleChangedV1.create(
        DeliveryScheduleChangedPayload(
            contract_id="contract-radar",
            supplier_organisation=supplier,
            reason="order moved forward to meet NATO stock norms",
            lots=[
                DeliveryLotChange(lot_id="lot-1", nation="NOR", quantity=1, due_date=date(2025, 9, 1)),
                DeliveryLotChange(
                    lot_id="lot-2",
                    nation="DNK",
                    quantity=1,
                    due_date=date(2026, 3, 1),
                    previous_due_date=date(2027, 3, 1),
                ),
            ],
        ),
        aggregate_id="contract-radar",
        producer="contracts",
    )


def delivery_delayed(supplier: str = "THALES") -> DeliveryDelayedV1:
    return DeliveryDelayedV1.create(
        DeliveryDelayedPayload(
            contract_id="contract-radar",
            lot_id="lot-1",
            nation="NOR",
            supplier_organisation=supplier,
            due_date=date(2025, 9, 1),
            forecast_date=date(2025, 11, 1),
            quantity_outstanding=1,
        ),
        aggregate_id="contract-radar",
        producer="contracts",
    )


def commitment_refused(
    lead: str = "NLD", bundle_id: str = "bundle-mmr", reason: str = "XYZ are not nations the platform knows"
) -> CommitmentRefusedV1:
    """A committed bundle the contracts service could not contract; an agency lead (NSPA)
    is named as the event's organisation, a nation as its nation."""
    return CommitmentRefusedV1.create(
        CommitmentRefusedPayload(
            bundle_id=bundle_id, kind="framework", item_code="MMR", lead=lead, nations=["DNK", "NLD"], reason=reason
        ),
        aggregate_id=bundle_id,
        producer="contracts",
        nation=lead if lead != "NSPA" else None,
        organisation="NSPA" if lead == "NSPA" else None,
    )


PLEDGES = {
    "pledged": PledgeMadeV1,
    "confirmed": PledgeConfirmedV1,
    "paid": PledgePaidV1,
    "withdrawn": PledgeWithdrawnV1,
}


def pledge(
    status: str = "pledged",
    *,
    nation: str = "NLD",
    recipient: str | None = "CZE",
    fund_id: str | None = "fund-155mm",
    amount: str = "250000000.00",
) -> EventEnvelope[PledgePayload]:
    """The Netherlands' co-financing of the 155 mm batch bought through Czechia, as the
    demand service tells it at each step (`recipient`: the lead of the fund it goes to)."""
    kind = PLEDGES[status]
    event: EventEnvelope[PledgePayload] = kind.create(
        PledgePayload(
            pledge_id="pledge-nld-155mm",
            nation=nation,
            amount=amount,
            beneficiary="UKR",
            bundle_id=None if fund_id else "bundle-155mm",
            fund_id=fund_id,
            status=status,
            reason="the batch came in under budget" if status == "withdrawn" else None,
            recipient=recipient,
        ),
        aggregate_id="pledge-nld-155mm",
        producer="demand",
        nation=nation,
    )
    return event


def fund(
    opened: bool = True, *, lead: str = "CZE", item_codes: tuple[str, ...] = ("AMMO-155MM", "VEH-CV90")
) -> FundOpenedV1 | FundClosedV1:
    """A fund for Ukraine led by Czechia; closed, with its lead's reason."""
    payload = FundPayload(
        fund_id="fund-155mm",
        lead=lead,
        purpose="155 mm ammunition and vehicles for Ukraine",
        item_codes=list(item_codes),
        beneficiary="UKR",
        status="open" if opened else "closed",
        reason=None if opened else "NLD paid 250,000,000 EUR; the batch is bought",
    )
    if opened:
        return FundOpenedV1.create(payload, aggregate_id="fund-155mm", producer="demand")
    return FundClosedV1.create(payload, aggregate_id="fund-155mm", producer="demand")


def deadline_nearing(nations: tuple[str, ...] = ("ESP", "NLD")) -> DeadlineNearingV1:
    """The Patriot bundle's accession deadline draws near; Spain and the Netherlands have not answered."""
    return DeadlineNearingV1.create(
        DeadlineNearingPayload(
            bundle_id="bundle-patriot",
            item_code="PATRIOT-PAC2",
            accession_deadline=date(2027, 3, 31),
            nations=list(nations),
        ),
        aggregate_id="bundle-patriot",
        producer="demand",
    )


def capacity_unlocked(organisation: str = "MBDA-DE") -> CapacityUnlockedV1:
    """Four nations' Patriot demand reached the 1,000 missiles a German line needs."""
    return CapacityUnlockedV1.create(
        CapacityUnlockedPayload(
            line_id="line-patriot-de",
            organisation=organisation,
            item_code="PATRIOT-PAC2",
            minimum_economic_quantity=1_000,
            demand_quantity=1_000,
            nation_count=4,
        ),
        aggregate_id="line-patriot-de",
        producer="demand",
        organisation=organisation,
    )


def contract_expiring(
    kind: str = "framework", lead: str = "CZE", suppliers: tuple[str, ...] = ("MSM-GROUP",)
) -> ContractExpiringV1:
    """The 155 mm framework with Czechia, the Netherlands and Denmark, five years before it
    expires at the end of 2029."""
    quantities = {"CZE": 30_000, "NLD": 20_000, "DNK": 5_000}
    return ContractExpiringV1.create(
        ContractExpiringPayload(
            kind="framework" if kind == "framework" else "contract",
            agreement_id="fw-155mm",
            bundle_id="bundle-155mm",
            item_code="AMMO-155MM",
            category="AMMO",
            contracting_authority=lead,
            start=date(2025, 1, 1),
            end=date(2029, 12, 31),
            horizon_years=5,
            days_left=1826,
            nations=sorted(quantities),
            quantities=[ExpiringShare(nation=n, quantity=q) for n, q in sorted(quantities.items())],
            supplier_organisations=list(suppliers),
        ),
        aggregate_id="fw-155mm",
        producer="contracts",
        organisation=lead,
    )


DECLARED_UNTIL = TODAY + timedelta(days=3 * 365)
"""A security declaration valid for years to come, whatever day the tests run on."""


def supplier_registered(
    organisation: str = "THALES", valid_until: date | None = DECLARED_UNTIL
) -> SupplierRegisteredV1:
    return SupplierRegisteredV1.create(
        SupplierRegisteredPayload(
            supplier_id=f"sup-{organisation.lower()}",
            organisation=organisation,
            country="NLD",
            sme=False,
            security_declaration_valid_until=valid_until,
        ),
        aggregate_id=organisation,
        producer="contracts",
    )


def as_json(event: EventEnvelope[Any]) -> dict[str, Any]:
    body: dict[str, Any] = event.model_dump(mode="json")
    return body
