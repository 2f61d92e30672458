"""A procurement: offers come in, are weighed under published weights, one is awarded.

After the award a standstill period runs; only then may the contract be signed, so that
losing bidders can still object.

Where only one company can deliver (a vehicle only its maker builds, as the CV90), the
buyer negotiates with that company without publishing a notice (Directive 2009/81/EC,
Article 28(1)(e): "for technical reasons or reasons connected with the protection of
exclusive rights, the contract may be awarded only to a particular economic operator").
No notice is published, only the invited company sees and offers, it is awarded once its
offer is in, and no standstill runs: there is no other tenderer to object (Article 58(a),
no prior publication required).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Required, TypedDict, Unpack

from contracts.domain.errors import Conflict, ContractRuleViolation, Forbidden
from contracts.domain.ids import new_id
from contracts.domain.money import positive_eur
from contracts.domain.suppliers import Supplier
from contracts.domain.weighing import Assessment, OfferFacts, Weights, weigh

# Directive 2009/81/EC (defence and security procurement), Article 57(2): a contract may
# not be concluded before at least 10 calendar days have passed, counted from the day
# after the award decision is sent to the tenderers concerned by fax or electronic means
# (15 days by other means). Award decisions leave this platform electronically.
MIN_STANDSTILL_DAYS = 10
SHARE_ROUNDING = 1e-9
"""How far shares written as decimals (0.1 + 0.2 + 0.7) may add up beyond 1 in binary floats."""
MAX_OFFER_DAYS = 366
"""How far ahead of today a procurement may set its offer deadline: a tender kept open longer
than a year tells industry nothing it can plan a bid on."""


class Procedure(StrEnum):
    OPEN = "open"  # a notice published to every cleared company; offers until a deadline
    NEGOTIATED = "negotiated_without_publication"  # one invited company (Article 28(1)(e))


class ProcurementStatus(StrEnum):
    OPEN = "open"
    STANDSTILL = "standstill"
    SIGNED = "signed"


@dataclass
class Offer:
    id: str
    procurement_id: str
    supplier_id: str
    unit_price_eur: Decimal
    first_delivery: date
    monthly_rate: int
    origin_country: str
    eu_component_share: float
    non_associated_component_share: float
    local_production: dict[str, float]
    licence_transfer: bool
    national_supplier_role: bool
    quality_gates: dict[str, bool]
    submitted_at: datetime

    def facts(self, supplier: Supplier, nations: list[str]) -> OfferFacts:
        shares = [self.local_production.get(n, 0.0) for n in nations] or [0.0]
        return OfferFacts(
            offer_id=self.id,
            supplier_id=self.supplier_id,
            supplier_organisation=supplier.organisation,
            unit_price_eur=self.unit_price_eur,
            first_delivery=self.first_delivery,
            monthly_rate=self.monthly_rate,
            origin_country=self.origin_country,
            controlled_from_non_associated_country=supplier.controlled_from_non_associated_country,
            eu_component_share=self.eu_component_share,
            non_associated_component_share=self.non_associated_component_share,
            local_production_share=sum(shares) / len(shares),
            licence_transfer=self.licence_transfer,
            national_supplier_role=self.national_supplier_role,
            quality_gates=dict(self.quality_gates),
        )


class ProcurementTerms(TypedDict, total=False):
    """What a buyer publishes when it opens a procurement, in the procurement's own names:
    the one shape a request takes to `Procurement.open`."""

    item_code: Required[str]
    buyer_nation: Required[str]
    nations: Required[list[str]]
    quantity: Required[int]
    tender_date: Required[date]
    weights: Required[Weights]
    quality_gates: Required[list[str]]
    funding_instrument: Required[str | None]
    standstill_days: Required[int]
    offers_due: Required[date]
    bundle_id: str | None  # the committed joint order or framework it buys for
    delivery_start: date | None  # when the order it buys for wants its deliveries
    delivery_end: date | None
    procedure: str  # a `Procedure`; open unless named
    invited_supplier_id: str | None  # negotiated: the one company asked to offer
    justification: str  # negotiated: why only that company can deliver


@dataclass
class Procurement:
    id: str
    item_code: str
    contracting_authority: str
    buyer_nation: str
    nations: list[str]
    quantity: int
    tender_date: date
    weights: Weights
    quality_gates: list[str]
    funding_instrument: str | None
    standstill_days: int
    offers_due: date
    created_at: datetime
    bundle_id: str | None = None
    delivery_start: date | None = None
    delivery_end: date | None = None
    status: str = ProcurementStatus.OPEN.value
    awarded_offer_id: str | None = None
    awarded_supplier_id: str | None = None
    standstill_until: date | None = None
    evaluation: list[dict[str, Any]] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    procedure: str = Procedure.OPEN.value
    invited_supplier_id: str | None = None
    justification: str = ""

    @classmethod
    def open(cls, *, contracting_authority: str, at: datetime, **terms: Unpack[ProcurementTerms]) -> Procurement:
        """`terms["nations"]`: those it buys for, as `terms_of_order` or `terms_for_itself` found them."""
        if terms["quantity"] <= 0:
            raise ContractRuleViolation("a procurement needs a positive quantity")
        negotiated = terms.get("procedure") == Procedure.NEGOTIATED.value
        if negotiated != (terms.get("invited_supplier_id") is not None):
            raise ContractRuleViolation(
                "a procurement negotiated without publication invites one company (invited_supplier_id);"
                " an open one invites none",
                field="body.invited_supplier_id",
                rule="invited_supplier",
            )
        if negotiated and not terms.get("justification", "").strip():
            raise ContractRuleViolation(
                "negotiating with one company without publishing a notice needs its ground: why only that company"
                " can deliver (Directive 2009/81/EC, Article 28(1)(e))",
                field="body.justification",
                rule="justification",
            )
        if negotiated:  # no other tenderer to object: no standstill (Article 58(a))
            terms = {**terms, "standstill_days": 0}
        elif terms["standstill_days"] < MIN_STANDSTILL_DAYS:
            raise ContractRuleViolation(
                f"the standstill period lasts at least {MIN_STANDSTILL_DAYS} calendar days after the award decision "
                "(Directive 2009/81/EC, Article 57(2))",
                field="body.standstill_days",
                rule="minimum_standstill",
            )
        _check_offers_due(terms["offers_due"], tender_date=terms["tender_date"], today=at.date())
        procurement = cls(id=new_id("proc"), contracting_authority=contracting_authority, created_at=at, **terms)
        procurement.nations = sorted(set(procurement.nations))
        return procurement

    def takes_offers(self, today: date) -> bool:
        """Offers come in until the end of the day they are due, and never once awarded."""
        return self.status == ProcurementStatus.OPEN.value and today <= self.offers_due

    def submit(self, offer: Offer, supplier: Supplier, today: date) -> None:
        if self.status != ProcurementStatus.OPEN.value:
            raise ContractRuleViolation(f"procurement {self.id} no longer takes offers ({self.status})")
        if self.invited_supplier_id is not None and supplier.id != self.invited_supplier_id:
            raise Forbidden(f"procurement {self.id} is negotiated with the company it invited alone")
        if today > self.offers_due:
            # every bidder had the same time to offer; one let in late would have had more
            raise Conflict(
                f"offers for procurement {self.id} were due by {self.offers_due.isoformat()}",
                field="path.procurement_id",
                rule="offers_closed",
            )
        supplier.ensure_cleared(today, "make an offer")
        if any(o.supplier_id == supplier.id for o in self.offers):
            raise ContractRuleViolation(f"supplier {supplier.organisation} already made an offer")
        for name, value in (
            ("eu_component_share", offer.eu_component_share),
            ("non_associated_component_share", offer.non_associated_component_share),
            *((f"local_production[{n}]", s) for n, s in offer.local_production.items()),
        ):
            if not 0 <= value <= 1:
                raise ContractRuleViolation(f"{name} is a share between 0 and 1, not {value}")
        if sum(offer.local_production.values()) > 1 + SHARE_ROUNDING:
            # signed, the shares bind the supplier: more than the whole production is a promise none can keep
            raise ContractRuleViolation(
                "local_production shares add up to more than the whole production",
                field="body.local_production",
                rule="local_production_total",
            )
        if offer.monthly_rate <= 0:
            raise ContractRuleViolation("an offer needs a positive unit price and monthly rate")
        offer.unit_price_eur = positive_eur(offer.unit_price_eur, "an offer's unit price")
        self.offers.append(offer)

    def assess(self, suppliers: dict[str, Supplier]) -> list[Assessment]:
        return weigh(
            [o.facts(suppliers[o.supplier_id], self.nations) for o in self.offers],
            weights=self.weights,
            quantity=self.quantity,
            buyer=self.buyer_nation,
            tender_date=self.tender_date,
            quality_gates=self.quality_gates,
            instrument=self.funding_instrument,
        )

    def award(self, suppliers: dict[str, Supplier], today: date) -> Assessment:
        """Weigh, pick the first-ranked offer whose supplier is still cleared, start standstill.

        Only once the offer deadline has passed: until then a company may still offer, and
        weighing before every offer is in would rank the early ones against an incomplete
        field and turn the published deadline into a race. A procurement officer opens the
        offers together after the deadline; there is no early award, even when every
        company one expects has offered, since the notice invites any cleared company.
        """
        if self.status != ProcurementStatus.OPEN.value:
            raise Conflict(f"procurement {self.id} was already awarded")
        if self.negotiated:
            if not self.offers:
                raise Conflict(
                    f"procurement {self.id} awaits the offer of the company it invited",
                    field="path.procurement_id",
                    rule="offer_awaited",
                )
        elif today <= self.offers_due:
            raise Conflict(
                f"offers for procurement {self.id} are due by {self.offers_due.isoformat()}; "
                "it is awarded once that day has passed",
                field="path.procurement_id",
                rule="offers_still_open",
            )
        ranking = self.assess(suppliers)
        winner = next((a for a in ranking if a.rank == 1), None)
        if winner is None:
            raise ContractRuleViolation(f"procurement {self.id} has no eligible offer to award")
        suppliers[winner.supplier_id].ensure_cleared(today, "be awarded")
        self.evaluation = [assessment_record(a) for a in ranking]
        self.status = ProcurementStatus.STANDSTILL.value
        self.awarded_offer_id = winner.offer_id
        self.awarded_supplier_id = winner.supplier_id
        self.standstill_until = today + timedelta(days=self.standstill_days)
        return winner

    def sign(self, today: date, lead_of_order: str | None = None) -> None:
        """`lead_of_order`: the lead of the committed order the procurement is for, if any;
        only that lead's procurement may be signed onto the order."""
        if self.status == ProcurementStatus.SIGNED.value:
            raise Conflict(f"procurement {self.id} is already signed")
        if self.status != ProcurementStatus.STANDSTILL.value or self.standstill_until is None:
            raise Conflict(f"procurement {self.id} has no award to sign")
        if lead_of_order is not None and lead_of_order != self.contracting_authority:
            raise ContractRuleViolation(
                f"{self.contracting_authority} is not the lead of {self.bundle_id} ({lead_of_order} is); "
                "its procurement cannot be signed onto that order"
            )
        if not self.negotiated and today <= self.standstill_until:
            raise ContractRuleViolation(
                f"the standstill period runs until {self.standstill_until.isoformat()}; signing must wait"
            )
        self.status = ProcurementStatus.SIGNED.value

    def assign_coordinator(self, party: str) -> None:
        """The lead lets the coordinators of another nation or agency run it with it."""
        self.coordinators = sorted({*self.coordinators, party})

    @property
    def delivery_window(self) -> tuple[date, date] | None:
        if self.delivery_start is None or self.delivery_end is None:
            return None
        return self.delivery_start, self.delivery_end

    @property
    def negotiated(self) -> bool:
        return self.procedure == Procedure.NEGOTIATED.value

    @property
    def awarded_offer(self) -> Offer | None:
        return next((o for o in self.offers if o.id == self.awarded_offer_id), None)


