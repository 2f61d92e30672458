"""Request and response bodies of the demand API.

A request takes nothing on trust: every model derives from `StrictModel` (a misspelt
field is refused, not dropped) and spells its fields with the strict types of
`bundling_shared.strict`, so that a number, a date, a string and a list each have bounds
and every refusal names its field and rule. Money is decimal EUR with cents, answered as
a decimal string with two decimals (``"250000000.00"``): a JSON number would reach many
clients as a binary float.

A bundle is rendered for one viewer: a nation desk gets totals, the participating
nations and its own lines and participation, never another nation's budget or priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, Strict
from pydantic_core import PydanticCustomError

from bundling_shared.strict import (
    CODE_PATTERN,
    EARLIEST_YEAR,
    LATEST_YEAR,
    Alpha3,
    Code,
    Day,
    EurAmount,
    Flag,
    Fraction,
    Label,
    Name,
    Quantity,
    Reason,
    StrictModel,
    Year,
)
from demand.domain.bundle import Bundle, BundleKind, BundleLine, Decision, Share
from demand.domain.funding import Assessment, evaluate
from demand.domain.model import CENT, Deviation, EndUser, Need, NeedVersion, Priority, YearQuantity
from demand.domain.reference import NATIONS, CatalogueItem, Nation
from demand.service_layer.views import DemandSheet, Preview

T = TypeVar("T")

PLANNING_YEARS = LATEST_YEAR - EARLIEST_YEAR + 1
"""The most yearly quantities a need can have: one per year of the planning range."""

MAX_DEVIATIONS = 50
MAX_PLATFORMS = 100
MAX_PAGE = 500
MAX_OFFSET = 1_000_000_000


def _known_nation(code: str) -> str:
    if code not in NATIONS:
        raise PydanticCustomError("unknown_nation", "{code} is not a nation of the reference data", {"code": code})
    return code


KnownNation = Annotated[Alpha3, AfterValidator(_known_nation)]
"""An ISO 3166-1 alpha-3 code of a nation in the reference data."""

PartyRef = Annotated[str, Strict(), Field(min_length=2, max_length=10, pattern=r"^[A-Z]+$", examples=["CZE", "NSPA"])]
"""A lead: a nation's alpha-3 code or an agency (NSPA, EDA, OCCAR); the domain checks which."""

Instrument = Annotated[str, Strict(), Field(min_length=1, max_length=30, pattern=CODE_PATTERN.pattern)]
"""A funding instrument's name (EDIRPA, SAFE, EDIP-PCI); the domain checks it is known."""

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""An id as the service makes them (need-<32 hex digits>): one that could never be made is a
422; one that could but does not exist, or is not the caller's to see, a 404."""
NeedId = Annotated[str, Path(pattern=ID_PATTERN, examples=["need-01a242be8d507241a657861ca236f598"])]
BundleId = Annotated[str, Path(pattern=ID_PATTERN, examples=["bundle-01a242be8d507241a657861ca236f598"])]
ItemCode = Annotated[str, Path(max_length=80, pattern=CODE_PATTERN.pattern, examples=["AMMO-155MM"])]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
ItemFilter = Annotated[str | None, Query(max_length=80, pattern=CODE_PATTERN.pattern)]
NationFilter = Annotated[KnownNation | None, Query(description="One nation's needs, alpha-3.")]
CategoryFilter = Annotated[Label | None, Query()]


def _eur_text(amount: Decimal) -> str:
    return f"{amount.quantize(CENT):f}"


EurText = Annotated[
    Decimal,
    PlainSerializer(_eur_text, return_type=str, when_used="always"),
    Field(examples=["250000000.00"], json_schema_extra={"pattern": r"^[0-9]+\.[0-9]{2}$"}),
]
"""An amount as answered: a decimal string with cents."""


Amount = EurAmount
"""EUR with cents in a request: a number, or a string of digits such as ``"1234.56"``."""


