"""Events of the contracts context."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from bundling_shared.events.demand import DeliveryWindow, EurDecimal
from bundling_shared.events.envelope import EventEnvelope, event_union


class ContractLine(BaseModel):
    nation: str
    quantity: int = Field(gt=0)
    ukraine_quantity: int = Field(default=0, ge=0, description="Of the quantity, what is delivered to Ukraine.")


class ContractCreatedPayload(BaseModel):
    contract_id: str
    bundle_id: str
    item_code: str
    contracting_authority: str = Field(description="Lead nation or agency that signs for all.")
    lines: list[ContractLine]
    total_quantity: int
    delivery_window: DeliveryWindow


class ContractCreatedV1(EventEnvelope[ContractCreatedPayload], type="contracts.contract.created", version=1):
    pass


# --- Awards, frameworks, call-offs, deliveries (topic contracts.contracts) ------------


class AwardDecidedPayload(BaseModel):
    """The outcome of a weighed award; prices and scores of the losers stay inside."""

    procurement_id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    supplier_id: str
    supplier_organisation: str
    supplier_country: str
    standstill_until: date
    summary: str = Field(description="Why the winner ranked first, in words.")


class AwardDecidedV1(EventEnvelope[AwardDecidedPayload], type="contracts.award.decided", version=1):
    pass


class ProcurementOpenedPayload(BaseModel):
    """A tender notice, as procurement law publishes one: what is bought, how much in all,
    under which weights, by whom and until when offers are taken. Which nations buy and
    each one's quantity stay inside: the notice counts the nations, it does not name them."""

    procurement_id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    quantity: int = Field(gt=0, description="The total quantity tendered, every nation's together.")
    nation_count: int = Field(ge=1, description="How many nations the procurement buys for.")
    tender_date: date = Field(description="The day the tender opens; delivery times are counted from it.")
    offers_due: date = Field(description="Offers are taken until the end of this day.")
    delivery_window: DeliveryWindow | None = Field(
        default=None, description="When the order wants its deliveries, if the procurement is for one."
    )
    weights: dict[str, float] = Field(description="The published weight of each award criterion, 0-100.")
    quality_gates: list[str]
    funding_instrument: str | None = None


class ProcurementOpenedV1(EventEnvelope[ProcurementOpenedPayload], type="contracts.procurement.opened", version=1):
    pass


class ContractSignedPayload(BaseModel):
    """A committed order's contracts signed with the awarded supplier: whether that supplier
    is a small or medium-sized enterprise sets the order's SME share."""

    procurement_id: str
    bundle_id: str
    supplier_id: str
    supplier_organisation: str
    supplier_sme: bool
    unit_price_eur: EurDecimal | None = Field(
        default=None,
        description="The awarded unit price (the winning offer's), EUR with cents as a decimal string: the"
        " order's value at awarded price is this times its quantity.",
    )


class ContractSignedV1(EventEnvelope[ContractSignedPayload], type="contracts.contract.signed", version=1):
    pass


class FrameworkContractCreatedPayload(BaseModel):
    framework_id: str
    bundle_id: str | None
    item_code: str
    contracting_authority: str
    participants: list[str]
    ceiling_quantity: int
    ceiling_value_eur: float | None = Field(
        description="The value ceiling as a JSON number: kept for consumers of the first release; `ceiling_value` "
        "is the exact amount."
    )
    ceiling_value: EurDecimal | None = Field(
        default=None, description="The value ceiling, where known: EUR with cents as a decimal string."
    )
    start: date
    end: date
    supplier_organisations: list[str] = Field(default_factory=list)


class FrameworkContractCreatedV1(
    EventEnvelope[FrameworkContractCreatedPayload], type="contracts.framework.created", version=1
):
    pass


class FrameworkAccededPayload(BaseModel):
    """The accession took effect: the nation is a party and may call off."""

    framework_id: str
    nation: str
    quantity: int
    bundle_id: str | None = Field(default=None, description="The bundle the framework came from, if any.")