def category_of(item_code: str) -> str:
    """An item's category is its code up to the first hyphen (`AMMO-155MM` is in `AMMO`),
    as the notifications service files it for endpoint filters."""
    return item_code.split("-", 1)[0].upper()


@dataclass(frozen=True)
class TenderFilter:
    """Which open tenders a company asks for: an item category, a whole item code, or all."""

    category: str | None = None
    item_code: str | None = None

    def __post_init__(self) -> None:
        if self.category is not None:
            object.__setattr__(self, "category", self.category.upper())
        if self.item_code is not None:
            object.__setattr__(self, "item_code", self.item_code.upper())

    def matches(self, item_code: str) -> bool:
        code = item_code.upper()
        return (self.category is None or category_of(code) == self.category) and (
            self.item_code is None or code == self.item_code
        )


def default_offers_due(*, tender_date: date, today: date, days: int) -> date:
    """Without a deadline named, offers are due `days` after the tender opens (and never
    before today has that many days ahead): the time a company needs to price a bid."""
    return max(tender_date, today) + timedelta(days=days)


def _check_offers_due(offers_due: date, *, tender_date: date, today: date) -> None:
    """A deadline already passed opens a tender no one may offer to; one before the tender
    opens, likewise; one more than a year ahead is no deadline industry can plan on."""
    if offers_due < today:
        raise ContractRuleViolation(
            f"offers cannot be due by {offers_due.isoformat()}, before today ({today.isoformat()})",
            field="body.offers_due",
            rule="offers_due_past",
        )
    if offers_due < tender_date:
        raise ContractRuleViolation(
            f"offers cannot be due by {offers_due.isoformat()}, before the tender opens on {tender_date.isoformat()}",
            field="body.offers_due",
            rule="offers_due_before_tender",
        )
    if offers_due > today + timedelta(days=MAX_OFFER_DAYS):
        raise ContractRuleViolation(
            f"offers are due within {MAX_OFFER_DAYS} days of today, not by {offers_due.isoformat()}",
            field="body.offers_due",
            rule="offers_due_too_far",
        )