def _in_eur(currency: str) -> str:
    if currency.upper() != "EUR":
        raise PydanticCustomError(
            "currency_not_eur", "budgets are kept in EUR; {currency} was given", {"currency": currency}
        )
    return "EUR"


class DeliveryWindowIn(StrictModel):
    start: Day
    end: Day


class DeliveryWindowOut(BaseModel):
    start: date
    end: date


class YearQuantityIn(StrictModel):
    year: Year
    quantity: Quantity

    def domain(self) -> YearQuantity:
        return YearQuantity(self.year, self.quantity)


class YearQuantityOut(BaseModel):
    """As stored: a row kept from before today's input bounds still reads."""

    year: int
    quantity: int


class MoneyIn(StrictModel):
    amount: Amount = Field(description="EUR with at most two decimals, as a number or a string.")
    currency: Annotated[str, Strict(), Field(min_length=3, max_length=3), AfterValidator(_in_eur)] = Field(
        default="EUR", description="Budgets are kept in EUR only."
    )


class MoneyOut(BaseModel):
    amount: EurText = Field(description="EUR with cents, as a decimal string.")
    currency: str = "EUR"


class DeviationIO(StrictModel):
    description: Reason = Field(examples=["desert-climate propellant temperature range"])
    compatible: Flag = Field(description="Whether the deviation still fits the harmonised specification.")

    def domain(self) -> Deviation:
        return Deviation(self.description, self.compatible)


class DeviationOut(BaseModel):
    description: str
    compatible: bool


YearlyIn = Annotated[list[YearQuantityIn], Field(max_length=PLANNING_YEARS)]
DeviationsIn = Annotated[list[DeviationIO], Field(max_length=MAX_DEVIATIONS)]


class NeedIn(StrictModel):
    nation: KnownNation = Field(description="ISO 3166-1 alpha-3; must be the token's nation.", examples=["NLD"])
    item_code: Code = Field(examples=["AMMO-155MM"])
    quantity: Quantity | None = Field(
        default=None, description="Units; may be left out when yearly quantities are given.", examples=[10000]
    )
    yearly_quantities: YearlyIn = Field(
        default_factory=list, description="A multi-year need: quantity per calendar year."
    )
    recurring: Flag = Field(default=False, description="Demand that recurs every year (framework contract).")
    delivery_window: DeliveryWindowIn
    end_user: EndUser = EndUser.OWN_FORCES
    budget_ceiling: MoneyIn | None = None
    specification_ref: Code | None = Field(default=None, description="Defaults to the item's harmonised one.")
    deviations: DeviationsIn = Field(default_factory=list)
    priority: Priority = Priority.ROUTINE
    preferred_funding: Instrument | None = Field(default=None, examples=["EDIRPA", "SAFE", "EDIP-PCI"])
    draft: Flag = Field(default=False, description="Keep as a draft: not bundled until submitted.")


class NeedAmendIn(StrictModel):
    """Only the fields present are changed; the need is checked whole afterwards."""

    quantity: Quantity | None = None
    yearly_quantities: YearlyIn | None = None
    recurring: Flag | None = None
    delivery_window: DeliveryWindowIn | None = None
    end_user: EndUser | None = None
    budget_ceiling: MoneyIn | None = None
    specification_ref: Code | None = None
    deviations: DeviationsIn | None = None
    priority: Priority | None = None
    preferred_funding: Instrument | None = None


class WithdrawIn(StrictModel):
    reason: Reason | None = None


