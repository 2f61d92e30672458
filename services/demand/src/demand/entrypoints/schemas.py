"""Request and response bodies of the demand API.

A request takes nothing on trust: every model derives from `StrictModel` (a misspelt
field is refused, not dropped) and spells its fields with the strict types of
`bundling_shared.strict`, so that a number, a date, a string and a list each have bounds
and every refusal names its field and rule. Money is decimal EUR with cents, answered as
a decimal string with two decimals (``"250000000.00"``): a JSON number would reach many
clients as a binary float.

A bundle is rendered for one viewer: a nation desk gets totals, the participating
nations and its own participation, never another nation's budget or priority. Its lines
grow with its needs, so they are not part of it: they are read a page at a time, a desk's
its own only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, Strict
from pydantic_core import PydanticCustomError

from bundling_shared.copying import copied
from bundling_shared.strict import (
    CODE_PATTERN,
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
from demand.domain.bundle import Bundle, BundleKind, Share
from demand.domain.capacity import ItemCapacity
from demand.domain.errors import DemandRuleViolation
from demand.domain.follow_on import FollowOn
from demand.domain.fund import MAX_PURCHASES
from demand.domain.funding import ELIGIBILITY, Assessment, InstrumentRule, RuleSet, share_of
from demand.domain.need import CENT, Deviation, EndUser, ListedNeed, NeedTerms, Priority, YearQuantity
from demand.domain.pledge import Pledge, PledgeTerms, PledgeTotals
from demand.domain.reference import NATIONS, CatalogueItem
from demand.service_layer.funds import CONTRIBUTIONS_SHOWN, FundView
from demand.service_layer.pledges import PledgeView
from demand.service_layer.views import OPEN_BUNDLES_SHOWN, PLANNING_YEARS, DemandSheet, Preview

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
"""An id as the service makes them (need-<32 hex digits>): one that could never be made is a
422; one that could but does not exist, or is not the caller's to see, a 404."""
ObjectId = Annotated[str, Strict(), Field(pattern=ID_PATTERN)]

MAX_DEVIATIONS = 50
MAX_PLATFORMS = 100
MAX_NATIONS = 100
"""More than the nations of the reference data, which are all a need, a bundle or a user
group can name."""
MAX_INSTRUMENTS = 20
"""Funding instruments assessed for a bundle: one per rule of the rule set in force."""

Nations = Annotated[list[str], Field(max_length=MAX_NATIONS)]


def _known_nation(code: str) -> str:
    if code not in NATIONS:
        raise PydanticCustomError("unknown_nation", "{code} is not a nation of the reference data", {"code": code})
    return code


KnownNation = Annotated[Alpha3, AfterValidator(_known_nation)]
"""An ISO 3166-1 alpha-3 code of a nation in the reference data."""

PartyRef = Annotated[str, Strict(), Field(min_length=2, max_length=10, pattern=r"^[A-Z]+$", examples=["CZE", "NSPA"])]
"""A lead: a nation's alpha-3 code or an agency (NSPA, EDA, OCCAR); the domain checks which."""

Instrument = Annotated[str, Strict(), Field(min_length=1, max_length=30, pattern=CODE_PATTERN.pattern)]
"""A funding instrument's name (EDIRPA, SAFE, EDIP); the domain checks it is known."""


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


def yearly_of(given: Sequence[YearQuantityIn] | None) -> list[YearQuantity]:
    return [y.domain() for y in given or []]


class YearQuantityOut(BaseModel):
    """As stored: a row kept from before today's input bounds still reads."""

    model_config = ConfigDict(from_attributes=True)

    year: int
    quantity: int


Yearly = Annotated[list[YearQuantityOut], Field(max_length=PLANNING_YEARS)]


class MoneyIn(StrictModel):
    amount: Amount = Field(description="EUR with at most two decimals, as a number or a string.")
    currency: Annotated[str, Strict(), Field(min_length=3, max_length=3), AfterValidator(_in_eur)] = Field(
        default="EUR", description="Budgets are kept in EUR only."
    )


def eur(money: MoneyIn | None) -> Decimal | None:
    """EUR with cents; the request model refused another currency rather than convert it."""
    return None if money is None else money.amount