def terms_of_order(
    *,
    lead: str,
    order: dict[str, int],
    nations: list[str],
    quantity: int,
    buyer_nation: str,
) -> list[str]:
    """The nations a procurement for a committed order buys for: the order's, whose
    quantities add up to it; a request naming other nations or another quantity is refused,
    so that no procurement speaks for a nation that did not commit."""
    ordered = sorted(order)
    if nations and sorted(set(nations)) != ordered:
        raise ContractRuleViolation(
            f"the committed order is for {', '.join(ordered)}, not {', '.join(sorted(set(nations)))}",
            field="body.nations",
            rule="order_nations",
        )
    total = sum(order.values())
    if quantity != total:
        raise ContractRuleViolation(
            f"the committed order is for {total} items, not {quantity}", field="body.quantity", rule="order_quantity"
        )
    if buyer_nation not in {lead, *ordered}:
        raise ContractRuleViolation(
            f"the buyer is the lead {lead} or a nation of the order, not {buyer_nation}",
            field="body.buyer_nation",
            rule="order_buyer",
        )
    return ordered


def terms_for_itself(*, buyer: str, buys_as_nation: bool, buyer_nation: str, nations: list[str]) -> list[str]:
    """The nations a procurement without a committed order buys for: the buyer alone, and
    only a nation buys so; other nations, and an agency buying for nations, come through an
    order, so that no procurement speaks for a nation that did not commit."""
    if not buys_as_nation:
        raise ContractRuleViolation(
            f"{buyer} buys for nations through a committed order: name its bundle",
            field="body.bundle_id",
            rule="agency_needs_order",
        )
    if buyer_nation != buyer:
        raise ContractRuleViolation(
            f"{buyer} buys for itself, not for {buyer_nation}", field="body.buyer_nation", rule="own_nation"
        )
    if set(nations) - {buyer}:
        raise ContractRuleViolation(
            f"without a committed order {buyer} buys for itself alone; other nations join through an order",
            field="body.nations",
            rule="own_nation",
        )
    return [buyer]


def assessment_record(a: Assessment) -> dict[str, Any]:
    return {
        "offer_id": a.offer_id,
        "supplier_id": a.supplier_id,
        "supplier_organisation": a.supplier_organisation,
        "eligible": a.eligible,
        "rank": a.rank,
        "total": a.total,
        "scores": a.scores,
        "weighted": a.weighted,
        "completion": a.completion.isoformat() if a.completion else None,
        "exclusions": a.exclusions,
        "why": a.why,
    }