class NeedOut(BaseModel):
    id: str
    nation: str
    item_code: str
    quantity: int
    yearly_quantities: list[YearQuantityOut]
    recurring: bool
    delivery_window: DeliveryWindowOut
    end_user: EndUser
    budget_ceiling: MoneyOut | None
    specification_ref: str | None
    deviations: list[DeviationOut]
    priority: Priority
    preferred_funding: str | None
    status: str
    status_reason: str | None = Field(
        default=None, description="Why the bundling engine set the need aside, while it is unplaceable."
    )
    version: int
    bundle_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, need: Need) -> NeedOut:
        return cls(
            id=need.id,
            nation=need.nation,
            item_code=need.item_code,
            quantity=need.quantity,
            yearly_quantities=[YearQuantityOut(year=y.year, quantity=y.quantity) for y in need.yearly],
            recurring=need.recurring,
            delivery_window=DeliveryWindowOut(start=need.window_start, end=need.window_end),
            end_user=need.end_user,
            budget_ceiling=MoneyOut(amount=need.budget_ceiling_eur) if need.budget_ceiling_eur is not None else None,
            specification_ref=need.specification_ref,
            deviations=[DeviationOut(description=d.description, compatible=d.compatible) for d in need.deviations],
            priority=need.priority,
            preferred_funding=need.preferred_funding,
            status=need.status.value,
            status_reason=need.status_reason,
            version=need.version,
            bundle_id=need.bundle_id,
            created_at=need.created_at,
            updated_at=need.updated_at,
        )


class NeedVersionOut(BaseModel):
    version: int
    recorded_at: datetime
    recorded_by: str
    change: str
    snapshot: dict[str, Any]

    @classmethod
    def of(cls, v: NeedVersion) -> NeedVersionOut:
        return cls(
            version=v.version,
            recorded_at=v.recorded_at,
            recorded_by=v.recorded_by,
            change=v.change,
            snapshot=v.snapshot,
        )


class FundingOut(BaseModel):
    instrument: str
    qualifies: bool
    reason: str
    co_funding_rate: float | None
    rules_version: str = Field(description="The funding rule set the verdict was made under.")

    @classmethod
    def of(cls, a: Assessment) -> FundingOut:
        return cls(
            instrument=a.instrument,
            qualifies=a.qualifies,
            reason=a.reason,
            co_funding_rate=a.co_funding_rate,
            rules_version=a.rules_version,
        )


class BundleLineOut(BaseModel):
    need_id: str
    nation: str
    quantity: int
    reason: str = Field(description="Why this need joined this bundle.")


class ParticipationOut(BaseModel):
    nation: str
    status: str
    quantity: int
    confirmed_quantity: int | None
    yearly_quantities: list[YearQuantityOut]
    funding_instrument: str | None

    @classmethod
    def of(cls, s: Share) -> ParticipationOut:
        return cls(
            nation=s.nation,
            status=s.participation.value,
            quantity=s.quantity,
            confirmed_quantity=s.confirmed_quantity,
            yearly_quantities=[YearQuantityOut(year=y.year, quantity=y.quantity) for y in s.yearly],
            funding_instrument=s.funding_instrument,
        )