class MoneyOut(BaseModel):
    amount: EurText = Field(description="EUR with cents, as a decimal string.")
    currency: str = "EUR"


class DeviationIO(StrictModel):
    description: Reason = Field(examples=["desert-climate propellant temperature range"])
    compatible: Flag = Field(description="Whether the deviation still fits the harmonised specification.")

    def domain(self) -> Deviation:
        return Deviation(self.description, self.compatible)


class DeviationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    preferred_funding: Instrument | None = Field(default=None, examples=["EDIRPA", "SAFE", "EDIP"])
    draft: Flag = Field(default=False, description="Keep as a draft: not bundled until submitted.")

    def terms(self) -> NeedTerms:
        return NeedTerms(
            nation=self.nation,
            item_code=self.item_code,
            quantity=self.quantity,
            window_start=self.delivery_window.start,
            window_end=self.delivery_window.end,
            end_user=self.end_user,
            yearly=yearly_of(self.yearly_quantities),
            recurring=self.recurring,
            budget_ceiling_eur=eur(self.budget_ceiling),
            specification_ref=self.specification_ref,
            deviations=[d.domain() for d in self.deviations],
            priority=self.priority,
            preferred_funding=self.preferred_funding,
        )


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

    def changes(self) -> dict[str, Any]:
        """The fields given, in the need's own names; a field that must have a value cannot
        be emptied with null."""
        given = self.model_fields_set
        changes: dict[str, Any] = {name: getattr(self, name) for name in COPIED if name in given}
        if "yearly_quantities" in given:
            changes["yearly"] = yearly_of(self.yearly_quantities)
        if "deviations" in given:
            changes["deviations"] = [d.domain() for d in self.deviations or []]
        if "budget_ceiling" in given:
            changes["budget_ceiling_eur"] = eur(self.budget_ceiling)
        if self.delivery_window is not None:
            changes["window_start"] = self.delivery_window.start
            changes["window_end"] = self.delivery_window.end
        for name in ("quantity", "recurring", "end_user", "priority"):
            if name in changes and changes[name] is None:
                raise DemandRuleViolation(f"{name} cannot be emptied")
        return changes


COPIED = ("quantity", "recurring", "end_user", "specification_ref", "priority", "preferred_funding")
"""The fields of an amendment named as the need names them."""


class WithdrawIn(StrictModel):
    reason: Reason | None = None


class NeedOut(BaseModel):
    id: str
    nation: str
    item_code: str
    quantity: int
    yearly_quantities: Yearly
    recurring: bool
    delivery_window: DeliveryWindowOut
    end_user: EndUser
    budget_ceiling: MoneyOut | None
    specification_ref: str | None
    deviations: Annotated[list[DeviationOut], Field(max_length=MAX_DEVIATIONS)]
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
    def of(cls, need: ListedNeed) -> NeedOut:
        return copied(
            cls,
            need,
            yearly_quantities=need.yearly,
            delivery_window=DeliveryWindowOut(start=need.window_start, end=need.window_end),
            budget_ceiling=MoneyOut(amount=need.budget_ceiling_eur) if need.budget_ceiling_eur is not None else None,
            status=need.status.value,
        )


class NeedSnapshotOut(BaseModel):
    """The need as it stood at one version."""

    quantity: int | None
    yearly: Yearly
    recurring: bool
    delivery_window: DeliveryWindowOut
    end_user: str
    budget_ceiling_eur: str | None
    specification_ref: str | None
    deviations: Annotated[list[DeviationOut], Field(max_length=MAX_DEVIATIONS)]
    priority: str
    preferred_funding: str | None
    status: str


class NeedVersionOut(BaseModel):
    version: int
    recorded_at: datetime
    recorded_by: str
    change: str
    snapshot: NeedSnapshotOut


class NationContributionOut(BaseModel):
    nation: str
    value_eur: EurText = Field(
        description="The nation's value in the bundle: its quantity at the unit price (awarded, else estimated), or"
        " without one the budget ceilings of its needs."
    )
    max_contribution_eur: EurText = Field(description="The rate applied to that value, to the cent.")


