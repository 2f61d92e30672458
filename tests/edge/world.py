"""A world in which every relation of the route matrix exists, seeded through the APIs of
the running services: a committed joint order of NLD and DEU led by the agency NSPA whose
contract is signed with NAMMO, more bundles for the acts that change a bundle's state, a
framework of the same nations with a call-off of NLD's, a harmonised-to-be specification,
delivery lots, and a webhook endpoint of NAMMO that has received a message."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx

from bundling_shared.auth import Role
from tests.support.api import bearer, coordinator, desk, industry
from tests.support.processes import ServiceProcess
from tests.support.today import TODAY, clock_start

OWN, PARTNER, OUTSIDER = "NLD", "DEU", "POL"
LEAD, OTHER_AGENCY = "NSPA", "EDA"
SUPPLIER, UNRELATED, SECOND_SUPPLIER = "NAMMO", "ACME", "KNDS"
ITEM = "AMMO-155MM"

T = TypeVar("T")


def tokens() -> dict[str, dict[str, str]]:
    """The headers of each relation of the matrix."""
    return {
        "own": desk(OWN),
        "partner": desk(PARTNER),
        "outsider": desk(OUTSIDER),
        "other_coordinator": coordinator(OTHER_AGENCY),
        "lead_coordinator": coordinator(LEAD),
        "unrelated_company": industry(UNRELATED),
        "contracted_supplier": industry(SUPPLIER),
        "admin": bearer(Role.ADMIN, org="platform"),
        "no_token": {},
    }


ADMIN = bearer(Role.ADMIN, org="platform")


def year_window(offset: int, years: int = 1) -> dict[str, str]:
    """A window of whole calendar years starting `offset` years from now: each bundle of the
    world gets its own, so that needs meant for different bundles never meet."""
    first = TODAY.year + offset
    return {"start": f"{first}-01-01", "end": f"{first + years - 1}-12-31"}


@dataclass
class World:
    urls: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    receiver_url: str = ""
    headers: dict[str, dict[str, str]] = field(default_factory=tokens)

    def call(self, service: str, method: str, path: str, headers: dict[str, str], body: Any = None,
             expect: int | None = None) -> Any:  # fmt: skip
        response = httpx.request(method, self.urls[service] + path, headers=headers, json=body, timeout=30)
        if expect is not None and response.status_code != expect:
            raise AssertionError(f"seeding: {method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None


def line_body() -> dict[str, Any]:
    """A production line of the item, ramping up from next year."""
    start = date(TODAY.year + 1, 1, 1)
    return {
        "item_code": ITEM,
        "site": "Raufoss",
        "country": "NOR",
        "earliest_start": start.isoformat(),
        "minimum_economic_quantity": 10_000,
        "rates": [
            {"month": f"{start:%Y}-01", "units_per_month": 500},
            {"month": f"{start:%Y}-07", "units_per_month": 2_000},
        ],
        "inputs": ["nitrocellulose"],
    }


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"seeding: timed out after {timeout}s waiting for {what}")


# The bundles of the world, each in its own delivery window: name -> (years from now, multi-year).
BUNDLES = {
    "committed": 1,  # the joint order whose contract NAMMO signs
    "committed_for_award": 2,  # the joint order of the procurement the matrix awards and signs
    "committed_for_tender": 3,  # the joint order the matrix opens procurements for
    "proposed": 4,  # lead, open, deadline, SME share, participation, contract mode
    "to_commit": 5,
    "to_close": 6,
    "to_cancel": 7,
    "committed_for_signing": 8,  # the joint order of the procurement the matrix signs after its standstill
}
# Framework contracts, two years of yearly quantities each: the first runs today, so that
# its parties can call off; the second takes the accessions of the demand service.
FRAMEWORKS = {"framework": 0, "framework_for_accession": 2}
COMMITTED = ("committed", "committed_for_award", "committed_for_tender", "committed_for_signing")
STANDSTILL_DAYS = 10
CONTRACTS_AHEAD_DAYS = 1 + STANDSTILL_DAYS + 1
"""Days the contracts service's clock runs ahead once the seeded awards' standstill is over:
awarded the day after their offers were due, then the standstill."""


def seed(services: dict[str, ServiceProcess], receiver_url: str) -> World:
    started = time.monotonic()
    world = World(urls={name: s.url for name, s in services.items()}, receiver_url=receiver_url)
    ids = world.ids
    endpoint = world.call("notifications", "POST", "/v1/endpoints", industry(SUPPLIER),
                          {"url": receiver_url, "description": "edge"}, 201)  # fmt: skip
    ids["endpoint_id"] = endpoint["id"]
    purchase = world.call("contracts", "POST", "/v1/national-purchases", desk(OWN),
                          {"reference": "EDGE-SEEDED", "value_eur": "250000.00", "signed_on": TODAY.isoformat(),
                           "supplier_name": "Edge Works", "supplier_country": OWN}, 201)  # fmt: skip
    ids["purchase_id"] = purchase["id"]

    for name, offset in BUNDLES.items():
        for nation, quantity in ((OWN, 100), (PARTNER, 50)):
            need = {"nation": nation, "item_code": ITEM, "quantity": quantity, "delivery_window": year_window(offset)}
            created = world.call("demand", "POST", "/v1/needs", desk(nation), need, 201)
            ids.setdefault(f"need:{name}:{nation}", created["id"])
    for offset in FRAMEWORKS.values():
        for nation in (OWN, PARTNER):
            years = [TODAY.year + offset, TODAY.year + offset + 1]
            need = {"nation": nation, "item_code": ITEM, "delivery_window": year_window(offset, 2),
                    "yearly_quantities": [{"year": y, "quantity": 10} for y in years]}  # fmt: skip
            world.call("demand", "POST", "/v1/needs", desk(nation), need, 201)
    ids["need_id"] = ids["need:committed:NLD"]
    draft = {"nation": OWN, "item_code": ITEM, "quantity": 7, "delivery_window": year_window(12), "draft": True}
    ids["draft_need_id"] = world.call("demand", "POST", "/v1/needs", desk(OWN), draft, 201)["id"]
    submitted = {"nation": OWN, "item_code": ITEM, "quantity": 7, "delivery_window": year_window(13)}
    ids["submitted_need_id"] = world.call("demand", "POST", "/v1/needs", desk(OWN), submitted, 201)["id"]

    def bundle_in(start: str, kind: str | None = None) -> str | None:
        page = world.call("demand", "GET", f"/v1/bundles?item_code={ITEM}&limit=40", ADMIN, expect=200)
        for bundle in page["items"]:
            window = bundle.get("delivery_window") or {}
            ours = window.get("start") == start and set(bundle["nations"]) == {OWN, PARTNER}
            if ours and (kind is None or bundle.get("kind") == kind):
                found: str = bundle["id"]
                return found
        return None

    for name, offset in BUNDLES.items():
        ids[f"bundle:{name}"] = eventually(partial(bundle_in, year_window(offset)["start"]), f"bundle {name}")
    for name, offset in FRAMEWORKS.items():
        start = year_window(offset)["start"]
        ids[f"bundle:{name}"] = eventually(partial(bundle_in, start, "framework_contract"), f"bundle {name}")
    for name in (*BUNDLES, *FRAMEWORKS):
        world.call("demand", "POST", f"/v1/bundles/{ids[f'bundle:{name}']}/lead", ADMIN, {"lead": LEAD}, 200)
    for name in (*COMMITTED, *FRAMEWORKS):
        world.call("demand", "POST", f"/v1/bundles/{ids[f'bundle:{name}']}/commit", ADMIN, {"lead": LEAD}, 200)
    deadline = (TODAY + timedelta(days=30)).isoformat()
    world.call("demand", "POST", f"/v1/bundles/{ids['bundle:proposed']}/open", ADMIN,
               {"deadline": deadline, "minimum_nations": 2}, 200)  # fmt: skip

    def contract_of(bundle: str) -> str | None:
        response = httpx.get(f"{world.urls['contracts']}/v1/joint-orders/{bundle}/contract", headers=ADMIN)
        return str(response.json()["id"]) if response.status_code == 200 else None

    for name in COMMITTED:
        ids[f"contract:{name}"] = eventually(partial(contract_of, ids[f"bundle:{name}"]), f"contract of {name}")
    ids["contract_id"] = ids["contract:committed"]

    def framework_of(bundle: str) -> str | None:
        listed = world.call("contracts", "GET", "/v1/frameworks", ADMIN, expect=200)
        items = listed["items"] if isinstance(listed, dict) else listed
        return next((str(f["id"]) for f in items if f.get("bundle_id") == bundle), None)

    ids["framework_id"] = eventually(lambda: framework_of(ids["bundle:framework"]), "the framework")

    valid_until = (TODAY + timedelta(days=700)).isoformat()
    for org, country in ((SUPPLIER, "NOR"), (SECOND_SUPPLIER, "DEU")):
        body = {"organisation": org, "country": country, "industrial_base": "european",
                "security_declaration_valid_until": valid_until}  # fmt: skip
        ids[f"supplier:{org}"] = world.call("contracts", "POST", "/v1/suppliers", ADMIN, body, 201)["id"]
    ids["supplier_id"] = ids[f"supplier:{SUPPLIER}"]
    ids["line_id"] = world.call("contracts", "POST", "/v1/production-lines", industry(SUPPLIER), line_body(), 201)["id"]

    lead = coordinator(LEAD)
    offers_due_today = {"offers_due": TODAY.isoformat()}
    for name, key in (
        ("committed", "procurement_id"),
        ("committed_for_signing", "procurement:sign"),
        ("committed_for_award", "procurement:award"),
    ):
        body = procurement_body(name, ids) | offers_due_today
        procurement = world.call("contracts", "POST", "/v1/procurements", lead, body, 201)
        ids[key] = procurement["id"]
        world.call("contracts", "POST", f"/v1/procurements/{procurement['id']}/offers", industry(SUPPLIER), OFFER, 201)
    # The offers were due yesterday: the award follows; then its standstill runs out, and
    # from there on the contracts service lives after it.
    contracts = services["contracts"]
    for ahead in (1, CONTRACTS_AHEAD_DAYS):
        contracts.stop()
        contracts.env["CLOCK_START"] = clock_start(ahead)
        contracts.start()
        world.urls["contracts"] = contracts.url
        if ahead == 1:
            for key in ("procurement_id", "procurement:sign"):
                world.call("contracts", "POST", f"/v1/procurements/{ids[key]}/award", lead, None, 200)
    world.call("contracts", "POST", f"/v1/procurements/{ids['procurement_id']}/sign", lead, None, 200)
    tender = world.call(
        "contracts", "POST", "/v1/procurements", lead, procurement_body("committed_for_tender", ids), 201
    )
    ids["procurement:tender"] = tender["id"]  # open: offers due in CONTRACTS_OFFER_DAYS

    spec = {"reference": f"SPEC-EDGE-{uuid.uuid4().hex[:6]}", "item_code": ITEM, "title": "155 mm, edge",
            "nations": [OWN, PARTNER]}  # fmt: skip
    ids["specification_id"] = world.call("contracts", "POST", "/v1/specifications", lead, spec, 201)["id"]

    framework = ids["framework_id"]
    world.call("contracts", "POST", f"/v1/frameworks/{framework}/suppliers", lead,
               {"supplier_id": ids["supplier_id"], "unit_price_eur": "1000.00"}, 200)  # fmt: skip
    call_off = {"item_code": ITEM, "quantity": 1, "delivery_due": (TODAY + timedelta(days=60)).isoformat()}
    ids["call_off_id"] = world.call("contracts", "POST", f"/v1/frameworks/{framework}/call-offs", desk(OWN),
                                    call_off, 201)["id"]  # fmt: skip

    ids["framework:direct"] = direct_framework(world, with_partner=True)

    lots = {"lots": [{"nation": n, "quantity": 10, "due_date": (TODAY + timedelta(days=200)).isoformat()}
                     for n in (OWN, PARTNER)], "reason": "first schedule"}  # fmt: skip
    planned = world.call("contracts", "POST", f"/v1/contracts/{ids['contract_id']}/lots", lead, lots, 201)
    ids["lot_id"] = next(lot["id"] for lot in planned if lot["nation"] == OWN)

    def a_message() -> str | None:
        attempts = world.call("notifications", "GET", f"/v1/endpoints/{ids['endpoint_id']}/attempts",
                              industry(SUPPLIER), expect=200)  # fmt: skip
        items = attempts["items"] if isinstance(attempts, dict) else attempts
        delivered = [str(a["message_id"]) for a in items if a["succeeded"]]
        return delivered[0] if delivered else None

    # Money: the own nation pledges to the committed joint order (led by NSPA), and pays into
    # a fund NSPA runs for Ukraine, enough for the matrix's purchases.
    pledge = {"nation": OWN, "amount": {"amount": "1000.00"}, "bundle_id": ids["bundle:committed"]}
    ids["pledge_id"] = world.call("demand", "POST", "/v1/pledges", desk(OWN), pledge, 201)["id"]
    fund = {"lead": LEAD, "purpose": "edge", "item_codes": [ITEM], "beneficiary": "UKR"}
    ids["fund_id"] = world.call("demand", "POST", "/v1/funds", lead, fund, 201)["id"]
    paying = {"nation": OWN, "amount": {"amount": "1000.00"}, "fund_id": ids["fund_id"]}
    paid = world.call("demand", "POST", "/v1/pledges", desk(OWN), paying, 201)["id"]
    world.call("demand", "POST", f"/v1/pledges/{paid}/confirm", desk(OWN), {}, 200)
    world.call("demand", "POST", f"/v1/pledges/{paid}/paid", lead, {}, 200)

    retired = {"code": f"EDGE-{uuid.uuid4().hex[:6].upper()}", "name": "to retire", "category": "AMMO", "unit": "round"}
    ids["item:retire"] = world.call("demand", "POST", "/v1/catalogue/items", ADMIN, retired, 201)["code"]

    ids["message_id"] = eventually(a_message, "a message delivered to NAMMO's endpoint")
    print(f"\nworld seeded in {time.monotonic() - started:.1f}s")
    return world


def direct_framework(world: World, *, with_partner: bool = False) -> str:
    """A framework made in the contracts service by the own nation's desk, run with the
    lead's coordinators, supplied by NAMMO, with the outsider's request to accede pending;
    with the partner as a party, by a request the own desk approved."""
    own = desk(OWN)
    body = {"item_code": ITEM, "participants": {OWN: 10}, "ceiling_quantity": 10, "ceiling_value_eur": "100000.00",
            "start": (TODAY + timedelta(days=30)).isoformat(),
            "end": (TODAY + timedelta(days=700)).isoformat()}  # fmt: skip
    framework: str = world.call("contracts", "POST", "/v1/frameworks", own, body, 201)["id"]
    path = f"/v1/frameworks/{framework}"
    world.call("contracts", "POST", f"{path}/coordinators", own, {"coordinator": LEAD}, 200)
    world.call("contracts", "POST", f"{path}/suppliers", own,
               {"supplier_id": world.ids["supplier_id"], "unit_price_eur": "1000.00"}, 200)  # fmt: skip
    nations = (PARTNER, OUTSIDER) if with_partner else (OUTSIDER,)
    for nation in nations:
        world.call("contracts", "POST", f"{path}/accessions", desk(nation),
                   {"nation": nation, "quantity": 2, "budget_eur": "2000.00"}, 202)  # fmt: skip
    if with_partner:
        world.call("contracts", "POST", f"{path}/accessions/{PARTNER}/approve", own, None, 200)
    return framework


OFFER = {
    "unit_price_eur": "4000.00",
    "first_delivery": (TODAY + timedelta(days=90)).isoformat(),
    "monthly_rate": 5000,
    "origin_country": "NOR",
    "eu_component_share": 0.9,
    "non_associated_component_share": 0.05,
}


def procurement_body(bundle: str, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "item_code": ITEM,
        "buyer_nation": OWN,
        "nations": [OWN, PARTNER],
        "quantity": 150,
        "tender_date": TODAY.isoformat(),
        "weights": {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10},
        "quality_gates": [],
        "funding_instrument": None,
        "standstill_days": STANDSTILL_DAYS,
        "bundle_id": ids[f"bundle:{bundle}"],
    }
