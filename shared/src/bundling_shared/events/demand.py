"""Events of the demand context: needs registered by nations, bundles, joint orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from bundling_shared.events.envelope import EventEnvelope, event_union

EurDecimal = Annotated[
    Decimal,
    Field(ge=0, decimal_places=2),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["400000000.00"]}),
]
"""EUR with cents, exact: written as a decimal string with two decimals (``"400000000.00"``)."""


class DeliveryWindow(BaseModel):
    start: date
    end: date


class NeedRegisteredPayload(BaseModel):
    need_id: str
    nation: str
    item_code: str
    quantity: int = Field(gt=0)
    delivery_window: DeliveryWindow
    end_user: Literal["own_forces", "ukraine"] = "own_forces"


class NeedRegisteredV1(EventEnvelope[NeedRegisteredPayload], type="demand.need.registered", version=1):
    pass


class BundleLine(BaseModel):
    need_id: str
    nation: str
    quantity: int


class BundleUpdatedPayload(BaseModel):
    bundle_id: str
    item_code: str
    status: str
    total_quantity: int
    nations: list[str]
    lines: list[BundleLine]
    delivery_window: DeliveryWindow
    revision: int = Field(description="Increases with every change of the bundle.")
    reason: str = Field(description="Why the bundle changed, for people reading the trail.")


class BundleUpdatedV1(EventEnvelope[BundleUpdatedPayload], type="demand.bundle.updated", version=1):
    """Superseded by version 2: it carried every line of the bundle, and a bundle of ten
    thousand lines made an event of megabytes, beyond what a Kafka topic takes."""


class NationTotal(BaseModel):
    nation: str
    quantity: int
    need_count: int = Field(description="How many of the nation's needs the bundle holds.")


class BundleUpdatedV2Payload(BaseModel):
    """A bundle's state in a size that does not grow with its lines: totals per nation (a
    bundle has a few dozen nations at most) and how many lines there are. The lines are
    read a page at a time from `GET /v1/bundles/{id}/lines`."""

    bundle_id: str
    item_code: str
    status: str
    total_quantity: int
    nations: list[NationTotal]
    line_count: int
    delivery_window: DeliveryWindow
    revision: int = Field(description="Increases with every change of the bundle.")
    reason: str = Field(description="Why the bundle changed, for people reading the trail.")


class BundleUpdatedV2(EventEnvelope[BundleUpdatedV2Payload], type="demand.bundle.updated", version=2):
    pass


class JointOrderLine(BaseModel):
    nation: str
    quantity: int = Field(gt=0)
    need_ids: list[str]
    ukraine_quantity: int = Field(default=0, ge=0, description="Of the quantity, what is delivered to Ukraine.")


class JointOrderCommittedPayload(BaseModel):
    bundle_id: str
    item_code: str
    lead: str = Field(description="Lead nation (alpha-3) or agency (e.g. NSPA) contracting for all.")
    lines: list[JointOrderLine]
    total_quantity: int
    delivery_window: DeliveryWindow
    committed_by: str
    funded_by: list[str] = Field(
        default_factory=list,
        description="Nations whose confirmed or paid pledges go to the order (their amounts are not told).",
    )
    funding_instrument: str | None = Field(
        default=None, description="The EU instrument the nations chose at confirmation; the procurement takes it over."
    )


class JointOrderCommittedV1(EventEnvelope[JointOrderCommittedPayload], type="demand.joint_order.committed", version=1):
    pass


class NeedAmendedPayload(BaseModel):
    """A need changed (a new version); the aggregator re-reads it and moves it if needed."""

    need_id: str
    nation: str
    item_code: str
    version: int
    changed: list[str] = Field(description="Names of the fields that changed.")


class NeedAmendedV1(EventEnvelope[NeedAmendedPayload], type="demand.need.amended", version=1):
    pass


class NeedWithdrawnPayload(BaseModel):
    need_id: str
    nation: str
    item_code: str
    reason: str | None = None


class NeedWithdrawnV1(EventEnvelope[NeedWithdrawnPayload], type="demand.need.withdrawn", version=1):
    pass


NeedEvent = event_union(NeedRegisteredV1, NeedAmendedV1, NeedWithdrawnV1)


# --- Bundling engine (demand) -> contracts and notifications -------------------------


class FundingAssessment(BaseModel):
    instrument: str = Field(description="e.g. EDIRPA, SAFE, EDIP")
    qualifies: bool
    reason: str
    co_funding_rate: float | None = Field(default=None, description="Share of the value co-funded, 0.15 = 15 %.")


class BundleOpenedPayload(BaseModel):
    """A bundle opens for accession: what industry may learn of it (no per-nation detail),
    and which nations are asked to confirm, so that their desks are told."""

    bundle_id: str
    item_code: str
    kind: Literal["joint_order", "framework_contract"]
    total_quantity: int
    nation_count: int
    delivery_window: DeliveryWindow
    accession_deadline: date | None = None
    lead: str | None = None
    funding: list[FundingAssessment] = Field(default_factory=list)
    specification_ref: str | None = None
    nations: list[str] | None = Field(
        default=None,
        description="The nations in the bundle, asked to confirm, for their desks to be told; never passed on to "
        "industry. Absent from events of producers before it.",
    )


class BundleOpenedV1(EventEnvelope[BundleOpenedPayload], type="demand.bundle.opened", version=1):
    pass


class YearlyQuantity(BaseModel):
    year: int
    quantity: int = Field(gt=0)


class FrameworkParticipant(BaseModel):
    nation: str
    yearly: list[YearlyQuantity]
    need_ids: list[str] = Field(default_factory=list)


class FrameworkCommittedPayload(BaseModel):
    """A multi-year bundle committed as a framework contract to be tendered and signed."""

    bundle_id: str
    item_code: str
    lead: str
    participants: list[FrameworkParticipant]
    ceiling_quantity: int = Field(gt=0, description="Sum of all participants' yearly quantities.")
    ceiling_value_eur: float | None = Field(
        default=None,
        description="Sum of the budget ceilings, where known, as a JSON number: kept for consumers of the first"
        " release; `ceiling_value` is the exact amount.",
    )
    ceiling_value: EurDecimal | None = Field(
        default=None, description="Sum of the budget ceilings, where known: EUR with cents as a decimal string."
    )
    start: date
    end: date
    specification_ref: str | None = None
    committed_by: str


class FrameworkCommittedV1(EventEnvelope[FrameworkCommittedPayload], type="demand.framework.committed", version=1):
    pass


class AccessionConfirmedPayload(BaseModel):
    """A nation joins a committed or open framework (the radar case: NOR, DNK, LTU under NLD)."""

    bundle_id: str
    item_code: str
    nation: str
    yearly: list[YearlyQuantity]
    budget_ceiling_eur: float | None = Field(
        default=None,
        description="The acceding nation's budget ceiling as a JSON number: kept for consumers of the first"
        " release; `budget_ceiling` is the exact amount.",
    )
    budget_ceiling: EurDecimal | None = Field(
        default=None, description="The acceding nation's budget ceiling: EUR with cents as a decimal string."
    )


class AccessionConfirmedV1(EventEnvelope[AccessionConfirmedPayload], type="demand.accession.confirmed", version=1):
    pass


class NationalDeviation(BaseModel):
    nation: str
    description: str
    compatible: bool


class HarmonisationProposedPayload(BaseModel):
    """Needs of one item split over incompatible deviations: the contracts service is asked
    to harmonise the specification so they can be bundled."""

    bundle_ids: list[str]
    item_code: str
    specification_ref: str | None
    nations: list[str]
    deviations: list[NationalDeviation]
    reason: str


class HarmonisationProposedV1(
    EventEnvelope[HarmonisationProposedPayload], type="demand.harmonisation.proposed", version=1
):
    pass


class DeadlineNearingPayload(BaseModel):
    """An open bundle's accession deadline draws near while nations asked to confirm have
    not answered: for their desks, which learn no other nation's figures."""

    bundle_id: str
    item_code: str
    accession_deadline: date
    nations: list[str] = Field(description="The nations asked to confirm that have not answered.")