class FundingOut(BaseModel):
    """One instrument's verdict. For a grant, the most the EU may pay in euros with the
    calculation; a nation desk sees its own part of it, a coordinator the whole and each
    nation's part (a desk does not learn the others' budgets through it)."""

    instrument: str
    qualifies: bool
    reason: str
    support: Literal["grant", "loan"] = Field(description="A grant pays a share of the value; a loan is lent.")
    co_funding_rate: float | None = Field(description="A grant's maximum share of the eligible value, 0.15 = 15 %.")
    eligible_value_eur: EurText | None = Field(
        description="Coordinators only: the value the rate applies to, the sum of the nations' values."
    )
    max_contribution_eur: EurText | None = Field(
        description="Coordinators only: the most the EU may pay, rate x eligible value rounded down to the cent."
    )
    calculation: str | None = Field(description="Coordinators only: the arithmetic, in words.")
    nation_contributions: Annotated[list[NationContributionOut], Field(max_length=MAX_NATIONS)] = Field(
        description="The rate applied to each nation's value (a desk: its own only)."
    )
    rules_version: str = Field(description="The funding rule set the verdict was made under.")
    assessed_on: date | None = Field(description="The day of the verdict: the commit's day once committed.")
    source: str = Field(description="The regulation and articles the rule comes from.")

    @classmethod
    def of(cls, a: Assessment, values: Sequence[tuple[str, Decimal]], *, whole: bool) -> Self:
        """`values`: each nation's value the reader may see; `whole`: the reader sees the
        bundle's total too."""
        parts = [
            NationContributionOut(nation=nation, value_eur=value, max_contribution_eur=part)
            for nation, value in values
            if (part := share_of(a, value)) is not None
        ]
        return copied(
            cls,
            a,
            eligible_value_eur=a.eligible_value_eur if whole else None,
            max_contribution_eur=a.max_contribution_eur if whole else None,
            calculation=(a.calculation or None) if whole else None,
            nation_contributions=parts,
        )

    @classmethod
    def of_bundle(cls, a: Assessment, bundle: Bundle, viewer_nation: str | None) -> Self:
        seen = [(s.nation, bundle.value_of(s)) for s in bundle.shares if viewer_nation in (None, s.nation)]
        return cls.of(a, seen, whole=viewer_nation is None)


class BundleLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    need_id: str
    nation: str
    quantity: int
    reason: str = Field(description="Why this need joined this bundle.")


class ParticipationSummaryOut(BaseModel):
    """A nation's part of a bundle without its quantities per year."""

    nation: str
    status: str
    quantity: int
    confirmed_quantity: int | None
    funding_instrument: str | None

    @classmethod
    def fields_of(cls, s: Share) -> dict[str, Any]:
        """Its fields, checked when the bundle's answer is: a page of bundles holds one per
        nation of each, and one validation of the page's dicts takes a third less than
        building each part as a model of its own."""
        return {
            "nation": s.nation,
            "status": s.participation.value,
            "quantity": s.quantity,
            "confirmed_quantity": s.confirmed_quantity,
            "funding_instrument": s.funding_instrument,
        }


class ParticipationOut(ParticipationSummaryOut):
    yearly_quantities: Yearly

    @classmethod
    def fields_of(cls, s: Share) -> dict[str, Any]:
        return super().fields_of(s) | {"yearly_quantities": s.yearly}


class ExpectedQuantityOut(BaseModel):
    nation: str
    quantity: int = Field(description="What the nation bought under the expiring contract or framework.")
    yearly: Yearly = Field(
        default_factory=list,
        description="What it took each year of the expiring term, moved a term later: the round's starting"
        " point year by year (empty when the agreement's years are not known here).",
    )