class FrameworkAccededV1(EventEnvelope[FrameworkAccededPayload], type="contracts.framework.acceded", version=1):
    pass


class FrameworkAccessionRefusedPayload(BaseModel):
    """The lead refused a nation's request to accede, or the contracts service could not apply
    it (a rule of the framework refuses it, or the bundle has no framework contract); the
    nation is not a party."""

    framework_id: str = Field(description="Empty when the bundle has no framework contract to accede to.")
    bundle_id: str | None = None
    nation: str
    reason: str
    refused_by: Literal["lead", "contracts"] = Field(
        default="lead", description="Who refused: the framework's lead, or a rule the contracts service applies."
    )


class FrameworkAccessionRefusedV1(
    EventEnvelope[FrameworkAccessionRefusedPayload], type="contracts.framework.accession_refused", version=1
):
    pass


class CallOffPlacedPayload(BaseModel):
    """Restricted to the contracted supplier."""

    framework_id: str
    call_off_id: str
    nation: str
    item_code: str
    quantity: int
    supplier_organisation: str
    delivery_due: date


class CallOffPlacedV1(EventEnvelope[CallOffPlacedPayload], type="contracts.call_off.placed", version=1):
    pass


class DeliveryLotChange(BaseModel):
    lot_id: str
    nation: str
    quantity: int
    due_date: date
    previous_due_date: date | None = None


class DeliveryScheduleChangedPayload(BaseModel):
    """Restricted to the contracted supplier."""

    contract_id: str
    supplier_organisation: str
    reason: str
    lots: list[DeliveryLotChange]


class DeliveryScheduleChangedV1(
    EventEnvelope[DeliveryScheduleChangedPayload], type="contracts.delivery_schedule.changed", version=1
):
    pass


class DeliveryDelayedPayload(BaseModel):
    """A lot past due, or forecast later than due: a delay query to the supplier."""

    contract_id: str
    lot_id: str
    nation: str
    supplier_organisation: str
    due_date: date
    forecast_date: date | None
    quantity_outstanding: int


class DeliveryDelayedV1(EventEnvelope[DeliveryDelayedPayload], type="contracts.delivery.delayed", version=1):
    pass


class CommitmentRefusedPayload(BaseModel):
    """A committed joint order or framework the contracts service could not contract: a rule
    of the contract refuses what was committed (an unknown nation, a value ceiling beyond what
    the platform keeps, an empty order). The commitment stands in the demand service; the lead
    amends the bundle or takes the case to an administrator."""

    bundle_id: str
    kind: Literal["joint_order", "framework"]
    item_code: str
    lead: str = Field(description="The nation or agency that leads the bundle and is told.")
    nations: list[str] = Field(description="The participating nations as committed.")
    reason: str = Field(description="The rule the commitment breaks, in words.")


class CommitmentRefusedV1(EventEnvelope[CommitmentRefusedPayload], type="contracts.commitment.refused", version=1):
    pass


class ExpiringShare(BaseModel):
    nation: str
    quantity: int = Field(ge=0, description="The nation's line of the contract, or its share of the framework.")


class ContractExpiringPayload(BaseModel):
    """A contract (its delivery window's end) or framework (its duration's end) reached one of
    the horizons ahead of its end at which its parties are told: talks on what follows must
    start years ahead (ammunition contracts expiring in 2029). Each horizon is told once.

    `quantities` name each nation's part so that the demand service can seed the follow-on
    round with what each nation bought; the notifications service passes no nation's
    quantity on."""

    kind: Literal["contract", "framework"]
    agreement_id: str = Field(description="The contract's or the framework's id.")
    bundle_id: str | None = Field(description="The bundle it came from, if any.")
    item_code: str
    category: str = Field(description="The item's category, its code up to the first hyphen (AMMO for AMMO-155MM).")
    contracting_authority: str
    start: date
    end: date = Field(description="The day it expires: the end of its delivery window or duration.")
    horizon_years: int = Field(description="The horizon reached: this many years before the end.")
    days_left: int
    nations: list[str] = Field(description="The nations taking part.")
    quantities: list[ExpiringShare] = Field(description="Each nation's quantity under it.")
    supplier_organisations: list[str] = Field(description="Its contracted supplier(s), if any.")


