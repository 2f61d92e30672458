"""Request and response bodies of the contracts API.

A request that carries a command hands it on once, as `terms()`: its fields under the
names the domain's terms give them (the same names), nested parts made the domain's values.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, RootModel, Strict, model_validator
from pydantic_core import PydanticCustomError

from bundling_shared.copying import copied
from bundling_shared.strict import (
    Alpha3,
    Code,
    Count,
    Day,
    Flag,
    Fraction,
    Label,
    Name,
    PositiveEurAmount,
    Quantity,
    QuantityOrNone,
    Reason,
    StrictModel,
    Weight,
)
from contracts.domain.allocation import HORIZON_MONTHS, MAX_COVERAGE, Criterion, Expected
from contracts.domain.deliveries import DeliveryLot, ListedLot
from contracts.domain.frameworks import MAX_COORDINATORS, MAX_SUPPLIERS, Bid, CallOffTerms, FrameworkTerms
from contracts.domain.materials import (
    MAX_ORIGINS,
    Category,
    Dependence,
    Material,
    MaterialTerms,
    RiskLevel,
    dependences,
)
from contracts.domain.procurement import Procurement, ProcurementTerms, category_of, default_offers_due
from contracts.domain.production import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_HISTORY,
    MAX_INPUTS,
    MAX_MINIMUM_ECONOMIC_QUANTITY,
    MAX_RATE_PER_MONTH,
    MAX_RATE_STEPS,
    LineTerms,
    ProductionLine,
    RateStep,
)
from contracts.domain.reporting import YearFigures
from contracts.domain.specifications import SpecificationTerms
from contracts.domain.suppliers import IndustrialBase, Supplier, SupplierTerms
from contracts.domain.weighing import CRITERIA, NATIONS, Weights
from contracts.service_layer.contracts import ContractView
from contracts.service_layer.frameworks import FrameworkView
from contracts.service_layer.national_purchases import PurchaseTerms
from contracts.service_layer.procurements import ProcurementView

MAX_NATIONS = 64
"""More than the platform knows (EU members and associated countries, NATO allies)."""
MAX_ENTRIES = 100
"""Items, standards, materials, quality gates, deviations, suppliers or bids of one request."""
MAX_LOTS = 1000
MAX_ITEMS = MAX_ENTRIES + 1
"""A framework's items: its main item and the others named."""


def _known_nation(code: str) -> str:
    if code not in NATIONS:
        raise PydanticCustomError(
            "unknown_nation",
            "{code} is not a nation the platform knows: an EU member or associated country, or a NATO ally",
            {"code": code},
        )
    return code


Nation = Annotated[Alpha3, AfterValidator(_known_nation)]
"""A participating, buying or receiving nation: ISO 3166-1 alpha-3 of a nation the platform knows."""

Country = Alpha3
"""Where a supplier or a product comes from: any ISO 3166-1 alpha-3 code."""

Price = PositiveEurAmount
"""EUR with cents, above zero: ``"25000000.00"`` or a number with at most two decimals."""

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
"""The id of a supplier, a bundle or another object of the platform."""

EurOut = Annotated[Decimal, PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str)]
"""EUR with cents, written as a decimal string: ``"25000000.00"``."""


class LogEntryOut(BaseModel):
    """One change, as kept in a log: when, by whom, what."""

    at: str = Field(description="When the change was decided (ISO 8601, the service's clock).")
    by: str = Field(description="Who decided it: a subject, a nation or an agency.")
    what: str


class ChangeLogEntryOut(LogEntryOut):
    scope: str | None = Field(
        default=None, description="'all': the whole contract or framework; else the nation whose part it is."
    )


class ContractLineOut(BaseModel):
    """A buying nation's line: what it orders, and for whom it is delivered."""

    model_config = ConfigDict(from_attributes=True)

    nation: str
    quantity: int
    ukraine_quantity: int = Field(description="Of the quantity, what is delivered to Ukraine.")
    own_forces_quantity: int = Field(description="What is delivered to the nation's own forces.")


class ContractOut(BaseModel):
    """A contract with its lines, one per nation; its change log is read a page at a time
    (`/contracts/{id}/change-log`)."""

    id: str
    bundle_id: str
    item_code: str
    contracting_authority: str
    delivery_window_start: date
    delivery_window_end: date
    total_quantity: int
    lines: list[ContractLineOut] = Field(
        max_length=MAX_NATIONS, description="A nation in the contract sees its own line; the lead all."
    )
    created_at: datetime
    part: str = Field(description="'all' for one contract per joint order, else the buying nation")
    supplier_id: str | None
    unit_price_eur: EurOut | None
    nations: list[str] = Field(default_factory=list, max_length=MAX_NATIONS, description="Every nation with a line.")
    nation_count: int = 0
    ukraine_quantity: int = Field(default=0, description="Of the total, what is delivered to Ukraine.")
    funded_by: list[str] = Field(
        default_factory=list,
        max_length=MAX_NATIONS,
        description="Nations paying toward the order by pledges without buying (their amounts are not here).",
    )
    local_production: dict[str, float] = Field(
        default_factory=dict,
        max_length=MAX_NATIONS,
        description="Once signed: per nation, the share of production (0-1) the supplier is bound to place there, "
        "as its winning offer promised; empty when it promised none.",
    )
    local_production_offer_id: str | None = Field(
        default=None, description="The winning offer the local production obligation comes from."
    )

    @classmethod
    def of(cls, view: ContractView) -> ContractOut:
        """A nation sees its own line and the totals; the lead, the supplier and admin every line."""
        contract, nation = view.contract, view.nation
        return copied(
            cls,
            contract,
            delivery_window_start=contract.window_start,
            delivery_window_end=contract.window_end,
            lines=[x for x in contract.lines if nation is None or x.nation == nation],
            nation_count=len(contract.nations),
        )


