"""Request and response bodies of the demand API.

A bundle is rendered for one viewer: a nation desk gets totals, the participating
nations and its own lines and participation, never another nation's budget or priority.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from demand.domain.bundle import Bundle, BundleKind, BundleLine, Decision, Share
from demand.domain.funding import Assessment, evaluate
from demand.domain.model import Deviation, EndUser, Need, NeedVersion, Priority, YearQuantity
from demand.domain.reference import CatalogueItem, Nation
from demand.service_layer.views import DemandSheet, Preview

T = TypeVar("T")


class DeliveryWindowIn(BaseModel):
    start: date
    end: date


class YearQuantityIO(BaseModel):
    year: int = Field(ge=2000, le=2100)
    quantity: int

    def domain(self) -> YearQuantity:
        return YearQuantity(self.year, self.quantity)


class Money(BaseModel):
    amount: int = Field(description="Whole euros.", examples=[250_000_000])
    currency: str = Field(default="EUR", description="Budgets are kept in EUR only.")


class DeviationIO(BaseModel):
    description: str = Field(min_length=1, max_length=500, examples=["desert-climate propellant temperature range"])
    compatible: bool = Field(description="Whether the deviation still fits the harmonised specification.")

    def domain(self) -> Deviation:
        return Deviation(self.description, self.compatible)


class NeedIn(BaseModel):
    nation: str = Field(description="ISO 3166-1 alpha-3; must be the token's nation.", examples=["NLD"])
    item_code: str = Field(min_length=1, max_length=80, examples=["AMMO-155MM"])
    quantity: int | None = Field(
        default=None, description="Units; may be left out when yearly quantities are given.", examples=[10000]
    )
    yearly_quantities: list[YearQuantityIO] = Field(
        default_factory=list, description="A multi-year need: quantity per calendar year."
    )
    recurring: bool = Field(default=False, description="Demand that recurs every year (framework contract).")
    delivery_window: DeliveryWindowIn
    end_user: EndUser = EndUser.OWN_FORCES
    budget_ceiling: Money | None = None
    specification_ref: str | None = Field(default=None, description="Defaults to the item's harmonised one.")
    deviations: list[DeviationIO] = Field(default_factory=list)
    priority: Priority = Priority.ROUTINE
    preferred_funding: str | None = Field(default=None, examples=["EDIRPA", "SAFE", "EDIP-PCI"])
    draft: bool = Field(default=False, description="Keep as a draft: not bundled until submitted.")


class NeedAmendIn(BaseModel):
    """Only the fields present are changed; the need is checked whole afterwards."""

    quantity: int | None = None
    yearly_quantities: list[YearQuantityIO] | None = None
    recurring: bool | None = None
    delivery_window: DeliveryWindowIn | None = None
    end_user: EndUser | None = None
    budget_ceiling: Money | None = None
    specification_ref: str | None = None
    deviations: list[DeviationIO] | None = None
    priority: Priority | None = None
    preferred_funding: str | None = None


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class YearQuantityOut(BaseModel):
    """As stored: a row kept from before today's input bounds still reads."""

    year: int
    quantity: int


class DeliveryWindowOut(BaseModel):
    start: date
    end: date


class DeviationOut(BaseModel):
    description: str
    compatible: bool


class NeedOut(BaseModel):
    id: str
    nation: str
    item_code: str
    quantity: int
    yearly_quantities: list[YearQuantityOut]
    recurring: bool
    delivery_window: DeliveryWindowOut
    end_user: EndUser
    budget_ceiling: Money | None
    specification_ref: str | None
    deviations: list[DeviationOut]
    priority: Priority
    preferred_funding: str | None
    status: str
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
            budget_ceiling=Money(amount=need.budget_ceiling_eur) if need.budget_ceiling_eur is not None else None,
            specification_ref=need.specification_ref,
            deviations=[DeviationOut(description=d.description, compatible=d.compatible) for d in need.deviations],
            priority=need.priority,
            preferred_funding=need.preferred_funding,
            status=need.status.value,
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
    total_value_eur: int | None = Field(description="Coordinators only: the sum of the budget ceilings.")
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
            total_value_eur=sum(s.value_eur for s in bundle.shares) if viewer_nation is None else None,
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


class CommitIn(BaseModel):
    lead: str | None = Field(
        default=None,
        description="Lead nation (alpha-3) or agency (e.g. NSPA); defaults to the nominated lead, else the largest"
        " share.",
        examples=["CZE", "NSPA"],
    )


class OpenIn(BaseModel):
    deadline: date = Field(description="Participants confirm or decline until this day.")
    minimum_nations: int = Field(default=2, description="Confirmed nations needed to commit.")


class LeadIn(BaseModel):
    lead: str = Field(examples=["SWE", "NSPA"])


class DeadlineIn(BaseModel):
    deadline: date


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class SmeShareIn(BaseModel):
    share: float = Field(description="Planned share of the value going to SMEs, 0.15 = 15 %.")


class ParticipationIn(BaseModel):
    decision: Literal["confirm", "decline"]
    quantity: int | None = Field(default=None, description="Defaults to the nation's whole share.")
    funding_instrument: str | None = Field(default=None, examples=["EDIRPA"])


class AccessionIn(BaseModel):
    yearly_quantities: list[YearQuantityIO] = Field(min_length=1)
    budget_ceiling: Money | None = None


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


class ItemIn(BaseModel):
    code: str = Field(examples=["AMMO-105MM"])
    name: str
    category: str
    unit: str
    nsn: str | None = Field(default=None, description="NATO Stock Number, 1320-12-345-6789 style.")
    platforms: list[str] = Field(default_factory=list)
    specification_ref: str | None = None


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