class DeadlineNearingV1(EventEnvelope[DeadlineNearingPayload], type="demand.bundle.deadline_nearing", version=1):
    pass


class NeedUnplaceablePayload(BaseModel):
    """The bundling engine could not place a need it accepted: it stays, set aside with
    the reason, until its desk amends or withdraws it. Tells that nation (the envelope's
    `nation`), no one else."""

    need_id: str
    nation: str
    item_code: str
    reason: str


class NeedUnplaceableV1(EventEnvelope[NeedUnplaceablePayload], type="demand.need.unplaceable", version=1):
    pass


# --- Money: pledges and funds (demand) -> nations ----------------------------------------


class PledgePayload(BaseModel):
    """One nation's pledge, for the nations and their coordinators: industry is never told
    what a nation pledged (notifications makes no industry notice of it)."""

    pledge_id: str
    nation: str = Field(description="The contributor.")
    amount: EurDecimal
    beneficiary: str = Field(description="For whom: the contributor itself (own forces), UKR, or another nation.")
    bundle_id: str | None = None
    fund_id: str | None = None
    status: Literal["pledged", "confirmed", "paid", "withdrawn"]
    reason: str | None = None
    recipient: str | None = Field(
        default=None,
        description="Who leads the bundle or fund the pledge goes to (a nation code or an agency); it hears of"
        " the pledge beside the contributor.",
    )


