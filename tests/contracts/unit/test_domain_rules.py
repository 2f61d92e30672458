"""Pure rules of the contracts context: contracts from joint orders, suppliers,
specifications, procurements, framework contracts, delivery lots and capacity allocation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bundling_shared.auth import Principal, Role
from contracts.domain.access import Action, Relation, allowed, relation_to
from contracts.domain.contract import Contract, ContractMode, LocalProduction
from contracts.domain.deliveries import DeliveryLot, LotStatus, allocate_capacity
from contracts.domain.errors import Conflict, ContractRuleViolation, SupplierNotCleared
from contracts.domain.frameworks import Bid, FrameworkContract
from contracts.domain.procurement import Offer, Procurement, TenderFilter, default_offers_due
from contracts.domain.reporting import Purchase, value_by_origin
from contracts.domain.specifications import Specification
from contracts.domain.suppliers import IndustrialBase, Supplier
from contracts.domain.weighing import Weights

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def supplier(org: str = "NAMMO", valid_until: date | None = date(2027, 1, 1), country: str = "NOR") -> Supplier:
    return Supplier.register(
        organisation=org,
        country=country,
        sme=False,
        controlled_from_non_associated_country=False,
        industrial_base=IndustrialBase.EUROPEAN,
        security_declaration_valid_until=valid_until,
    )


# --- contracts from joint orders --------------------------------------------------------


def contract(quantities: dict[str, int], authority: str = "CZE") -> Contract:
    return Contract.for_joint_order(
        bundle_id="bundle-1",
        item_code="AMMO-155MM",
        contracting_authority=authority,
        window_start=date(2025, 1, 1),
        window_end=date(2028, 12, 31),
        quantities=quantities,
        at=datetime(2025, 1, 1, tzinfo=UTC),
    )


def test_one_delivery_line_per_nation() -> None:
    c = contract({"NLD": 10_000, "CZE": 25_000})
    assert [(x.nation, x.quantity) for x in c.lines] == [("CZE", 25_000), ("NLD", 10_000)]
    assert c.total_quantity == 35_000


def test_the_lead_and_the_participants_see_the_contract_others_not() -> None:
    c = contract({"NLD": 5}, authority="NSPA")

    def relation(principal: Principal) -> Relation:
        return relation_to(principal, authority=c.contracting_authority, nations=c.nations)

    lead = Principal(subject="c", role=Role.COORDINATOR, organisation="NSPA")
    nation = Principal(subject="d", role=Role.NATION_DESK, nation="NLD")
    outsider = Principal(subject="o", role=Role.NATION_DESK, nation="DEU")
    assert (relation(lead), relation(nation), relation(outsider)) == (
        Relation.LEAD, Relation.PARTICIPANT, Relation.OUTSIDER,
    )  # fmt: skip
    assert allowed(lead, Action.CONTRACT_VIEW, relation(lead))
    assert allowed(nation, Action.CONTRACT_VIEW, relation(nation))
    assert not allowed(outsider, Action.CONTRACT_VIEW, relation(outsider))


@pytest.mark.parametrize("quantities", [{}, {"NLD": 0}])
def test_a_contract_needs_nations_with_positive_quantities(quantities: dict[str, int]) -> None:
    with pytest.raises(ContractRuleViolation):
        contract(quantities)


def test_per_buyer_mode_makes_one_contract_per_nation() -> None:
    c = Contract.for_joint_order(
        bundle_id="b", item_code="CV90", contracting_authority="SWE", window_start=date(2025, 1, 1),
        window_end=date(2027, 1, 1), quantities={"DNK": 10, "NLD": 20}, at=NOW,
    )  # fmt: skip
    assert c.in_mode(ContractMode.SINGLE) == [c]
    parts = c.in_mode(ContractMode.PER_BUYER)
    assert [(p.part, p.nations, p.total_quantity) for p in parts] == [("DNK", ["DNK"], 10), ("NLD", ["NLD"], 20)]
    assert len({p.id for p in parts}) == 2


# --- suppliers -------------------------------------------------------------------------


def test_a_missing_or_expired_security_declaration_blocks_with_a_clear_reason() -> None:
    with pytest.raises(SupplierNotCleared, match="no security declaration"):
        supplier(valid_until=None).ensure_cleared(TODAY, "make an offer")
    with pytest.raises(SupplierNotCleared, match="expired on 2026-02-28"):
        supplier(valid_until=date(2026, 2, 28)).ensure_cleared(TODAY, "make an offer")
    supplier(valid_until=TODAY).ensure_cleared(TODAY, "make an offer")  # valid through its last day


# --- specifications --------------------------------------------------------------------


def spec() -> Specification:
    return Specification.propose(
        reference="SPEC-155MM-NATO",
        version=1,
        item_code="AMMO-155MM",
        title="155 mm HE, NATO",
        nations=["NLD", "DEU", "CZE"],
        standards=["STANAG 4425"],
        critical_materials=["rocket propellant", "graphite"],
        deviations=[{"nation": "DEU", "description": "fuze type", "compatible": True}],
        at=NOW,
    )


def test_harmonised_only_when_every_nation_agreed_and_then_for_ukraine_too() -> None:
    s = spec()
    s.agree("NLD")
    s.agree("DEU")
    assert s.status == "proposed" and not s.harmonised
    s.agree("CZE")
    assert s.harmonised
    assert s.outcome is not None and "Ukraine" in s.outcome
    assert s.compatible_deviations == ["DEU: fuze type"]
    with pytest.raises(ContractRuleViolation, match="already harmonised"):
        s.object("NLD", "late")


def test_an_objection_with_a_reason_withdraws_the_proposal() -> None:
    s = spec()
    with pytest.raises(ContractRuleViolation, match="reason"):
        s.object("DEU", "  ")
    s.object("DEU", "our certification programme differs")
    assert s.status == "withdrawn"
    assert s.outcome is not None and "DEU" in s.outcome
    with pytest.raises(ContractRuleViolation, match="does not take part"):
        spec().agree("FRA")


def test_deviations_belong_to_participating_nations() -> None:
    with pytest.raises(ContractRuleViolation):
        Specification.propose(
            reference="X", version=1, item_code="I", title="t", nations=["NLD"],
            deviations=[{"nation": "FRA", "description": "d", "compatible": False}], at=NOW,
        )  # fmt: skip
    s = spec()
    s.record_deviation("NLD", "marking in Dutch", True)
    assert "NLD: marking in Dutch" in s.compatible_deviations


@pytest.mark.parametrize("named", ["nld", "NL", "NLDX", "N1D", "ÄÖÜ"])
def test_a_specification_names_its_nations_by_their_alpha_3_codes(named: str) -> None:
    # kept as rows of three characters beside the specification (`specification_nations`)
    with pytest.raises(ContractRuleViolation, match="alpha-3"):
        Specification.propose(reference="X", version=1, item_code="I", title="t", nations=["NLD", named], at=NOW)


# --- procurement -----------------------------------------------------------------------


def procurement(standstill: int = 10, offers_due: date = TODAY) -> Procurement:
    return Procurement.open(
        item_code="AMMO-155MM",
        contracting_authority="NLD",
        buyer_nation="NLD",
        nations=["NLD"],
        quantity=1_000,
        tender_date=date(2026, 1, 1),
        weights=Weights(price=1, delivery=1, origin=1, industrial_participation=1),
        quality_gates=[],
        funding_instrument=None,
        standstill_days=standstill,
        offers_due=offers_due,
        at=NOW,
    )


def offer(p: Procurement, s: Supplier, price: Decimal = Decimal("100.00")) -> Offer:
    return Offer(
        id=f"offer-{s.organisation}", procurement_id=p.id, supplier_id=s.id, unit_price_eur=price,
        first_delivery=date(2026, 6, 1), monthly_rate=100, origin_country=s.country, eu_component_share=0.8,
        non_associated_component_share=0.1, local_production={}, licence_transfer=False,
        national_supplier_role=False, quality_gates={}, submitted_at=NOW,
    )  # fmt: skip


def test_offers_need_a_cleared_supplier_and_award_then_standstill_before_signing() -> None:
    p = procurement()
    cleared, expired = supplier("NAMMO"), supplier("OLDCO", valid_until=date(2025, 1, 1))
    with pytest.raises(SupplierNotCleared):
        p.submit(offer(p, expired), expired, TODAY)
    p.submit(offer(p, cleared), cleared, TODAY)
    with pytest.raises(ContractRuleViolation, match="already made an offer"):
        p.submit(offer(p, cleared), cleared, TODAY)
    winner = p.award({cleared.id: cleared}, TODAY + timedelta(days=1))
    assert winner.supplier_id == cleared.id
    assert p.standstill_until == date(2026, 3, 12)
    for within in (date(2026, 3, 11), date(2026, 3, 12)):  # the last day still belongs to the standstill
        with pytest.raises(ContractRuleViolation, match="standstill period runs until 2026-03-12"):
            p.sign(within)
    p.sign(date(2026, 3, 13))
    assert p.status == "signed"


def test_offers_are_taken_until_the_end_of_the_day_they_are_due_and_the_award_waits_for_it() -> None:
    p = procurement(offers_due=TODAY + timedelta(days=5))
    first, late = supplier("NAMMO"), supplier("LATECO")
    p.submit(offer(p, first), first, TODAY + timedelta(days=5))  # the day they are due still counts
    with pytest.raises(Conflict, match="were due by 2026-03-06") as closed:
        p.submit(offer(p, late), late, TODAY + timedelta(days=6))
    assert (closed.value.field, closed.value.rule) == ("path.procurement_id", "offers_closed")
    assert not p.takes_offers(TODAY + timedelta(days=6)) and p.takes_offers(TODAY + timedelta(days=5))
    with pytest.raises(Conflict, match="awarded once that day has passed") as early:
        p.award({first.id: first}, TODAY + timedelta(days=5))
    assert early.value.rule == "offers_still_open"
    p.award({first.id: first}, TODAY + timedelta(days=6))
    assert p.status == "standstill"


@pytest.mark.parametrize(
    ("offers_due", "rule"),
    [
        (TODAY - timedelta(days=1), "offers_due_past"),
        (date(2025, 12, 31), "offers_due_past"),
        (TODAY + timedelta(days=367), "offers_due_too_far"),
    ],
)
def test_an_offer_deadline_lies_between_today_and_a_year_ahead(offers_due: date, rule: str) -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        procurement(offers_due=offers_due)
    assert (refused.value.field, refused.value.rule) == ("body.offers_due", rule)
    assert procurement(offers_due=TODAY + timedelta(days=366)).offers_due == date(2027, 3, 2)


def test_offers_are_not_due_before_the_tender_opens() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        Procurement.open(
            item_code="AMMO-155MM", contracting_authority="NLD", buyer_nation="NLD", nations=["NLD"], quantity=1,
            tender_date=TODAY + timedelta(days=10), weights=Weights(price=1, delivery=1, origin=1,
            industrial_participation=1), quality_gates=[], funding_instrument=None, standstill_days=10,
            offers_due=TODAY + timedelta(days=9), at=NOW,
        )  # fmt: skip
    assert refused.value.rule == "offers_due_before_tender"


def test_without_a_deadline_offers_are_due_some_days_after_the_tender_opens_never_in_the_past() -> None:
    assert default_offers_due(tender_date=TODAY, today=TODAY, days=40) == date(2026, 4, 10)
    assert default_offers_due(tender_date=date(2026, 1, 1), today=TODAY, days=40) == date(2026, 4, 10)
    assert default_offers_due(tender_date=date(2026, 5, 1), today=TODAY, days=40) == date(2026, 6, 10)


@pytest.mark.parametrize(
    ("within", "code", "expected"),
    [
        (TenderFilter(), "AMMO-155MM", True),
        (TenderFilter(category="ammo"), "AMMO-155MM", True),
        (TenderFilter(category="AMMO"), "AMMO", True),
        (TenderFilter(category="AMMO"), "AMMOX-1", False),
        (TenderFilter(category="MISSILE"), "AMMO-155MM", False),
        (TenderFilter(item_code="ammo-155mm"), "AMMO-155MM", True),
        (TenderFilter(item_code="AMMO-120MM"), "AMMO-155MM", False),
    ],
)
def test_a_tender_filter_reads_an_item_category_as_its_code_up_to_the_first_hyphen(
    within: TenderFilter, code: str, expected: bool
) -> None:
    assert within.matches(code) is expected


def test_an_award_is_refused_when_the_winner_declaration_expired_since_its_offer() -> None:
    p = procurement()
    s = supplier("NAMMO", valid_until=TODAY)
    p.submit(offer(p, s), s, TODAY)
    with pytest.raises(SupplierNotCleared, match="be awarded"):
        p.award({s.id: s}, date(2026, 3, 2))


# --- framework contracts ---------------------------------------------------------------


def radar() -> FrameworkContract:
    return FrameworkContract.create(
        item_code="MMR",
        items=["MMR-SPARES"],
        contracting_authority="NLD",
        participants={"NLD": 9},
        ceiling_quantity=9,
        ceiling_value_eur=Decimal("900.00"),
        start=date(2024, 1, 1),
        end=date(2029, 12, 31),
        suppliers={"s-thales": Decimal("50.00")},
        by="NLD",
        at=NOW,
    )


def test_only_parties_call_off_the_framework_items_within_ceiling_and_term() -> None:
    fw = radar()
    due = date(2027, 1, 1)
    with pytest.raises(ContractRuleViolation, match="not a party"):
        fw.call_off(nation="NOR", item_code="MMR", quantity=1, delivery_due=due, today=TODAY, by="NOR", at=NOW)
    assert fw.request_accession("NOR", 3, Decimal(300), by="NOR", at=NOW) is False  # pending until the lead decides
    fw.decide_accession("NOR", True, by="NLD", at=NOW)
    assert fw.ceiling_quantity == 12 and fw.ceiling_value_eur == 1200.0
    co = fw.call_off(nation="NOR", item_code="MMR", quantity=2, delivery_due=due, today=TODAY, by="NOR", at=NOW)
    assert (co.supplier_id, co.unit_price_eur, co.mode) == ("s-thales", Decimal("50.00"), "direct")
    assert fw.remaining_quantity == 10
    with pytest.raises(ContractRuleViolation, match="not an item"):
        fw.call_off(nation="NOR", item_code="PATRIOT", quantity=1, delivery_due=due, today=TODAY, by="NOR", at=NOW)
    with pytest.raises(ContractRuleViolation, match="exceeds NLD's remaining share of 9 items"):
        fw.call_off(nation="NLD", item_code="MMR", quantity=10, delivery_due=due, today=TODAY, by="NLD", at=NOW)
    fw.configure(policy=None, pooled_shares=True, by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match="exceeds the remaining ceiling of 10 items"):
        fw.call_off(nation="NLD", item_code="MMR", quantity=11, delivery_due=due, today=TODAY, by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match="outside the framework's term"):
        fw.call_off(
            nation="NLD", item_code="MMR", quantity=1, delivery_due=date(2030, 1, 1), today=TODAY, by="NLD", at=NOW
        )
    with pytest.raises(ContractRuleViolation, match="runs from"):
        fw.call_off(
            nation="NLD", item_code="MMR", quantity=1, delivery_due=due, today=date(2030, 1, 2), by="NLD", at=NOW
        )
    with pytest.raises(ContractRuleViolation, match="already takes part"):
        fw.request_accession("NOR", 1, None, by="NOR", at=NOW)
    assert [(e["what"].split(":")[0], e["scope"]) for e in fw.change_log][:4] == [
        ("created", "all"),
        ("NOR asked to accede with 3 items", "NOR"),
        ("NOR acceded with 3 items", "NOR"),
        ("a nation acceded; 2 nations take part", "all"),
    ]


def test_a_call_off_stays_within_the_remaining_value() -> None:
    fw = radar()
    fw.call_off(
        nation="NLD", item_code="MMR-SPARES", quantity=8, delivery_due=date(2027, 1, 1), today=TODAY, by="x", at=NOW
    )
    fw.add_supplier("s-dear", Decimal("600.00"), by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match=r"exceeds the remaining ceiling of 500\.00 EUR"):
        fw.call_off(
            nation="NLD", item_code="MMR", quantity=1, delivery_due=date(2027, 1, 1), today=TODAY,
            supplier_id="s-dear", by="x", at=NOW,
        )  # fmt: skip


def test_a_framework_adds_each_call_off_to_what_was_called_off_in_all_and_per_nation() -> None:
    fw = radar()  # NLD 9 items, 900.00 EUR
    fw.request_accession("NOR", 3, Decimal("300.00"), by="NOR", at=NOW)
    fw.decide_accession("NOR", True, by="NLD", at=NOW)
    fw.add_supplier("s-unpriced", None, by="NLD", at=NOW)
    due = date(2027, 1, 1)
    for nation, quantity, supplier_id in (("NLD", 2, "s-thales"), ("NOR", 1, "s-thales"), ("NLD", 3, "s-unpriced")):
        fw.call_off(nation=nation, item_code="MMR", quantity=quantity, delivery_due=due, today=TODAY,
                    supplier_id=supplier_id, by=nation, at=NOW)  # fmt: skip
    assert (fw.called_off_quantity, fw.called_off_value_eur) == (6, Decimal("150.00"))
    assert fw.called_off_by_nation == {"NLD": 5, "NOR": 1}
    assert (fw.remaining_quantity, fw.remaining_value_eur) == (6, Decimal("1050.00"))
    assert (fw.remaining_share("NLD"), fw.remaining_share("NOR")) == (4, 2)

    with pytest.raises(ContractRuleViolation, match="remaining share"):
        fw.call_off(nation="NOR", item_code="MMR", quantity=3, delivery_due=due, today=TODAY, by="NOR", at=NOW,
                    supplier_id="s-thales")  # fmt: skip
    assert (fw.called_off_quantity, fw.called_off_value_eur, fw.called_off_by_nation) == (
        6, Decimal("150.00"), {"NLD": 5, "NOR": 1},
    )  # fmt: skip


def test_the_ceiling_and_each_share_are_checked_against_the_totals_the_framework_keeps() -> None:
    """A framework read from the database holds none of its call-offs, only their totals."""
    fw = radar()  # NLD 9 items, 900.00 EUR
    fw.request_accession("NOR", 3, Decimal("300.00"), by="NOR", at=NOW)
    fw.decide_accession("NOR", True, by="NLD", at=NOW)
    fw.called_off_quantity, fw.called_off_value_eur = 10, Decimal("1000.00")
    fw.called_off_by_nation = {"NLD": 8, "NOR": 2}
    due = date(2027, 1, 1)

    def call_off(nation: str, quantity: int, supplier_id: str = "s-thales") -> None:
        fw.call_off(nation=nation, item_code="MMR", quantity=quantity, delivery_due=due, today=TODAY,
                    supplier_id=supplier_id, by=nation, at=NOW)  # fmt: skip

    with pytest.raises(ContractRuleViolation, match="exceeds NLD's remaining share of 1 items"):
        call_off("NLD", 2)
    with pytest.raises(ContractRuleViolation, match="exceeds NOR's remaining share of 1 items"):
        call_off("NOR", 2)
    fw.configure(policy=None, pooled_shares=True, by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match="exceeds the remaining ceiling of 2 items"):
        call_off("NOR", 3)
    fw.add_supplier("s-dear", Decimal("150.00"), by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match=r"exceeds the remaining ceiling of 200\.00 EUR"):
        call_off("NOR", 2, "s-dear")
    call_off("NOR", 2)
    assert (fw.remaining_quantity, fw.remaining_value_eur, fw.called_off_by_nation) == (
        0, Decimal("100.00"), {"NLD": 8, "NOR": 4},
    )  # fmt: skip


def test_a_mini_competition_picks_the_cheapest_bid_on_time_among_framework_suppliers() -> None:
    fw = radar()
    fw.add_supplier("s-other", Decimal("60.00"), by="NLD", at=NOW)
    due = date(2027, 1, 1)
    with pytest.raises(ContractRuleViolation, match="several suppliers"):
        fw.call_off(nation="NLD", item_code="MMR", quantity=1, delivery_due=due, today=TODAY, by="NLD", at=NOW)
    with pytest.raises(ContractRuleViolation, match="not suppliers"):
        fw.call_off(nation="NLD", item_code="MMR", quantity=1, delivery_due=due, today=TODAY, by="NLD", at=NOW,
                    bids=[Bid("s-stranger", Decimal("1.00"), due)])  # fmt: skip
    bids = [Bid("s-thales", Decimal("40.00"), date(2027, 6, 1)), Bid("s-other", Decimal("45.00"), date(2026, 12, 1))]
    co = fw.call_off(
        nation="NLD", item_code="MMR", quantity=1, delivery_due=due, today=TODAY, by="NLD", at=NOW, bids=bids
    )
    assert (co.supplier_id, co.unit_price_eur, co.mode) == ("s-other", Decimal("45.00"), "mini_competition")
    assert [c["won"] for c in co.competition] == [False, True]


def test_an_end_date_warning_comes_from_the_widest_horizon_on() -> None:
    fw = radar()  # ends 2029-12-31, as the current ammunition contracts
    assert fw.end_date_warning(date(2024, 12, 30), (5, 2, 1)) is None
    assert fw.end_date_warning(date(2026, 1, 1), (1,)) is None
    warning = fw.end_date_warning(date(2024, 12, 31), (5, 2, 1))
    assert warning is not None and "2029-12-31" in warning and "1826 days" in warning
    assert fw.end_date_warning(date(2030, 1, 1), (5, 2, 1)) == "expired on 2029-12-31"


# --- deliveries ------------------------------------------------------------------------


def lot(quantity: int = 100, due: date = date(2026, 2, 1)) -> DeliveryLot:
    return DeliveryLot.plan(contract_id="c", nation="NLD", quantity=quantity, due_date=due, by="NLD", at=NOW)


def test_lot_status_met_partially_met_not_met() -> None:
    late, partial, met, future = lot(), lot(), lot(), lot(due=date(2027, 1, 1))
    partial.record_delivery(40, date(2026, 1, 15), by="NLD", at=NOW)
    met.record_delivery(60, date(2026, 1, 15), by="NLD", at=NOW)
    met.record_delivery(40, date(2026, 1, 20), by="NLD", at=NOW)
    assert [x.status(TODAY) for x in (late, partial, met, future)] == [
        LotStatus.NOT_MET, LotStatus.PARTIALLY_MET, LotStatus.MET, LotStatus.PLANNED,
    ]  # fmt: skip
    with pytest.raises(ContractRuleViolation, match="only 60 items outstanding"):
        partial.record_delivery(61, TODAY, by="NLD", at=NOW)


def test_a_delay_is_reported_once_per_due_date_and_forecast() -> None:
    x = lot(due=date(2026, 6, 1))
    assert x.delay(TODAY) is None
    x.forecast(date(2026, 8, 1), by="NAMMO", at=NOW)
    key = x.delay(TODAY)
    assert key is not None
    x.mark_delay_reported(key)
    assert x.delay(TODAY) is None
    assert x.delay(date(2026, 6, 2)) is None  # past due with the same late forecast: already told
    x.forecast(date(2026, 9, 15), by="NAMMO", at=NOW)
    assert x.delay(TODAY) is not None  # a new, later forecast is news
    x.replan(date(2026, 10, 1), "capacity moved to Ukraine", by="NLD", at=NOW)
    assert x.delay(TODAY) is None  # forecast before the new due date
    assert x.delay(date(2026, 10, 2)) is not None  # past the new due date
    assert "moved from 2026-06-01 to 2026-10-01: capacity moved to Ukraine" in x.history[-1]["what"]
    with pytest.raises(ContractRuleViolation, match="reason"):
        x.replan(date(2026, 1, 1), "", by="NLD", at=NOW)
    done = lot()
    done.record_delivery(100, TODAY, by="NLD", at=NOW)
    assert done.delay(date(2030, 1, 1)) is None


def test_capacity_goes_to_ukraine_first_then_the_rest_in_order() -> None:
    plan = allocate_capacity(1_000, date(2025, 1, 15), [("NLD", 1_500), ("UKR", 1_200), ("DNK", 300)], ["UKR"])
    assert plan == [
        ("UKR", date(2025, 1, 1), 1_000),
        ("UKR", date(2025, 2, 1), 200),
        ("NLD", date(2025, 2, 1), 800),
        ("NLD", date(2025, 3, 1), 700),
        ("DNK", date(2025, 3, 1), 300),
    ]
    assert allocate_capacity(1_000, date(2025, 12, 1), [("NLD", 1_500)], [])[-1][1] == date(2026, 1, 1)


# --- reporting -------------------------------------------------------------------------


def test_value_by_origin_per_buying_nation() -> None:
    report = value_by_origin(
        [Purchase("NLD", Decimal("59.00"), "NLD"), Purchase("NLD", Decimal("30.00"), "DEU"),
         Purchase("NLD", Decimal("11.00"), "USA"), Purchase("NOR", Decimal("5.00"), "KOR")]
    )  # fmt: skip
    assert report["NLD"]["national_share"] == 0.59
    assert report["NLD"]["eu"] == Decimal("30.00") and report["NLD"]["other_nato"] == Decimal("11.00")
    assert report["NOR"]["other"] == Decimal("5.00")


# --- local production bound by the winning offer -----------------------------------------


def test_signing_binds_the_winning_offer_s_local_production_and_logs_where_it_came_from() -> None:
    c = contract({"SWE": 50}, authority="SWE")
    promised = LocalProduction("offer-hagglunds", {"SWE": 0.0, "NLD": 0.3, "DNK": 0.125})
    c.assign_supplier("supplier-1", Decimal("9000000.00"), "coordinator:SWE", at=NOW, won_with=promised)
    assert c.local_production == {"DNK": 0.125, "NLD": 0.3}  # a share of 0 promises nothing
    assert c.obligation == LocalProduction("offer-hagglunds", {"DNK": 0.125, "NLD": 0.3})
    assert c.change_log[-1]["what"] == (
        "local production bound by the winning offer offer-hagglunds: "
        "12.5 % of production in DNK, 30 % of production in NLD"
    )


def test_an_offer_promising_no_local_production_binds_none_and_logs_only_what_it_replaces() -> None:
    c = contract({"SWE": 50}, authority="SWE")
    c.assign_supplier("supplier-1", Decimal("10.00"), "SWE", at=NOW, won_with=LocalProduction("offer-a", {"NLD": 0}))
    assert (c.local_production, c.obligation, len(c.change_log)) == ({}, None, 2)  # created, signed
    c.assign_supplier("supplier-1", Decimal("10.00"), "SWE", at=NOW, won_with=LocalProduction("offer-b", {"NLD": 0.3}))
    c.assign_supplier("supplier-1", Decimal("10.00"), "SWE", at=NOW, won_with=LocalProduction("offer-c", {}))
    assert (c.local_production, c.local_production_offer_id) == ({}, None)
    assert c.change_log[-1]["what"] == "no local production bound: the winning offer offer-c promised none"


def test_an_offer_promising_more_than_the_whole_production_is_refused() -> None:
    p, s = procurement(), supplier()
    over = offer(p, s)
    over.local_production = {"NLD": 0.6, "DEU": 0.5}
    with pytest.raises(ContractRuleViolation, match="more than the whole production"):
        p.submit(over, s, TODAY)
    whole = offer(p, s)
    whole.local_production = {"NLD": 0.34, "DEU": 0.56, "DNK": 0.1}  # 1.0000000000000002 in floats
    p.submit(whole, s, TODAY)