ContractsOut = RootModel[Annotated[list[ContractOut], Field(max_length=MAX_NATIONS)]]
"""The contracts of one joint order: one, or one per buying nation."""


class ContractModeIn(StrictModel):
    mode: Literal["single", "per_buyer"]


# --- suppliers -------------------------------------------------------------------------


class SupplierIn(StrictModel):
    organisation: Label
    country: Country
    sme: Flag = False
    controlled_from_non_associated_country: Flag = False
    industrial_base: IndustrialBase = IndustrialBase.NONE
    security_declaration_valid_until: Day | None = None

    def terms(self) -> SupplierTerms:
        return cast(SupplierTerms, self.model_dump())


class DeclarationIn(StrictModel):
    security_declaration_valid_until: Day | None


class SupplierOut(BaseModel):
    id: str
    organisation: str
    country: str
    sme: bool
    controlled_from_non_associated_country: bool
    industrial_base: str
    security_declaration_valid_until: date | None
    security_declaration_valid: bool

    @classmethod
    def of(cls, s: Supplier, today: date) -> SupplierOut:
        return copied(cls, s, security_declaration_valid=s.declaration_valid_on(today))


# --- production lines ------------------------------------------------------------------

Month = Annotated[str, Strict(), Field(pattern=r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", examples=["2026-03"])]
"""A calendar month, `YYYY-MM`."""


class RateStepIn(StrictModel):
    month: Month = Field(description="From this month on (until the next step).")
    units_per_month: QuantityOrNone = Field(le=MAX_RATE_PER_MONTH, description="0: the line pauses.")


class RateStepOut(BaseModel):
    month: str
    units_per_month: int

    @classmethod
    def of(cls, step: RateStep) -> RateStepOut:
        return cls(month=f"{step.month:%Y-%m}", units_per_month=step.units_per_month)


# --- critical materials ----------------------------------------------------------------

OriginShare = Annotated[float, Strict(), Field(gt=0, le=1, allow_inf_nan=False)]


class MaterialIn(StrictModel):
    """What is known of a critical material or component; origin shares are indicative."""

    category: Category = Field(description="raw_material, semi_finished_good or component")
    risk: RiskLevel = Field(description="low, medium, high or critical; high and critical are flagged")
    origins: dict[Alpha3, OriginShare] = Field(
        default_factory=dict,
        max_length=MAX_ORIGINS,
        description="Main countries of origin (ISO 3166-1 alpha-3) with their share of world supply, at most 1 "
        "together; leave out what is not well known.",
        examples=[{"CHN": 0.77}],
    )
    note: Reason | Literal[""] = Field(default="", description="Where the facts come from, what is uncertain.")

    def terms(self) -> MaterialTerms:
        return MaterialTerms(category=self.category, risk=self.risk, origins=dict(self.origins), note=self.note)


class MaterialOut(BaseModel):
    name: str
    category: str
    risk: str
    flagged: bool = Field(description="High or critical risk.")
    origins: dict[str, float] = Field(max_length=MAX_ORIGINS)
    origins_outside_eu_eea: dict[str, float] = Field(max_length=MAX_ORIGINS)
    note: str
    revised_at: datetime
    revised_by: str

    @classmethod
    def of(cls, material: Material) -> MaterialOut:
        return copied(cls, material, flagged=material.flagged, origins_outside_eu_eea=material.outside_eu_eea)


class DependenceOut(BaseModel):
    """A material depended on, with its risk."""

    name: str
    category: str
    risk: str
    flagged: bool
    origins_outside_eu_eea: dict[str, float] = Field(max_length=MAX_ORIGINS)

    @classmethod
    def of(cls, dependence: Dependence) -> DependenceOut:
        return copied(cls, dependence)


class ExposedContractOut(BaseModel):
    id: str = Field(description="The contract or call-off.")
    item_code: str
    value_eur: str | None = Field(description="At the signed unit price; null while no price is signed.")
    quantity: int
    through: list[Literal["specification", "production_line"]] = Field(max_length=2)


class OriginExposureOut(BaseModel):
    country: str
    share: float
    value_eur: str


class MaterialExposureOut(BaseModel):
    material: str
    category: str
    risk: str
    flagged: bool
    value_eur: str = Field(description="Value of the contracts depending on it, as the caller sees them.")
    unpriced_quantity: int = Field(description="Units of those contracts with no signed price yet.")
    contract_count: int
    contracts: list[ExposedContractOut] = Field(max_length=20, description="The largest 20.")
    share_outside_eu_eea: float
    value_outside_eu_eea_eur: str
    origins_outside_eu_eea: list[OriginExposureOut] = Field(max_length=MAX_ORIGINS)


class CountryExposureOut(BaseModel):
    country: str
    value_eur: str = Field(description="Value resting on it: each material's exposed value times its share.")
    materials: list[str] = Field(max_length=MAX_ENTRIES)


class SupplyRiskTotalsOut(BaseModel):
    contract_count: int
    value_eur: str
    flagged_contract_count: int
    flagged_value_eur: str
    flagged_risks: list[str] = Field(max_length=4)


class SupplyRiskOut(BaseModel):
    materials: list[MaterialExposureOut] = Field(max_length=500)
    by_origin: list[CountryExposureOut] = Field(max_length=250)
    totals: SupplyRiskTotalsOut


class LineIn(StrictModel):
    """A production line as its company declares it: its ramp-up is a few rate steps."""

    item_code: Code
    site: Name = Field(examples=["Schrobenhausen"])
    country: Country
    earliest_start: Day
    minimum_economic_quantity: Quantity = Field(
        le=MAX_MINIMUM_ECONOMIC_QUANTITY, description="Below this much demand, starting the line does not pay."
    )
    rates: Annotated[list[RateStepIn], Field(min_length=1, max_length=MAX_RATE_STEPS)]
    inputs: Annotated[list[Label], Field(max_length=MAX_INPUTS)] = Field(
        default_factory=list, description="Critical materials and components it depends on.", examples=[["graphite"]]
    )

    def terms(self) -> LineTerms:
        return LineTerms(
            item_code=self.item_code.upper(),
            site=self.site,
            country=self.country,
            earliest_start=self.earliest_start,
            minimum_economic_quantity=self.minimum_economic_quantity,
            rates=[RateStep(date.fromisoformat(f"{r.month}-01"), r.units_per_month) for r in self.rates],
            inputs=list(self.inputs),
        )


class YearCapacityOut(BaseModel):
    year: int
    quantity: int


class LineSummaryOut(BaseModel):
    """A line as a list shows it: its terms and which inputs it depends on, in a size that
    does not grow with its revisions; its capacity per year, its inputs' risks and its
    history are on the line (`GET /production-lines/{id}`)."""

    id: str
    supplier_id: str
    organisation: str
    item_code: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    rates: Annotated[list[RateStepOut], Field(max_length=MAX_RATE_STEPS)]
    inputs: Annotated[list[str], Field(max_length=MAX_INPUTS)]
    flagged_inputs: Annotated[list[str], Field(max_length=MAX_INPUTS)] = Field(
        description="The inputs of high or critical risk: the line depends on them."
    )
    revision: int
    declared_at: datetime
    revised_at: datetime

    @classmethod
    def of(cls, line: ProductionLine, materials: dict[str, Material]) -> LineSummaryOut:
        flagged = [d.name for d in dependences(line.inputs, materials) if d.flagged]
        return copied(cls, line, rates=[RateStepOut.of(r) for r in line.rates], flagged_inputs=flagged)


class LineOut(LineSummaryOut):
    """A line whole: its summary, what it turns out year by year, its inputs' risks and
    what each revision changed."""

    capacity_by_year: Annotated[list[YearCapacityOut], Field(max_length=LAST_YEAR - FIRST_YEAR + 1)] = Field(
        description="What it can turn out each year, from its earliest start to two years past its last step."
    )
    input_risks: Annotated[list[DependenceOut], Field(max_length=MAX_INPUTS)] = Field(
        description="Its inputs with their supply risk from the reference list, gravest first."
    )
    history: Annotated[list[str], Field(max_length=MAX_HISTORY)] = Field(
        description="What each revision changed, in words, oldest first (the last 100)."
    )

    @classmethod
    def of(cls, line: ProductionLine, materials: dict[str, Material]) -> LineOut:
        years = line.capacity_by_years()
        risks = dependences(line.inputs, materials)
        return copied(
            cls,
            line,
            rates=[RateStepOut.of(r) for r in line.rates],
            capacity_by_year=[YearCapacityOut(year=y.year, quantity=y.quantity) for y in years],
            input_risks=[DependenceOut.of(d) for d in risks],
            flagged_inputs=[d.name for d in risks if d.flagged],
        )


# --- specifications --------------------------------------------------------------------


class DeviationIn(StrictModel):
    nation: Nation
    description: Reason
    compatible: Flag


class SpecificationIn(StrictModel):
    reference: Label = Field(examples=["SPEC-155MM-NATO"])
    item_code: Code
    title: Name
    nations: list[Nation] = Field(min_length=1, max_length=MAX_NATIONS)
    standards: list[Label] = Field(default_factory=list, max_length=MAX_ENTRIES, examples=[["STANAG 4425"]])
    certification: Name | None = None
    key_performance: dict[Label, Reason] = Field(default_factory=dict, max_length=MAX_ENTRIES)
    critical_materials: list[Label] = Field(
        default_factory=list, max_length=MAX_ENTRIES, examples=[["rocket propellant", "graphite"]]
    )
    deviations: list[DeviationIn] = Field(default_factory=list, max_length=MAX_ENTRIES)

    def terms(self) -> SpecificationTerms:
        return cast(SpecificationTerms, self.model_dump())


class PositionIn(StrictModel):
    position: Literal["agree", "object"]
    reason: Reason | Literal[""] = ""


class NationDeviationIn(StrictModel):
    description: Reason
    compatible: Flag


class SpecificationSummaryOut(BaseModel):
    id: str
    reference: str
    version: int
    item_code: str
    title: str
    nations: list[str] = Field(max_length=MAX_NATIONS)
    status: str
    outcome: str | None
    applies_to_ukraine_deliveries: bool


class PositionOut(BaseModel):
    position: Literal["agree", "object"]
    reason: str


class SpecificationOut(SpecificationSummaryOut):
    """A specification with what it requires and each nation's position; the nations'
    deviations are read a page at a time (`/specifications/{id}/deviations`)."""

    standards: list[str] = Field(max_length=MAX_ENTRIES)
    certification: str | None
    key_performance: dict[str, str] = Field(max_length=MAX_ENTRIES)
    critical_materials: list[str] = Field(max_length=MAX_ENTRIES)
    positions: dict[str, PositionOut] = Field(max_length=MAX_NATIONS, description="Each nation's position so far.")


class DeviationOut(BaseModel):
    nation: str
    description: str
    compatible: bool = Field(description="Whether the nation's item still fits the others'.")


# --- procurements ----------------------------------------------------------------------


class WeightsIn(StrictModel):
    price: Weight
    delivery: Weight
    origin: Weight
    industrial_participation: Weight

    @model_validator(mode="after")
    def _some_weight(self) -> WeightsIn:
        if self.price + self.delivery + self.origin + self.industrial_participation <= 0:
            raise ValueError("at least one weight must be positive")
        return self


class ProcurementIn(StrictModel):
    item_code: Code
    buyer_nation: Nation
    nations: list[Nation] = Field(default_factory=list, max_length=MAX_NATIONS)
    quantity: Quantity
    tender_date: Day
    weights: WeightsIn
    quality_gates: list[Label] = Field(
        default_factory=list, max_length=MAX_ENTRIES, examples=[["STANAG 4425 qualified"]]
    )
    funding_instrument: Literal["EDIRPA", "EDIP", "SAFE"] | None = None
    standstill_days: Count | None = Field(default=None, description="Default: CONTRACTS_STANDSTILL_DAYS")
    offers_due: Day | None = Field(
        default=None,
        description="Offers are taken until the end of this day, and the award follows it: today at the "
        "earliest, not before `tender_date`, within 366 days. Default: CONTRACTS_OFFER_DAYS (40) after the "
        "tender opens, or after today if it opened earlier.",
    )
    bundle_id: Id | None = None
    procedure: Literal["open", "negotiated_without_publication"] = Field(
        default="open",
        description="open: a notice to every cleared company, offers until `offers_due`, then the standstill."
        " negotiated_without_publication: only `invited_supplier_id` can deliver (Directive 2009/81/EC,"
        " Article 28(1)(e)); no notice, only that company sees it and offers, it is awarded once the offer is"
        " in and signed without a standstill (Article 58(a)); `justification` says why.",
    )
    invited_supplier_id: Id | None = Field(default=None, description="negotiated: the one company asked to offer.")
    justification: Reason = Field(
        default="", examples=["Only the maker of the CV90 builds it and holds its design rights"]
    )

    def terms(self, *, default_standstill_days: int, default_offer_days: int, today: date) -> ProcurementTerms:
        standstill_days = default_standstill_days if self.standstill_days is None else self.standstill_days
        offers_due = self.offers_due or default_offers_due(
            tender_date=self.tender_date, today=today, days=default_offer_days
        )
        weights = Weights(**self.weights.model_dump())
        chosen = {"weights": weights, "standstill_days": standstill_days, "offers_due": offers_due}
        return cast(ProcurementTerms, self.model_dump() | chosen)


class OfferIn(StrictModel):
    unit_price_eur: Price
    first_delivery: Day
    monthly_rate: Quantity
    origin_country: Country
    eu_component_share: Fraction
    non_associated_component_share: Fraction
    local_production: dict[Nation, Fraction] = Field(
        default_factory=dict, max_length=MAX_NATIONS, description="share per nation, 0-1"
    )
    licence_transfer: Flag = False
    national_supplier_role: Flag = False
    quality_gates: dict[Label, Flag] = Field(default_factory=dict, max_length=MAX_ENTRIES)


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    supplier_id: str
    unit_price_eur: EurOut = Field(description="The price offered for one item.")
    first_delivery: date = Field(description="The day the first items are delivered.")
    monthly_rate: int = Field(description="Items delivered a month from then on: with the quantity, the delivery time.")
    origin_country: str = Field(description="Where the item is produced, ISO 3166-1 alpha-3.")
    eu_component_share: float = Field(
        description="Share of the value from the EU and associated countries, 0-1; an instrument may set a floor."
    )
    non_associated_component_share: float = Field(
        description="Share of the value from other third countries, 0-1; an instrument may cap it."
    )
    local_production: dict[str, float] = Field(
        max_length=MAX_NATIONS, description="Share produced in each buying nation, 0-1."
    )
    licence_transfer: bool = Field(description="A production licence passes to the buying nations.")
    national_supplier_role: bool = Field(description="A buying nation's own industry takes part in production.")
    quality_gates: dict[str, bool] = Field(
        max_length=MAX_ENTRIES, description="The procurement's quality gates and whether the offer meets each."
    )


class AssessmentOut(BaseModel):
    """One offer's place in the ranking: its scores per criterion and, for the contracting
    authority, why it ranks there."""

    offer_id: str
    supplier_id: str
    supplier_organisation: str
    eligible: bool = Field(description="Whether the offer passed every quality gate and origin rule.")
    rank: int | None = Field(description="1 for the winner; none for an offer excluded.")
    total: float = Field(description="The weighted points, 0-100.")
    scores: dict[str, float] = Field(max_length=len(CRITERIA), description="Points per criterion, 0-100.")
    weighted: dict[str, float] = Field(max_length=len(CRITERIA), description="Points per criterion, weighted.")
    completion: date | None = Field(description="The month the last item arrives at the offered rate.")
    exclusions: list[str] = Field(
        max_length=MAX_ENTRIES + 2, description="Why the offer was excluded: quality gates and origin rules failed."
    )
    why: str | None = Field(default=None, description="The ranking explained; for the contracting authority only.")


class ProcurementOut(BaseModel):
    """A procurement and its outcome; its offers and the ranking are read a page at a time
    (`/procurements/{id}/offers`, `/procurements/{id}/evaluation`)."""

    id: str
    item_code: str
    contracting_authority: str = Field(description="Who awards and signs: the lead nation or agency (e.g. NSPA).")
    buyer_nation: str
    nations: list[str] = Field(max_length=MAX_NATIONS, description="Every nation the procurement buys for.")
    quantity: int
    tender_date: date = Field(description="The day the tender opens; delivery times are counted from it.")
    weights: dict[str, float] = Field(max_length=len(CRITERIA))
    quality_gates: list[str] = Field(max_length=MAX_ENTRIES)
    funding_instrument: str | None
    standstill_days: int
    offers_due: date = Field(description="Offers are taken until the end of this day; the award follows it.")
    bundle_id: str | None
    status: str
    awarded_supplier: str | None
    standstill_until: date | None
    procedure: str = Field(description="open, or negotiated_without_publication with one invited company.")
    invited_supplier_id: str | None
    justification: str

    @classmethod
    def of(cls, v: ProcurementView) -> ProcurementOut:
        p = v.procurement
        return copied(cls, p, weights=p.weights.as_dict(), awarded_supplier=v.winner_organisation)


class TenderWindowOut(BaseModel):
    start: date
    end: date


class TenderOut(BaseModel):
    """An open tender's public notice: what a company needs to decide whether to bid. The
    total quantity and how many nations buy, never which nations nor any nation's quantity."""

    procurement_id: str
    item_code: str
    category: str = Field(description="The item's code up to the first hyphen.")
    contracting_authority: str = Field(description="Who awards and signs: the lead nation or agency.")
    quantity: int = Field(description="The total quantity tendered, every nation's together.")
    nation_count: int = Field(description="How many nations the procurement buys for.")
    tender_date: date = Field(description="The day the tender opens; delivery times are counted from it.")
    offers_due: date = Field(description="Offers are taken until the end of this day.")
    delivery_window: TenderWindowOut | None = Field(
        description="When the order the procurement buys for wants its deliveries; none for a nation buying alone."
    )
    weights: dict[str, float] = Field(max_length=len(CRITERIA), description="The published weight of each criterion.")
    quality_gates: list[str] = Field(max_length=MAX_ENTRIES, description="What every offer must meet.")
    funding_instrument: str | None = Field(description="The EU instrument whose origin rules apply, if any.")

    @classmethod
    def of(cls, p: Procurement) -> TenderOut:
        window = p.delivery_window
        return copied(
            cls,
            p,
            procurement_id=p.id,
            category=category_of(p.item_code),
            nation_count=len(p.nations),
            delivery_window=TenderWindowOut(start=window[0], end=window[1]) if window else None,
            weights=p.weights.as_dict(),
        )


# --- frameworks ------------------------------------------------------------------------


class FrameworkIn(StrictModel):
    item_code: Code
    items: list[Code] = Field(default_factory=list, max_length=MAX_ENTRIES)
    participants: dict[Nation, QuantityOrNone] = Field(
        min_length=1, max_length=MAX_NATIONS, description="nation -> quantity it brings"
    )
    ceiling_quantity: Quantity
    ceiling_value_eur: Price | None = None
    start: Day
    end: Day
    suppliers: dict[Id, Price | None] = Field(
        default_factory=dict, max_length=MAX_ENTRIES, description="supplier id -> unit price in EUR"
    )

    def terms(self) -> FrameworkTerms:
        return cast(FrameworkTerms, self.model_dump())


class FrameworkSupplierIn(StrictModel):
    supplier_id: Id
    unit_price_eur: Price | None = None


class AccessionIn(StrictModel):
    nation: Nation
    quantity: Quantity
    budget_eur: Price | None = None


class BidIn(StrictModel):
    supplier_id: Id
    unit_price_eur: Price
    delivery_date: Day


class CallOffIn(StrictModel):
    item_code: Code
    quantity: Quantity
    delivery_due: Day
    supplier_id: Id | None = Field(default=None, description="direct call-off")
    bids: list[BidIn] = Field(
        default_factory=list, max_length=MAX_ENTRIES, description="mini-competition among the framework's suppliers"
    )

    def terms(self) -> CallOffTerms:
        bids = [Bid(b.supplier_id, b.unit_price_eur, b.delivery_date) for b in self.bids]
        return cast(CallOffTerms, self.model_dump() | {"bids": bids})


class CompetingBidOut(BaseModel):
    supplier_id: str
    unit_price_eur: EurOut
    delivery_date: date
    won: bool


class CallOffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    framework_id: str
    nation: str = Field(description="The nation calling off, for itself.")
    item_code: str
    quantity: int
    supplier_id: str = Field(description="The framework supplier that delivers this call-off.")
    unit_price_eur: EurOut | None
    delivery_due: date
    mode: str = Field(description="direct (the supplier named, or the only one) or mini_competition.")
    competition: list[CompetingBidOut] = Field(
        max_length=MAX_ENTRIES, description="A mini-competition's bids as they were weighed."
    )
    placed_at: datetime


class FrameworkSummaryOut(BaseModel):
    """A framework as a list shows it: its ceiling, what is left of it, and the shares the
    caller sees."""

    id: str
    bundle_id: str | None
    item_code: str
    items: list[str] = Field(max_length=MAX_ITEMS)
    contracting_authority: str
    participants: dict[str, int] = Field(
        max_length=MAX_NATIONS, description="nation -> share: a participant sees its own, the lead and suppliers all."
    )
    ceiling_quantity: int
    ceiling_value_eur: EurOut | None
    remaining_quantity: int
    remaining_value_eur: EurOut | None
    start: date
    end: date
    end_date_warning: str | None
    nations: list[str] = Field(default_factory=list, max_length=MAX_NATIONS, description="Every participating nation.")
    nation_count: int = 0
    accession_policy: str = Field(default="approval_required", description="open, or approval_required by the lead")
    pooled_shares: bool = Field(default=False, description="Any participant may call off up to the whole ceiling.")
    remaining_share: int | None = Field(default=None, description="A participant's own share not yet called off.")

    @classmethod
    def of(cls, v: FrameworkView, **given: Any) -> Self:
        return copied(
            cls,
            v.framework,
            participants=v.participants,
            remaining_quantity=v.remaining_quantity,
            remaining_value_eur=v.remaining_value_eur,
            end_date_warning=v.warning,
            nation_count=len(v.framework.nations),
            remaining_share=v.remaining_share,
            **given,
        )


class FrameworkOut(FrameworkSummaryOut):
    """A framework with its suppliers and coordinators; its call-offs, change log and
    requests to accede are read a page at a time (`/frameworks/{id}/call-offs`,
    `/frameworks/{id}/change-log`, `/frameworks/{id}/accessions`)."""

    suppliers: dict[str, str] = Field(max_length=MAX_SUPPLIERS, description="supplier id -> organisation")
    coordinators: list[str] = Field(
        default_factory=list, max_length=MAX_COORDINATORS, description="Coordinators the lead assigned."
    )

    @classmethod
    def of(cls, v: FrameworkView, **given: Any) -> Self:
        suppliers = {sid: v.supplier_organisations.get(sid, sid) for sid in v.framework.suppliers}
        return super().of(v, suppliers=suppliers, **given)


class AccessionOut(BaseModel):
    """A nation's request to accede to a framework, and the lead's decision."""

    nation: str
    quantity: int
    budget_eur: EurOut | None = Field(default=None, description="What the nation brings to the value ceiling.")
    by: str = Field(description="Who asked.")
    status: str = Field(description="pending, approved or refused")
    decided_by: str | None = None
    reason: str | None = Field(default=None, description="Why the lead refused.")


# --- deliveries ------------------------------------------------------------------------


class LotIn(StrictModel):
    nation: Nation = Field(description="A buying nation with a line, or UKR for the part of a line sent to Ukraine.")
    quantity: Quantity
    due_date: Day
    buyer: Nation | None = Field(
        default=None, description="For a lot to UKR: the buying nation whose line it is of, when several send there."
    )


class LotsIn(StrictModel):
    lots: list[LotIn] = Field(min_length=1, max_length=MAX_LOTS)
    reason: Reason = "delivery schedule agreed"


class DeliveryIn(StrictModel):
    quantity: Quantity
    delivered_on: Day


class ForecastIn(StrictModel):
    forecast_date: Day


class ReplanIn(StrictModel):
    due_date: Day
    reason: Reason


class CapacityIn(StrictModel):
    monthly_capacity: Quantity
    start: Day
    priority: list[Nation] = Field(default_factory=list, max_length=MAX_NATIONS, examples=[["UKR", "NLD"]])


class LotOut(BaseModel):
    """A delivery lot and where it stands; what arrived and every change of it are read a
    page at a time (`/lots/{id}/deliveries`, `/lots/{id}/history`)."""

    id: str
    contract_id: str
    nation: str
    quantity: int
    due_date: date
    delivered: int
    outstanding: int
    status: str
    forecast_date: date | None
    deliver_to: str = Field(description="Where it goes: UKR, or the buying nation's own forces.")
    value_eur: EurOut | None = Field(
        default=None,
        description="On a schedule and an order shift: the lot's quantity at the signed unit price (none before).",
    )

    @classmethod
    def of(cls, lot: DeliveryLot | ListedLot, today: date, unit_price_eur: Decimal | None = None) -> LotOut:
        value = None if unit_price_eur is None else unit_price_eur * lot.quantity
        return copied(cls, lot, status=lot.status(today).value, value_eur=value)


class WindowIn(StrictModel):
    start: Day
    end: Day


class ShiftIn(StrictModel):
    """An order shift: the remaining schedule into a window, e.g. deliveries in 2025-2028."""

    window: WindowIn
    nation: Nation | None = Field(default=None, description="One nation's remaining lots; all nations' if left out.")
    reason: Reason


class StockIn(StrictModel):
    coverage: Annotated[float, Strict()] = Field(
        ge=0, le=MAX_COVERAGE, allow_inf_nan=False, description="The nation's stock against the NATO norm: 1 = at it."
    )


class StockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    nation: str
    item_code: str
    coverage: float
    stated_at: datetime


class NationalPurchaseIn(StrictModel):
    """A contract the desk's nation signed outside the platform: name a registered supplier
    by `supplier_id`, or give `supplier_name` and `supplier_country` (and `supplier_sme`)."""

    reference: Label = Field(description="The nation's own contract number: one record per contract.",
                             examples=["NL-DMO-2023-0412"])  # fmt: skip
    value_eur: Price = Field(description="The contract's value, EUR with cents.", examples=["12500000.00"])
    signed_on: Day = Field(description="The day it was signed: not after today.", examples=["2023-05-17"])
    description: Reason = Field(default="", examples=["Sensor maintenance, five years"])
    supplier_id: Id | None = Field(default=None, description="A supplier registered here.")
    supplier_name: Name | None = Field(default=None, examples=["Thales Nederland"])
    supplier_country: Country | None = Field(default=None, examples=["NLD"])
    supplier_sme: Flag = False

    @model_validator(mode="after")
    def _one_supplier(self) -> Self:
        if self.supplier_id is not None and (self.supplier_name is not None or self.supplier_country is not None):
            raise PydanticCustomError(
                "one_supplier", "name the supplier by supplier_id or by supplier_name and supplier_country, not both"
            )
        if self.supplier_id is None and (self.supplier_name is None or self.supplier_country is None):
            raise PydanticCustomError(
                "supplier_named", "name the supplier: supplier_id, or supplier_name and supplier_country"
            )
        return self

    def terms(self) -> PurchaseTerms:
        return PurchaseTerms(**self.model_dump())


class NationalPurchaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    nation: str
    reference: str
    supplier_id: str | None
    supplier_name: str
    supplier_country: str
    supplier_sme: bool
    value_eur: EurOut
    signed_on: date
    description: str
    recorded_at: datetime


class ExpectedMonthOut(BaseModel):
    month: str
    quantity: int


class ExpectedLotOut(BaseModel):
    """A lot's expected output month by month under the allocation, and what went first."""

    lot_id: str
    contract_id: str = Field(description="The contract or call-off it is a lot of.")
    nation: str
    deliver_to: str
    outstanding: int
    due_date: date
    expected: Annotated[list[ExpectedMonthOut], Field(max_length=HORIZON_MONTHS)]
    completes: date | None = Field(description="The end of the month its last unit is expected; none: not foreseen.")
    late: bool
    pushed_by: Annotated[dict[str, int], Field(max_length=len(Criterion) + 1)] = Field(
        description="Why lots ranked ahead went first, with how many: no nation named."
    )

    @classmethod
    def of(cls, row: Expected) -> ExpectedLotOut:
        c = row.claim
        return cls(
            lot_id=c.lot_id,
            contract_id=c.agreement_id,
            nation=c.nation,
            deliver_to=c.deliver_to,
            outstanding=c.outstanding,
            due_date=c.due_date,
            expected=[ExpectedMonthOut(month=f"{m:%Y-%m}", quantity=q) for m, q in row.months],
            completes=row.completes,
            late=row.late,
            pushed_by=row.pushed_by,
        )


class AllocationOut(BaseModel):
    """One allocation of a supplier's output for an item over all its open lots."""

    line_id: str
    organisation: str
    item_code: str
    start: date = Field(description="The first month allocated: this month.")
    priority: list[str] = Field(description="Most important first.")
    whole: bool = Field(description="Every lot (the line's company), or the reader's own nation's.")
    per_month: Annotated[dict[str, int], Field(max_length=HORIZON_MONTHS)] = Field(
        description="Expected output per month of the lots the reader may see (all of them, or its nation's)."
    )
    lot_count: int = Field(description="The lots the reader may see; they are listed a page at a time.")
    lots: Annotated[list[ExpectedLotOut], Field(max_length=500)]
    limit: int
    offset: int


class LotDeliveryOut(BaseModel):
    on: date = Field(description="The day the items arrived.")
    quantity: int


class LotFiguresOut(BaseModel):
    """Of the lots of a row: items planned, delivered and due, and the lots by status today."""

    model_config = ConfigDict(from_attributes=True)

    planned: int = Field(description="Items in every lot.")
    delivered: int
    due_so_far: int = Field(description="Items in the lots due by today.")
    met: int = Field(description="Lots delivered in full.")
    partially_met: int
    not_met: int = Field(description="Lots past due with nothing delivered.")
    open: int = Field(description="Lots not yet due with nothing delivered.")


class DeliveryProgressOut(LotFiguresOut):
    """Planned against delivered for one contract (or call-off), nation and beneficiary."""

    contract_id: str = Field(description="The contract's or call-off's id.")
    nation: str
    deliver_to: str = Field(description="Where these lots go: the nation's own forces, or UKR.")


class FundedDeliveriesOut(LotFiguresOut):
    """Planned against delivered of what one nation pays for, in one contract (or call-off),
    by where the lots go."""

    funder: str = Field(description="The nation paying.")
    paid_through: Literal["own_budget", "pledges"] = Field(
        description="own_budget: a buying nation, for its own lots; pledges: a nation paying toward the "
        "order by confirmed pledges, for all the contract's lots (amounts are not known here, so no "
        "share of the quantities is its own)."
    )
    contract_id: str = Field(description="The contract's or call-off's id.")
    deliver_to: str = Field(
        description="Where these lots go: UKR, or own forces: the buying nation's (own_budget), "
        "or 'own_forces', every buying nation's together (pledges)."
    )
    funding_instrument: str | None = Field(description="The EU instrument the order chose (EDIRPA, EDIP, SAFE).")


# --- reports ---------------------------------------------------------------------------


class OriginValuesOut(BaseModel):
    """A buying nation's contracted value by supplier origin, in EUR with cents, and the
    share of each origin in its total."""

    national: EurOut
    eu: EurOut
    other_nato: EurOut
    other: EurOut
    total: EurOut
    national_share: float
    eu_share: float
    other_nato_share: float
    other_share: float


ValueByOriginOut = RootModel[Annotated[dict[str, OriginValuesOut], Field(max_length=MAX_NATIONS)]]
"""Per buying nation (ISO 3166-1 alpha-3), its contracted value by supplier origin."""

MAX_COUNTRIES = 250


class YearFiguresOut(BaseModel):
    """One year's indicators of the defence industrial base, over the orders the reader sees."""

    year: int = Field(description="The year the contracts were concluded or the call-offs placed.")
    value_eur: EurOut
    sme_share: float = Field(description="Of the value, the share contracted with SMEs.")
    by_nation: Annotated[dict[str, OriginValuesOut], Field(max_length=MAX_NATIONS)] = Field(
        description="Per buying nation, its value that year by supplier origin: the national share is the"
        " indicator behind 'contracted with Dutch companies: 41 % to 59 %'."
    )
    new_suppliers: Annotated[dict[str, int], Field(max_length=MAX_COUNTRIES)] = Field(
        description="Per supplier country, the companies contracted for the first time that year."
    )

    @classmethod
    def of(cls, y: YearFigures) -> YearFiguresOut:
        return cls(
            year=y.year,
            value_eur=y.value_eur,
            sme_share=y.sme_share,
            by_nation={n: OriginValuesOut.model_validate(v) for n, v in y.by_nation.items()},
            new_suppliers=y.new_suppliers,
        )


class KpisOut(BaseModel):
    years: Annotated[list[YearFiguresOut], Field(max_length=201)] = Field(description="Oldest first.")


# --- who acts for whom -----------------------------------------------------------------


class FrameworkSettingsIn(StrictModel):
    accession_policy: Literal["open", "approval_required"] | None = Field(
        default=None, description="open: a request to accede takes effect at once; approval_required: the lead decides"
    )
    pooled_shares: Flag | None = Field(
        default=None, description="true: any participant calls off up to the ceiling; false: up to its own share"
    )


class AccessionDecisionIn(StrictModel):
    reason: Reason = ""


class CoordinatorIn(StrictModel):
    coordinator: Code = Field(description="The nation (alpha-3) or agency whose coordinators may act as the lead's.")


class AccessionRequestOut(BaseModel):
    framework_id: str
    nation: str
    quantity: int
    status: str = Field(description="pending until the lead decides, or approved at once when the framework is open")