class FollowOnOut(BaseModel):
    """What a follow-on round follows on: a contract or framework nearing its end. Its nations
    join the round by registering their follow-on needs."""

    kind: Literal["contract", "framework"]
    agreement_id: str
    contracting_authority: str
    ends_on: date
    horizon_years: int = Field(description="Opened this many years ahead of the end (the first horizon told).")
    nations: Nations = Field(description="The nations of the expiring agreement, asked to the round.")
    expected: Annotated[list[ExpectedQuantityOut], Field(max_length=MAX_NATIONS)] = Field(
        description="What each nation bought under it, as the round's starting point (a desk: its own)."
    )
    reason: str
    also_follows: Annotated[list[str], Field(max_length=MAX_NATIONS)] = Field(
        default_factory=list,
        description="The other contracts of the same bundle this round follows too (one per buyer).",
    )

    @classmethod
    def of(cls, follows: FollowOn, viewer_nation: str | None) -> Self:
        return cls(
            kind="framework" if follows.agreement_kind == "framework" else "contract",
            agreement_id=follows.agreement_id,
            contracting_authority=follows.contracting_authority,
            ends_on=follows.ends_on,
            horizon_years=follows.horizon_years,
            nations=follows.nations,
            expected=[
                ExpectedQuantityOut(
                    nation=n,
                    quantity=q,
                    yearly=[YearQuantityOut.model_validate(y) for y in follows.expected_yearly(n)],
                )
                for n, q in follows.expected_of(viewer_nation).items()
            ],
            reason=follows.reason,
            also_follows=list(follows.also_follows),
        )


class BundleSummaryOut(BaseModel):
    """A bundle in a list, as one viewer may see it: a nation desk gets totals and its own
    part only. Its size is bounded by the number of nations alone: what grows with its
    needs (the lines) or with its years, and the reasons of the funding assessment, are
    read on the bundle itself."""

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
        description="Coordinators only: its value, EUR with cents as a decimal string: the quantities at the unit"
        " price (awarded, else estimated), or without one the sum of the budget ceilings (`value_basis`)."
    )
    unit_price_eur: EurText | None = Field(
        description="What one unit costs: the awarded price once its contract is signed, else its lead's estimate."
    )
    value_basis: Literal["awarded unit price", "estimated unit price", "budget ceilings"] = Field(
        description="What its values (and the euros of its co-funding) are reckoned from."
    )
    nations: Nations
    nation_count: int
    line_count: int = Field(
        description="The lines this viewer may read (`GET /v1/bundles/{id}/lines`): all of them for its lead, a "
        "desk's own nation's otherwise."
    )
    delivery_window: DeliveryWindowOut | None
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
    participation: tuple[ParticipationSummaryOut, ...] = Field(
        description="Each nation's answer and quantities (a desk: its own nation's); `invited`: a nation of the"
        " agreement a follow-on round follows on, with no need in it yet.",
        max_length=MAX_NATIONS,
    )
    follows_on: FollowOnOut | None = Field(
        description="A follow-on round: the contract or framework nearing its end it follows on; none otherwise."
    )
    qualifies_for: Annotated[list[str], Field(max_length=MAX_INSTRUMENTS)] = Field(
        description="The funding instruments it qualifies for, as assessed today (once committed, as it was"
        " committed under): a board's column. Why, and what each would pay, are on the bundle itself."
    )

    PART: ClassVar[type[ParticipationSummaryOut]] = ParticipationSummaryOut

    @classmethod
    def of(cls, bundle: Bundle, viewer_nation: str | None, today: date) -> Self:
        return copied(cls, bundle, **cls._computed(bundle, viewer_nation, today))

    @classmethod
    def _computed(cls, bundle: Bundle, viewer_nation: str | None, today: date) -> dict[str, Any]:
        """The fields not copied from the bundle, as `viewer_nation` may see them (None:
        all), its funding as assessed `today` unless committed."""
        own = bundle.share(viewer_nation) if viewer_nation is not None else None
        terms = bundle.framework_terms()
        return {
            "harmonised": bundle.variant == "harmonised",
            "status": bundle.status.value,
            "proposed_lead": bundle.lead or bundle.proposed_lead,
            "total_value_eur": bundle.value_eur_total() if viewer_nation is None else None,
            "value_basis": bundle.value_basis,
            "nation_count": len(bundle.nations),
            "line_count": bundle.line_count if viewer_nation is None else own.need_count if own else 0,
            "delivery_window": DeliveryWindowOut(start=bundle.window_start, end=bundle.window_end),
            "ceiling_quantity": terms[0] if terms else None,
            "duration": DeliveryWindowOut(start=terms[1], end=terms[2]) if terms else None,
            "accession_deadline": bundle.deadline,
            "participation": [cls.PART.fields_of(s) for s in bundle.shares if viewer_nation in (None, s.nation)],
            "follows_on": FollowOnOut.of(bundle.follows_on, viewer_nation) if bundle.follows_on else None,
            "qualifies_for": [a.instrument for a in bundle.funding(today) if a.qualifies],
        }