class BundleOut(BaseModel):
    """A bundle as one viewer may see it: a nation desk gets totals and its own lines only."""

    id: str
    item_code: str
    kind: BundleKind
    specification_ref: str | None
    harmonised: bool
    status: str
    lead: str | None
    proposed_lead: str | None
    revision: int
    total_quantity: int
    total_value_eur: EurText | None = Field(
        description="Coordinators only: the sum of the budget ceilings, EUR with cents as a decimal string."
    )
    nations: list[str]
    nation_count: int
    delivery_window: DeliveryWindowOut | None
    yearly_totals: list[YearQuantityOut] = Field(description="Quantities per year over all its nations.")
    ceiling_quantity: int | None = Field(
        description="A framework contract's ceiling: the sum of the yearly quantities (none for a joint order)."
    )
    duration: DeliveryWindowOut | None = Field(
        description="A framework contract's duration: from the first to the last year with quantities."
    )
    accession_deadline: date | None
    minimum_nations: int
    accession_open: bool
    closed_reason: str | None
    cancel_reason: str | None
    contracting_problem: str | None = Field(
        description="Why the contracts service could not contract the committed bundle (a rule of the contract it "
        "breaks); none once contracted. Its lead amends the bundle or asks an administrator."
    )
    sme_share: float | None
    funding: list[FundingOut]
    participation: list[ParticipationOut]
    lines: list[BundleLineOut]

    @classmethod
    def of(cls, bundle: Bundle, lines: Sequence[BundleLine], viewer_nation: str | None) -> BundleOut:
        def mine(nation: str) -> bool:
            return viewer_nation is None or nation == viewer_nation

        terms = bundle.framework_terms()
        return cls(
            id=bundle.id,
            item_code=bundle.item_code,
            kind=bundle.kind,
            specification_ref=bundle.specification_ref,
            harmonised=bundle.variant == "harmonised",
            status=bundle.status.value,
            lead=bundle.lead,
            proposed_lead=bundle.lead or bundle.proposed_lead,
            revision=bundle.revision,
            total_quantity=bundle.total_quantity,
            total_value_eur=sum((s.value_eur for s in bundle.shares), Decimal(0)) if viewer_nation is None else None,
            nations=bundle.nations,
            nation_count=len(bundle.nations),
            delivery_window=DeliveryWindowOut(start=bundle.window_start, end=bundle.window_end),
            yearly_totals=[YearQuantityOut(year=y.year, quantity=y.quantity) for y in bundle.yearly_totals()],
            ceiling_quantity=terms[0] if terms else None,
            duration=DeliveryWindowOut(start=terms[1], end=terms[2]) if terms else None,
            accession_deadline=bundle.deadline,
            minimum_nations=bundle.minimum_nations,
            accession_open=bundle.accession_open,
            closed_reason=bundle.closed_reason,
            cancel_reason=bundle.cancel_reason,
            contracting_problem=bundle.contracting_problem,
            sme_share=bundle.sme_share,
            # Shown only to its participants and coordinators: the reasons may name its nations.
            funding=[FundingOut.of(a) for a in evaluate(bundle.facts(), named=True)],
            participation=[ParticipationOut.of(s) for s in bundle.shares if mine(s.nation)],
            lines=[
                BundleLineOut(need_id=x.need_id, nation=x.nation, quantity=x.quantity, reason=x.reason)
                for x in lines
                if mine(x.nation)
            ],
        )


class TrailEntryOut(BaseModel):
    at: datetime
    kind: str
    reason: str
    need_id: str | None
    nation: str | None

    @classmethod
    def of(cls, d: Decision) -> TrailEntryOut:
        return cls(at=d.at, kind=d.kind.value, reason=d.reason, need_id=d.need_id, nation=d.nation)


class CommitIn(StrictModel):
    lead: PartyRef | None = Field(
        default=None,
        description="Lead nation (alpha-3) or agency (e.g. NSPA); defaults to the nominated lead, else the largest"
        " share.",
        examples=["CZE", "NSPA"],
    )


class OpenIn(StrictModel):
    deadline: Day = Field(description="Participants confirm or decline until this day.")
    minimum_nations: Annotated[int, Strict(), Field(ge=1, le=len(NATIONS))] = Field(
        default=2, description="Confirmed nations needed to commit."
    )


class LeadIn(StrictModel):
    lead: PartyRef = Field(examples=["SWE", "NSPA"])


class DeadlineIn(StrictModel):
    deadline: Day


class ReasonIn(StrictModel):
    reason: Reason


class SmeShareIn(StrictModel):
    share: Fraction = Field(description="Planned share of the value going to SMEs, 0.15 = 15 %.")


class ParticipationIn(StrictModel):
    decision: Literal["confirm", "decline"]
    quantity: Quantity | None = Field(default=None, description="Defaults to the nation's whole share.")
    funding_instrument: Instrument | None = Field(default=None, examples=["EDIRPA"])