class PledgeMadeV1(EventEnvelope[PledgePayload], type="demand.pledge.made", version=1):
    pass


class PledgeConfirmedV1(EventEnvelope[PledgePayload], type="demand.pledge.confirmed", version=1):
    pass


class PledgePaidV1(EventEnvelope[PledgePayload], type="demand.pledge.paid", version=1):
    pass


class PledgeWithdrawnV1(EventEnvelope[PledgePayload], type="demand.pledge.withdrawn", version=1):
    pass


class FundPayload(BaseModel):
    """A fund run by a lead: what it is for and, once closed, why. No contributor's amount."""

    fund_id: str
    lead: str
    purpose: str
    item_codes: list[str]
    beneficiary: str
    status: Literal["open", "closed"]
    reason: str | None = None


class FundOpenedV1(EventEnvelope[FundPayload], type="demand.fund.opened", version=1):
    pass


class FundClosedV1(EventEnvelope[FundPayload], type="demand.fund.closed", version=1):
    pass


class CapacityUnlockedPayload(BaseModel):
    """The nations' aggregated demand for an item reached a production line's minimum
    economic quantity: for the line's company, the demand that makes starting it pay.
    Totals only: no nation's quantity."""

    line_id: str
    organisation: str = Field(description="The company whose line it is.")
    item_code: str
    minimum_economic_quantity: int
    demand_quantity: int = Field(description="The item's aggregated demand when it reached the minimum.")
    nation_count: int


class CapacityUnlockedV1(EventEnvelope[CapacityUnlockedPayload], type="demand.capacity.unlocked", version=1):
    pass


BundleEvent = event_union(
    BundleUpdatedV1,
    BundleUpdatedV2,
    JointOrderCommittedV1,
    BundleOpenedV1,
    FrameworkCommittedV1,
    AccessionConfirmedV1,
    HarmonisationProposedV1,
    NeedUnplaceableV1,
    PledgeMadeV1,
    PledgeConfirmedV1,
    PledgePaidV1,
    PledgeWithdrawnV1,
    FundOpenedV1,
    FundClosedV1,
    CapacityUnlockedV1,
    DeadlineNearingV1,
)