SUPPLY_RISKS_SHOWN = 100
THROUGH_SHOWN = 50
"""The sources named per supply risk: the specification and the first lines' companies."""


class SupplyRiskOut(BaseModel):
    """A high- or critical-risk material the item depends on (the contracts service's
    reference list, as told with the item's specification and its lines)."""

    material: str
    risk: Literal["high", "critical"]
    through: Annotated[list[str], Field(max_length=THROUGH_SHOWN)] = Field(
        description="`specification` (its harmonised specification names it) and/or the companies whose lines take it."
    )


def _supply_risks(capacity: ItemCapacity) -> list[SupplyRiskOut]:
    return [
        SupplyRiskOut(material=r.material, risk=r.risk, through=r.through[:THROUGH_SHOWN])
        for r in capacity.supply_risks[:SUPPLY_RISKS_SHOWN]
    ]


class BundleOut(BundleSummaryOut):
    """A bundle as one viewer may see it: a nation desk gets totals and its own part only.
    Everything in it is bounded by the number of nations and years, not of needs: its lines
    are read a page at a time (`GET /v1/bundles/{id}/lines`)."""

    yearly_totals: Yearly = Field(description="Quantities per year over all its nations.")
    funding: Annotated[list[FundingOut], Field(max_length=MAX_INSTRUMENTS)]
    money: BundleMoneyOut | None = Field(
        default=None,
        description="Its money side from pledges (on GET /v1/bundles/{id}): totals; its value and the gap to"
        " coordinators only.",
    )
    capacity: ItemCapacityOut | None = Field(
        default=None,
        description="Its item's declared production capacity over the years of its delivery window, and its lines"
        " (on GET /v1/bundles/{id}).",
    )
    supply_risks: Annotated[list[SupplyRiskOut], Field(max_length=SUPPLY_RISKS_SHOWN)] | None = Field(
        default=None,
        description="The high- and critical-risk materials its item's specification and production lines depend on,"
        " gravest first (on GET /v1/bundles/{id}).",
    )
    participation: tuple[ParticipationOut, ...] = Field(
        description="Each nation's answer and quantities, per year too (a desk: its own nation's).",
        max_length=MAX_NATIONS,
    )
    PART = ParticipationOut

    @classmethod
    def with_money(
        cls,
        bundle: Bundle,
        viewer_nation: str | None,
        today: date,
        money: PledgeTotals | None,
        capacity: ItemCapacity | None = None,
    ) -> Self:
        out = cls.of(bundle, viewer_nation, today)
        if money is not None:
            value = bundle.value_eur_total()
            out.money = BundleMoneyOut.of_bundle(money, value, whole=viewer_nation is None)
        if capacity is not None:
            out.capacity = ItemCapacityOut.of(capacity)
            out.supply_risks = _supply_risks(capacity)
        return out

    @classmethod
    def _computed(cls, bundle: Bundle, viewer_nation: str | None, today: date) -> dict[str, Any]:
        return super()._computed(bundle, viewer_nation, today) | {
            "yearly_totals": bundle.yearly_totals(),
            # Shown only to its participants and coordinators: the reasons may name its nations.
            "funding": [FundingOut.of_bundle(a, bundle, viewer_nation) for a in bundle.funding(today, named=True)],
        }


class TrailEntryOut(BaseModel):
    at: datetime
    kind: str
    reason: str
    need_id: str | None
    nation: str | None


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


class UnitPriceIn(StrictModel):
    unit_price: MoneyIn = Field(description="The estimated price of one unit, EUR with cents.")


class SmeShareIn(StrictModel):
    share: Fraction = Field(description="Planned share of the value going to SMEs, 0.15 = 15 %.")


class ParticipationIn(StrictModel):
    decision: Literal["confirm", "decline"]
    quantity: Quantity | None = Field(default=None, description="Defaults to the nation's whole share.")
    funding_instrument: Instrument | None = Field(default=None, examples=["EDIRPA"])