class AccessionIn(StrictModel):
    yearly_quantities: Annotated[list[YearQuantityIn], Field(min_length=1, max_length=PLANNING_YEARS)]
    budget_ceiling: MoneyIn | None = None


class NationOut(BaseModel):
    code: str
    name: str
    eu: bool
    nato: bool
    eea_efta: bool
    partner: bool

    @classmethod
    def of(cls, n: Nation) -> NationOut:
        return cls(code=n.code, name=n.name, eu=n.eu, nato=n.nato, eea_efta=n.eea_efta, partner=n.partner)


class ItemIn(StrictModel):
    code: Code = Field(examples=["AMMO-105MM"])
    name: Name
    category: Label
    unit: Label
    nsn: Label | None = Field(default=None, description="NATO Stock Number, 1320-12-345-6789 style.")
    platforms: Annotated[list[Label], Field(max_length=MAX_PLATFORMS)] = Field(default_factory=list)
    specification_ref: Code | None = None


class ItemOut(BaseModel):
    code: str
    name: str
    category: str
    unit: str
    nsn: str | None
    platforms: list[str]
    specification_ref: str | None
    retired: bool
    retired_reason: str | None
    user_groups: dict[str, list[str]] = Field(description="Per platform, the nations operating it.")

    @classmethod
    def of(cls, item: CatalogueItem) -> ItemOut:
        return cls(
            code=item.code,
            name=item.name,
            category=item.category,
            unit=item.unit,
            nsn=item.nsn,
            platforms=item.platforms,
            specification_ref=item.specification_ref,
            retired=item.retired,
            retired_reason=item.retired_reason,
            user_groups=item.user_groups(),
        )


class OperatorsOut(BaseModel):
    item_code: str
    operators: list[str] = Field(description="Every nation operating a platform the item fits.")
    others: list[str] = Field(description="The same, without the asking nation.")
    user_groups: dict[str, list[str]]


class PreviewOut(BaseModel):
    would_join: str | None = Field(description="Bundle id, shown when the nation is already in it.")
    joins_existing: bool
    kind: BundleKind
    reason: str
    passed_over: list[str] = Field(
        description="Why older bundles were not joined; one the nation is not in is 'an older bundle', no id."
    )
    total_quantity: int
    nation_count: int
    funding: list[FundingOut] = Field(
        description="The reasons count the nations; they name them only when the nation is in the bundle."
    )

    @classmethod
    def of(cls, p: Preview) -> PreviewOut:
        return cls(
            would_join=p.joins_bundle if p.visible else None,
            joins_existing=p.joins_bundle is not None,
            kind=p.kind,
            reason=p.reason,
            passed_over=p.passed_over,
            total_quantity=p.total_quantity,
            nation_count=p.nation_count,
            funding=[FundingOut.of(a) for a in p.funding],
        )


class OpenBundleOut(BaseModel):
    id: str
    kind: BundleKind
    status: str
    total_quantity: int
    nation_count: int
    accession_open: bool
    accession_deadline: date | None


class DemandSheetOut(BaseModel):
    item_code: str
    per_year: dict[int, int]
    total_quantity: int
    ukraine_quantity: int
    nation_count: int
    need_count: int
    open_bundles: list[OpenBundleOut]

    @classmethod
    def of(cls, s: DemandSheet) -> DemandSheetOut:
        return cls(
            item_code=s.item_code,
            per_year=s.per_year,
            total_quantity=s.total_quantity,
            ukraine_quantity=s.ukraine_quantity,
            nation_count=s.nation_count,
            need_count=s.need_count,
            open_bundles=[
                OpenBundleOut(
                    id=b.id,
                    kind=b.kind,
                    status=b.status.value,
                    total_quantity=b.total_quantity,
                    nation_count=b.nation_count,
                    accession_open=b.accession_open,
                    accession_deadline=b.deadline,
                )
                for b in s.open_bundles
            ],
        )


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    total: int = 0