class ContractExpiringV1(EventEnvelope[ContractExpiringPayload], type="contracts.contract.expiring", version=1):
    pass


ContractEvent = event_union(
    ContractCreatedV1,
    ProcurementOpenedV1,
    AwardDecidedV1,
    ContractSignedV1,
    FrameworkContractCreatedV1,
    FrameworkAccededV1,
    CallOffPlacedV1,
    DeliveryScheduleChangedV1,
    DeliveryDelayedV1,
    FrameworkAccessionRefusedV1,
    CommitmentRefusedV1,
    ContractExpiringV1,
)


# --- Specifications and suppliers (topic contracts.reference) --------------------------


class MaterialRiskPayload(BaseModel):
    """A critical material or component something depends on, with its supply risk as the
    contracts service's reference list states it."""

    name: str = Field(description="As the reference list knows it, e.g. graphite")
    category: Literal["raw_material", "semi_finished_good", "component"]
    risk: Literal["low", "medium", "high", "critical"]
    flagged: bool = Field(description="High or critical: a supply risk to be told wherever it is depended on.")


class SpecificationHarmonisedPayload(BaseModel):
    """A specification all participating nations agreed on; it applies equally to
    deliveries for own forces and for Ukraine."""

    specification_id: str
    reference: str = Field(description="Stable reference needs point to, e.g. SPEC-155MM-NATO")
    version: int
    item_code: str
    title: str
    standards: list[str]
    nations: list[str]
    compatible_deviations: list[str] = Field(default_factory=list)
    applies_to_ukraine_deliveries: bool = True
    material_risks: list[MaterialRiskPayload] = Field(
        default_factory=list,
        description="The critical materials it names, gravest risk first (added in v1; absent from earlier events).",
    )


class SpecificationHarmonisedV1(
    EventEnvelope[SpecificationHarmonisedPayload], type="contracts.specification.harmonised", version=1
):
    pass


class SupplierRegisteredPayload(BaseModel):
    """Whom notifications may tell restricted things: a valid security declaration."""

    supplier_id: str
    organisation: str
    country: str
    sme: bool
    security_declaration_valid_until: date | None


class SupplierRegisteredV1(EventEnvelope[SupplierRegisteredPayload], type="contracts.supplier.registered", version=1):
    pass


class RateStepPayload(BaseModel):
    month: date = Field(description="The first day of the month the rate holds from.")
    units_per_month: int


class YearCapacityPayload(BaseModel):
    year: int
    quantity: int


class ProductionLineDeclaredPayload(BaseModel):
    """A company's production line as declared or last revised: what it can make, where,
    at what rate as it ramps up, and from how much demand on starting it pays."""

    line_id: str
    supplier_id: str
    organisation: str
    item_code: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    rates: list[RateStepPayload]
    capacity_by_year: list[YearCapacityPayload] = Field(
        description="What it can turn out each year, from its earliest start to two years past its last rate step."
    )
    inputs: list[str] = Field(description="Critical materials and components it depends on.")
    revision: int
    material_risks: list[MaterialRiskPayload] = Field(
        default_factory=list,
        description="Its inputs with their supply risk, gravest first (added in v1; absent from earlier events).",
    )


class ProductionLineDeclaredV1(
    EventEnvelope[ProductionLineDeclaredPayload], type="contracts.production_line.declared", version=1
):
    pass


ReferenceEvent = event_union(SpecificationHarmonisedV1, SupplierRegisteredV1, ProductionLineDeclaredV1)