class AccessionIn(StrictModel):
    yearly_quantities: Annotated[list[YearQuantityIn], Field(min_length=1, max_length=PLANNING_YEARS)]
    budget_ceiling: MoneyIn | None = None


class FundingRuleOut(BaseModel):
    instrument: str
    title: str
    source: str = Field(description="The regulation and articles the rule comes from.")
    applies_from: date
    applies_until: date | None = Field(description="The last day the instrument applies; none: no end set.")
    support: Literal["grant", "loan"]
    counts: str = Field(description="Which nations count toward the minimum.")
    min_nations: int
    min_member_states: int = Field(description="Of those, how many must be EU member states.")
    co_funding_rate: float | None = Field(description="A grant's maximum share of the eligible value.")
    bonus_rate: float | None
    bonus_when_ukraine_receives_extra: bool
    bonus_when_sme_share_at_least: float | None
    single_state_until: date | None = Field(description="Until this day a single member state may procure alone.")
    max_foreign_components: float | None = Field(
        description="The most the components from outside the counted countries may make of the cost."
    )

    @classmethod
    def of(cls, r: InstrumentRule) -> Self:
        return copied(
            cls,
            r,
            support=r.support.value,
            counts=ELIGIBILITY[r.eligible][0],
            co_funding_rate=_rate(r.base_rate),
            bonus_rate=_rate(r.bonus_rate),
            bonus_when_ukraine_receives_extra=r.bonus_ukraine,
            bonus_when_sme_share_at_least=_rate(r.bonus_sme_share),
            max_foreign_components=_rate(r.max_foreign_components),
        )


def _rate(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate)


class FundingRulesOut(BaseModel):
    """One rule set: the instruments in force between two dates."""

    version: str
    valid_from: date
    valid_until: date | None = Field(description="The last day it was in force; none: still in force.")
    change: str = Field(description="What changed from the rule set before.")
    rules: Annotated[list[FundingRuleOut], Field(max_length=MAX_INSTRUMENTS)]

    @classmethod
    def of(cls, rules: RuleSet) -> Self:
        return copied(cls, rules, rules=[FundingRuleOut.of(r) for r in rules.rules])


class NationOut(BaseModel):
    code: str
    name: str
    eu: bool
    nato: bool
    eea_efta: bool
    partner: bool


class ItemIn(StrictModel):
    code: Code = Field(examples=["AMMO-105MM"])
    name: Name
    category: Label
    unit: Label
    nsn: Label | None = Field(default=None, description="NATO Stock Number, 1320-12-345-6789 style.")
    platforms: Annotated[list[Label], Field(max_length=MAX_PLATFORMS)] = Field(default_factory=list)
    specification_ref: Code | None = None

    def item(self) -> CatalogueItem:
        return CatalogueItem.define(**self.model_dump())


class ItemOut(BaseModel):
    code: str
    name: str
    category: str
    unit: str
    nsn: str | None
    platforms: Annotated[list[str], Field(max_length=MAX_PLATFORMS)]
    specification_ref: str | None
    retired: bool
    retired_reason: str | None
    user_groups: Annotated[dict[str, Nations], Field(max_length=MAX_PLATFORMS)] = Field(
        description="Per platform, the nations operating it."
    )


class OperatorsOut(BaseModel):
    item_code: str
    operators: Nations = Field(description="Every nation operating a platform the item fits.")
    others: Nations = Field(description="The same, without the asking nation.")
    user_groups: Annotated[dict[str, Nations], Field(max_length=MAX_PLATFORMS)]


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
        own = [(p.nation, p.own_value_eur)]
        return copied(
            cls,
            p,
            would_join=p.joins_bundle if p.visible else None,
            joins_existing=p.joins_bundle is not None,
            funding=[FundingOut.of(a, own, whole=False) for a in p.funding],
        )


class OpenBundleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: BundleKind
    status: str
    total_quantity: int
    nation_count: int
    accession_open: bool
    accession_deadline: date | None


LINES_SHOWN = 50
"""An item's production lines listed beside its demand, the first declared first."""


class DeclaredLineOut(BaseModel):
    """A company's line as the nations see it beside their demand."""

    model_config = ConfigDict(from_attributes=True)

    line_id: str
    organisation: str
    site: str
    country: str
    earliest_start: date
    minimum_economic_quantity: int
    unlocked_at: datetime | None = Field(
        description="When the item's aggregated demand reached the minimum economic quantity (its company was told)."
    )
    unlocked_by_demand: int | None = Field(description="The aggregated demand that reached it.")


class ItemCapacityOut(BaseModel):
    """Demand against declared capacity: the item's production lines and what they can
    turn out each year."""

    per_year: Annotated[dict[int, int], Field(max_length=PLANNING_YEARS)] = Field(
        description="Declared capacity per year, all lines together."
    )
    line_count: int
    unlocked_count: int = Field(description="Lines whose minimum economic quantity the demand reached.")
    lines: Annotated[list[DeclaredLineOut], Field(max_length=LINES_SHOWN)] = Field(
        description=f"The first {LINES_SHOWN} lines declared."
    )

    @classmethod
    def of(cls, c: ItemCapacity) -> Self:
        return cls(
            per_year={y.year: y.quantity for y in c.years},
            line_count=len(c.lines),
            unlocked_count=c.unlocked,
            lines=[DeclaredLineOut.model_validate(x) for x in c.lines[:LINES_SHOWN]],
        )


class DemandSheetOut(BaseModel):
    item_code: str
    per_year: Annotated[dict[int, int], Field(max_length=PLANNING_YEARS)]
    total_quantity: int
    ukraine_quantity: int
    ukraine_per_year: Annotated[dict[int, int], Field(max_length=PLANNING_YEARS)] = Field(
        description="Of `per_year`, the quantities for Ukraine (needs whose end user is Ukraine); the rest is for"
        " the nations' own forces. A year without any is left out."
    )
    nation_count: int
    need_count: int
    open_bundles: Annotated[list[OpenBundleOut], Field(max_length=OPEN_BUNDLES_SHOWN)] = Field(
        description=f"The item's open bundles, the oldest first, up to {OPEN_BUNDLES_SHOWN}."
    )
    open_bundle_count: int = Field(description="How many open bundles the item has.")
    capacity: ItemCapacityOut | None = Field(
        default=None, description="Declared production capacity over the same years, and its lines."
    )
    supply_risks: Annotated[list[SupplyRiskOut], Field(max_length=SUPPLY_RISKS_SHOWN)] = Field(
        default_factory=list,
        description="The high- and critical-risk materials the item's specification and production lines depend on,"
        " gravest first.",
    )

    @classmethod
    def of(cls, sheet: DemandSheet) -> Self:
        capacity = ItemCapacityOut.of(sheet.capacity) if sheet.capacity is not None else None
        risks = _supply_risks(sheet.capacity) if sheet.capacity is not None else []
        return copied(
            cls,
            sheet,
            open_bundles=[OpenBundleOut.model_validate(b) for b in sheet.open_bundles],
            capacity=capacity,
            supply_risks=risks,
        )


# ---------------------------------------------------------------------------- money
class PledgeIn(StrictModel):
    """A pledge to one bundle (its id given by its lead) or one open fund."""

    nation: KnownNation = Field(description="The contributor; a desk's own nation.", examples=["NLD"])
    amount: MoneyIn = Field(description="EUR with cents, more than zero.")
    beneficiary: KnownNation | None = Field(
        default=None, description="For whom: UKR, another nation, or (left out) the contributor's own forces."
    )
    bundle_id: ObjectId | None = None
    fund_id: ObjectId | None = None

    def terms(self) -> PledgeTerms:
        return PledgeTerms(
            nation=self.nation,
            amount_eur=self.amount.amount,
            beneficiary=self.beneficiary,
            bundle_id=self.bundle_id,
            fund_id=self.fund_id,
        )


class PledgeOut(BaseModel):
    id: str
    nation: str
    amount: MoneyOut
    beneficiary: str
    for_own_forces: bool
    bundle_id: str | None
    fund_id: str | None
    status: Literal["pledged", "confirmed", "paid", "withdrawn"]
    status_reason: str | None = Field(description="Why it was withdrawn.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Pledge) -> Self:
        return copied(cls, p, amount=MoneyOut(amount=p.amount_eur), status=p.status.value)


class PledgeTotalsOut(BaseModel):
    """A bundle's or fund's money from pledges: totals only, no nation's amount."""

    pledged_eur: EurText = Field(description="Pledges that stand: pledged, confirmed or paid.")
    confirmed_eur: EurText = Field(description="Confirmed or paid.")
    paid_eur: EurText
    contributor_count: int

    @classmethod
    def of(cls, t: PledgeTotals) -> Self:
        return copied(cls, t, contributor_count=len(t.contributors))


class PledgeReadOut(PledgeOut):
    recipient_money: PledgeTotalsOut = Field(description="The totals of the bundle or fund it goes to.")

    @classmethod
    def of_view(cls, v: PledgeView) -> Self:
        p = v.pledge
        return copied(
            cls,
            p,
            amount=MoneyOut(amount=p.amount_eur),
            status=p.status.value,
            recipient_money=PledgeTotalsOut.of(v.recipient),
        )


class BundleMoneyOut(PledgeTotalsOut):
    value_eur: EurText | None = Field(
        description="Coordinators only: the bundle's value, as `value_basis` says (quantities at the awarded or"
        " estimated unit price, or the budget ceilings of its needs)."
    )
    gap_eur: EurText | None = Field(
        description="Coordinators only: the value not covered by confirmed pledges (paid by the buying nations"
        " from their own budgets, or still to be found), never below zero."
    )

    @classmethod
    def of_bundle(cls, t: PledgeTotals, value: Decimal, whole: bool) -> Self:
        gap = max(value - t.confirmed_eur, Decimal(0))
        return copied(
            cls,
            t,
            contributor_count=len(t.contributors),
            value_eur=value if whole else None,
            gap_eur=gap if whole else None,
        )


MAX_FUND_ITEMS = 20


class FundIn(StrictModel):
    lead: PartyRef = Field(description="The nation or agency running it: the coordinator's own.", examples=["SWE"])
    purpose: Reason
    item_codes: Annotated[list[Code], Field(min_length=1, max_length=MAX_FUND_ITEMS)] = Field(examples=[["CV90"]])
    beneficiary: KnownNation = Field(description="For whom it buys.", examples=["UKR"])


class PurchaseIn(StrictModel):
    bundle_id: ObjectId
    amount: MoneyIn
    note: Reason = ""


class PurchaseOut(BaseModel):
    bundle_id: str
    amount: MoneyOut
    at: datetime
    note: str


class FundOut(BaseModel):
    """A fund: every nation sees what it is for, its totals, its contributors and what it
    bought; the pledges listed are all of them for its lead, a contributor's own otherwise."""

    id: str
    lead: str
    purpose: str
    item_codes: Annotated[list[str], Field(max_length=MAX_FUND_ITEMS)]
    beneficiary: str
    status: Literal["open", "closed"]
    closed_reason: str | None
    money: PledgeTotalsOut
    contributors: Annotated[list[str], Field(max_length=MAX_NATIONS)]
    balance_eur: EurText = Field(description="Paid in, less what it bought.")
    spent_eur: EurText
    purchases: Annotated[list[PurchaseOut], Field(max_length=MAX_PURCHASES)]
    pledges: Annotated[list[PledgeOut], Field(max_length=CONTRIBUTIONS_SHOWN)] = Field(
        description="Its lead's coordinators: every pledge (the first 100; the rest at GET /v1/pledges?fund_id=); a"
        " contributor: its own."
    )

    @classmethod
    def of(cls, v: FundView) -> Self:
        f = v.fund
        return copied(
            cls,
            f,
            status=f.status.value,
            money=PledgeTotalsOut.of(v.totals),
            contributors=list(v.totals.contributors),
            balance_eur=v.balance_eur,
            spent_eur=f.spent_eur,
            purchases=[
                PurchaseOut(bundle_id=p.bundle_id, amount=MoneyOut(amount=p.amount_eur), at=p.at, note=p.note)
                for p in f.purchases
            ],
            pledges=[PledgeOut.of(p) for p in v.pledges],
        )
