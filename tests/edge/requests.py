"""A request for every route of the matrix that an allowed caller would find valid, so
that the answer reflects who is asking, not what was sent.

Paths are filled with the seeded world's ids. Acts that change state for good (commit,
award, a second accession of the same nation) are in ``ONCE``: the first allowed caller
must succeed, a later allowed caller may meet the changed state (409), and so may
every allowed caller once a caller who should have been refused has acted. A removal gets a
fresh object for every allowed caller (``FRESH``), so no cell finds its object gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.edge.world import (
    ITEM,
    LEAD,
    OTHER_AGENCY,
    OUTSIDER,
    OWN,
    PARTNER,
    SECOND_SUPPLIER,
    SUPPLIER,
    World,
    direct_framework,
    line_body,
    procurement_body,
    year_window,
)
from tests.support.today import TODAY

Route = tuple[str, str, str]
Body = Callable[[str, World], Any]

NATION_OF = {"own": OWN, "partner": PARTNER, "outsider": OUTSIDER}
ASSIGNED = "OCCAR"
"""The agency a lead lets run its procurement or framework with it: none of the matrix's
callers, so that no later row finds a caller's relation changed."""


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _need(relation: str, _: World) -> dict[str, Any]:
    return {"nation": NATION_OF.get(relation, OWN), "item_code": ITEM, "quantity": 3,
            "delivery_window": year_window(20), "draft": True}  # fmt: skip


def _spec(_: str, __: World) -> dict[str, Any]:
    return {"reference": f"SPEC-EDGE-{uuid.uuid4().hex[:8]}", "item_code": ITEM, "title": "edge",
            "nations": [OWN, PARTNER]}  # fmt: skip


def _supplier(_: str, __: World) -> dict[str, Any]:
    return {"organisation": f"EDGE-{uuid.uuid4().hex[:8].upper()}", "country": "DEU",
            "security_declaration_valid_until": _day(400)}  # fmt: skip


def _framework(relation: str, _: World) -> dict[str, Any]:
    """A framework is created with its creator's nation only; the others accede by their own act."""
    return {"item_code": ITEM, "participants": {NATION_OF.get(relation, OWN): 10}, "ceiling_quantity": 10,
            "ceiling_value_eur": "100000.00", "start": _day(30), "end": _day(700)}  # fmt: skip


def _endpoint(relation: str, world: World) -> dict[str, Any]:
    body = {"url": world.receiver_url, "description": "edge"}
    return body | {"organisation": SUPPLIER} if relation == "admin" else body


def national_purchase(_: str = "", __: World | None = None) -> dict[str, Any]:
    """A contract signed outside the platform a month ago, under a contract number of its own."""
    return {"reference": f"EDGE-{uuid.uuid4().hex[:8]}", "value_eur": "125000.00", "signed_on": _day(-30),
            "supplier_name": "Edge Works", "supplier_country": OWN}  # fmt: skip


def _catalogue_item(_: str, __: World) -> dict[str, Any]:
    code = f"EDGE-{uuid.uuid4().hex[:6].upper()}"
    return {"code": code, "name": "edge item", "category": "AMMO", "unit": "round"}


def _call_off(_: str, world: World) -> dict[str, Any]:
    return {"item_code": ITEM, "quantity": 1, "delivery_due": _day(60),
            "supplier_id": world.ids["supplier_id"]}  # fmt: skip


def _accession_demand(_: str, __: World) -> dict[str, Any]:
    return {"yearly_quantities": [{"year": TODAY.year + 3, "quantity": 2}]}


def _accession_contracts(relation: str, _: World) -> dict[str, Any]:
    return {"nation": NATION_OF.get(relation, OUTSIDER), "quantity": 2, "budget_eur": "2000.00"}


def _pledge(relation: str, world: World) -> dict[str, Any]:
    return {"nation": NATION_OF.get(relation, OWN), "amount": {"amount": "10.00"},
            "bundle_id": world.ids["bundle:committed"]}  # fmt: skip


def _fund(relation: str, _: World) -> dict[str, Any]:
    """A coordinator opens a fund its own agency leads; an admin, the lead's."""
    lead = {"other_coordinator": OTHER_AGENCY}.get(relation, LEAD)
    return {"lead": lead, "purpose": "edge", "item_codes": [ITEM], "beneficiary": "UKR"}


def _static(body: Any) -> Body:
    return lambda _relation, _world: body


# (service, method, path) -> (ids for the path's parameters, body)
REQUESTS: dict[Route, tuple[dict[str, str], Body | None]] = {
    ("demand", "POST", "/v1/needs"): ({}, _need),
    ("demand", "POST", "/v1/needs/preview"): ({}, _need),
    ("demand", "GET", "/v1/needs/{need_id}"): ({"need_id": "need_id"}, None),
    ("demand", "GET", "/v1/needs/{need_id}/history"): ({"need_id": "need_id"}, None),
    ("demand", "PATCH", "/v1/needs/{need_id}"): ({"need_id": "draft_need_id"}, _static({"quantity": 8})),
    ("demand", "POST", "/v1/needs/{need_id}/submit"): ({"need_id": "draft_need_id"}, None),
    ("demand", "POST", "/v1/needs/{need_id}/withdraw"): ({"need_id": "submitted_need_id"}, _static({"reason": "edge"})),
    ("demand", "GET", "/v1/bundles/{bundle_id}"): ({"bundle_id": "bundle:committed"}, None),
    ("demand", "GET", "/v1/bundles/{bundle_id}/lines"): ({"bundle_id": "bundle:committed"}, None),
    ("demand", "GET", "/v1/bundles/{bundle_id}/trail"): ({"bundle_id": "bundle:committed"}, None),
    ("demand", "POST", "/v1/bundles/{bundle_id}/lead"): ({"bundle_id": "bundle:proposed"}, _static({"lead": LEAD})),
    ("demand", "POST", "/v1/bundles/{bundle_id}/open"): (
        {"bundle_id": "bundle:to_close"},
        _static({"deadline": _day(30), "minimum_nations": 2}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/deadline"): (
        {"bundle_id": "bundle:proposed"},
        _static({"deadline": _day(40)}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/sme-share"): (
        {"bundle_id": "bundle:proposed"},
        _static({"share": 0.2}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/unit-price"): (
        {"bundle_id": "bundle:proposed"},
        _static({"unit_price": {"amount": "3500.00", "currency": "EUR"}}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/participation"): (
        {"bundle_id": "bundle:proposed"},
        _static({"decision": "confirm", "quantity": 10}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/commit"): ({"bundle_id": "bundle:to_commit"}, _static({"lead": LEAD})),
    ("demand", "POST", "/v1/bundles/{bundle_id}/close"): (
        {"bundle_id": "bundle:to_close"},
        _static({"reason": "edge"}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/cancel"): (
        {"bundle_id": "bundle:to_cancel"},
        _static({"reason": "edge"}),
    ),
    ("demand", "POST", "/v1/bundles/{bundle_id}/accessions"): (
        {"bundle_id": "bundle:framework_for_accession"},
        _accession_demand,
    ),
    ("demand", "POST", "/v1/catalogue/items"): ({}, _catalogue_item),
    ("demand", "GET", "/v1/catalogue/items/{code}"): ({"code": "=" + ITEM}, None),
    ("demand", "GET", "/v1/catalogue/items/{code}/operators"): ({"code": "=" + ITEM}, None),
    ("demand", "POST", "/v1/catalogue/items/{code}/retire"): ({"code": "item:retire"}, _static({"reason": "edge"})),
    ("demand", "GET", "/v1/demand-sheet/{item_code}"): ({"item_code": "=" + ITEM}, None),
    ("demand", "POST", "/v1/pledges"): ({}, _pledge),
    ("demand", "GET", "/v1/pledges/{pledge_id}"): ({"pledge_id": "pledge_id"}, None),
    ("demand", "POST", "/v1/pledges/{pledge_id}/confirm"): ({"pledge_id": "pledge_id"}, None),
    ("demand", "POST", "/v1/pledges/{pledge_id}/paid"): ({"pledge_id": "pledge_id"}, None),
    ("demand", "POST", "/v1/pledges/{pledge_id}/withdraw"): ({"pledge_id": "pledge_id"}, _static({"reason": "edge"})),
    ("demand", "POST", "/v1/funds"): ({}, _fund),
    ("demand", "GET", "/v1/funds/{fund_id}"): ({"fund_id": "fund_id"}, None),
    ("demand", "POST", "/v1/funds/{fund_id}/purchases"): (
        {"fund_id": "fund_id"},
        lambda _r, w: {"bundle_id": w.ids["bundle:committed"], "amount": {"amount": "1.00"}},
    ),
    ("demand", "POST", "/v1/funds/{fund_id}/close"): ({"fund_id": "fund_id"}, _static({"reason": "edge"})),
    ("contracts", "GET", "/v1/contracts/{contract_id}"): ({"contract_id": "contract_id"}, None),
    ("contracts", "GET", "/v1/contracts/{contract_id}/change-log"): ({"contract_id": "contract_id"}, None),
    ("contracts", "GET", "/v1/joint-orders/{bundle_id}/contract"): ({"bundle_id": "bundle:committed"}, None),
    ("contracts", "GET", "/v1/joint-orders/{bundle_id}/contracts"): ({"bundle_id": "bundle:committed"}, None),
    ("contracts", "PUT", "/v1/joint-orders/{bundle_id}/contract-mode"): (
        {"bundle_id": "bundle:proposed"},
        _static({"mode": "single"}),
    ),
    ("contracts", "POST", "/v1/suppliers"): ({}, _supplier),
    ("contracts", "GET", "/v1/suppliers/{supplier_id}"): ({"supplier_id": "supplier_id"}, None),
    ("contracts", "POST", "/v1/production-lines"): ({}, _static(line_body())),
    ("contracts", "GET", "/v1/production-lines/{line_id}"): ({"line_id": "line_id"}, None),
    ("contracts", "PUT", "/v1/production-lines/{line_id}"): ({"line_id": "line_id"}, _static(line_body())),
    ("contracts", "PUT", "/v1/suppliers/{supplier_id}/security-declaration"): (
        {"supplier_id": "supplier_id"},
        _static({"security_declaration_valid_until": _day(700)}),
    ),
    ("contracts", "POST", "/v1/specifications"): ({}, _spec),
    ("contracts", "GET", "/v1/specifications/{specification_id}"): ({"specification_id": "specification_id"}, None),
    ("contracts", "GET", "/v1/specifications/{specification_id}/deviations"): (
        {"specification_id": "specification_id"},
        None,
    ),
    ("contracts", "POST", "/v1/specifications/{specification_id}/deviations"): (
        {"specification_id": "specification_id"},
        _static({"description": "own fuze", "compatible": True}),
    ),
    ("contracts", "POST", "/v1/specifications/{specification_id}/positions"): (
        {"specification_id": "specification_id"},
        _static({"position": "agree"}),
    ),
    ("contracts", "POST", "/v1/procurements"): ({}, lambda _r, w: procurement_body("committed_for_tender", w.ids)),
    ("contracts", "GET", "/v1/procurements/{procurement_id}"): ({"procurement_id": "procurement_id"}, None),
    ("contracts", "GET", "/v1/procurements/{procurement_id}/offers"): ({"procurement_id": "procurement_id"}, None),
    ("contracts", "GET", "/v1/procurements/{procurement_id}/evaluation"): ({"procurement_id": "procurement_id"}, None),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/offers"): (
        {"procurement_id": "procurement:tender"},
        lambda _r, _w: _offer(),
    ),
    ("contracts", "GET", "/v1/tenders"): ({}, None),
    ("contracts", "GET", "/v1/tenders/{procurement_id}"): ({"procurement_id": "procurement:tender"}, None),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/award"): ({"procurement_id": "procurement:award"}, None),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/sign"): ({"procurement_id": "procurement:sign"}, None),
    ("contracts", "GET", "/v1/procurements/{procurement_id}/ocds"): ({"procurement_id": "procurement_id"}, None),
    ("contracts", "POST", "/v1/frameworks"): ({}, _framework),
    ("contracts", "GET", "/v1/frameworks/{framework_id}"): ({"framework_id": "framework_id"}, None),
    ("contracts", "GET", "/v1/frameworks/{framework_id}/call-offs"): ({"framework_id": "framework_id"}, None),
    ("contracts", "GET", "/v1/frameworks/{framework_id}/accessions"): ({"framework_id": "framework_id"}, None),
    ("contracts", "GET", "/v1/frameworks/{framework_id}/change-log"): ({"framework_id": "framework_id"}, None),
    ("contracts", "GET", "/v1/frameworks/{framework_id}/call-offs/{call_off_id}/ocds"): (
        {"framework_id": "framework_id", "call_off_id": "call_off_id"},
        None,
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/suppliers"): (
        {"framework_id": "framework_id"},
        lambda _r, w: {"supplier_id": w.ids[f"supplier:{SECOND_SUPPLIER}"], "unit_price_eur": "900.00"},
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions"): (
        {"framework_id": "framework_id"},
        _accession_contracts,
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/approve"): (
        {"framework_id": "framework:direct", "nation": "=" + OUTSIDER},
        None,
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/refuse"): (
        {"framework_id": "framework:direct", "nation": "=" + OUTSIDER},
        _static({"reason": "edge"}),
    ),
    ("contracts", "PUT", "/v1/frameworks/{framework_id}/settings"): (
        {"framework_id": "framework_id"},
        _static({"accession_policy": "approval_required", "pooled_shares": False}),
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/coordinators"): (
        {"framework_id": "framework_id"},
        _static({"coordinator": ASSIGNED}),
    ),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/coordinators"): (
        {"procurement_id": "procurement_id"},
        _static({"coordinator": ASSIGNED}),
    ),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/call-offs"): ({"framework_id": "framework_id"}, _call_off),
    ("contracts", "GET", "/v1/frameworks/{framework_id}/ocds"): ({"framework_id": "framework_id"}, None),
    ("contracts", "GET", "/v1/contracts/{contract_id}/lots"): ({"contract_id": "contract_id"}, None),
    ("contracts", "GET", "/v1/lots/{lot_id}/deliveries"): ({"lot_id": "lot_id"}, None),
    ("contracts", "GET", "/v1/lots/{lot_id}/history"): ({"lot_id": "lot_id"}, None),
    ("contracts", "POST", "/v1/contracts/{contract_id}/lots"): (
        {"contract_id": "contract_id"},
        _static({"lots": [{"nation": OWN, "quantity": 1, "due_date": _day(300)}], "reason": "edge"}),
    ),
    ("contracts", "PUT", "/v1/contracts/{contract_id}/capacity"): (
        {"contract_id": "contract:committed_for_tender"},
        _static({"monthly_capacity": 50, "start": _day(30)}),
    ),
    ("contracts", "POST", "/v1/contracts/{contract_id}/schedule-shift"): (
        {"contract_id": "contract_id"},
        _static({"window": {"start": f"{TODAY.year + 1}-01-01", "end": f"{TODAY.year + 1}-12-31"}, "reason": "edge"}),
    ),
    ("contracts", "GET", "/v1/production-lines/{line_id}/allocation"): ({"line_id": "line_id"}, None),
    ("contracts", "PUT", "/v1/stock-levels/{item_code}"): ({"item_code": f"={ITEM}"}, _static({"coverage": 0.4})),
    ("contracts", "GET", "/v1/materials/{name}"): ({"name": "=graphite"}, None),
    ("contracts", "PUT", "/v1/materials/{name}"): (
        {"name": "=edge material"},
        _static({"category": "component", "risk": "low", "origins": {"DEU": 0.5}, "note": "edge"}),
    ),
    ("contracts", "POST", "/v1/lots/{lot_id}/deliveries"): (
        {"lot_id": "lot_id"},
        _static({"quantity": 1, "delivered_on": TODAY.isoformat()}),
    ),
    ("contracts", "PUT", "/v1/lots/{lot_id}/forecast"): ({"lot_id": "lot_id"}, _static({"forecast_date": _day(190)})),
    ("contracts", "PUT", "/v1/lots/{lot_id}/due-date"): (
        {"lot_id": "lot_id"},
        _static({"due_date": _day(210), "reason": "edge"}),
    ),
    ("notifications", "POST", "/v1/endpoints"): ({}, _endpoint),
    ("notifications", "GET", "/v1/endpoints/{endpoint_id}"): ({"endpoint_id": "endpoint_id"}, None),
    ("notifications", "PATCH", "/v1/endpoints/{endpoint_id}"): (
        {"endpoint_id": "endpoint_id"},
        _static({"description": "edge, changed"}),
    ),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/pause"): ({"endpoint_id": "endpoint_id"}, None),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/resume"): ({"endpoint_id": "endpoint_id"}, None),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/rotate-secret"): ({"endpoint_id": "endpoint_id"}, None),
    ("notifications", "GET", "/v1/endpoints/{endpoint_id}/attempts"): ({"endpoint_id": "endpoint_id"}, None),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/messages/{message_id}/resend"): (
        {"endpoint_id": "endpoint_id", "message_id": "message_id"},
        None,
    ),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/recover"): (
        {"endpoint_id": "endpoint_id"},
        lambda _r, _w: {"since": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    ),
    ("notifications", "GET", "/v1/messages/{message_id}/deliveries"): ({"message_id": "message_id"}, None),
    ("notifications", "DELETE", "/v1/endpoints/{endpoint_id}"): ({"endpoint_id": "endpoint_id"}, None),
    ("contracts", "POST", "/v1/national-purchases"): ({}, national_purchase),
    ("contracts", "DELETE", "/v1/national-purchases/{purchase_id}"): ({"purchase_id": "purchase_id"}, None),
}

ONCE: set[Route] = {
    ("demand", "POST", "/v1/needs/{need_id}/submit"),
    ("demand", "POST", "/v1/needs/{need_id}/withdraw"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/open"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/commit"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/close"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/cancel"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/participation"),
    ("demand", "POST", "/v1/bundles/{bundle_id}/accessions"),
    ("demand", "POST", "/v1/catalogue/items/{code}/retire"),
    ("contracts", "POST", "/v1/procurements"),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/offers"),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/award"),
    ("contracts", "POST", "/v1/procurements/{procurement_id}/sign"),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/suppliers"),
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions"),
    ("contracts", "POST", "/v1/specifications/{specification_id}/positions"),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/pause"),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/resume"),
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/messages/{message_id}/resend"),
}

# A route whose allowed callers each act on an object of their own, made by this function.
FRESH: dict[Route, Callable[[World], dict[str, str]]] = {}


def _offer() -> dict[str, Any]:
    return {
        "unit_price_eur": "4100.00",
        "first_delivery": _day(90),
        "monthly_rate": 4000,
        "origin_country": "NOR",
        "eu_component_share": 0.9,
        "non_associated_component_share": 0.05,
    }


def fresh_endpoint(world: World) -> dict[str, str]:
    created = world.call("notifications", "POST", "/v1/endpoints", world.headers["contracted_supplier"],
                         {"url": world.receiver_url, "description": "edge, to remove"}, 201)  # fmt: skip
    return {"endpoint_id": str(created["id"])}


FRESH[("notifications", "DELETE", "/v1/endpoints/{endpoint_id}")] = fresh_endpoint


def fresh_national_purchase(world: World) -> dict[str, str]:
    """Withdrawn once: each allowed caller withdraws one the own nation recorded for it."""
    made = world.call("contracts", "POST", "/v1/national-purchases", world.headers["own"], national_purchase(), 201)
    return {"purchase_id": str(made["id"])}


FRESH[("contracts", "DELETE", "/v1/national-purchases/{purchase_id}")] = fresh_national_purchase


def fresh_accession(world: World) -> dict[str, str]:
    """A decision on a request to accede is taken once: each allowed caller decides its own."""
    return {"framework_id": direct_framework(world), "nation": OUTSIDER}


FRESH[("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/approve")] = fresh_accession
FRESH[("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/refuse")] = fresh_accession


def fresh_pledge(world: World, *, confirmed: bool = False) -> dict[str, str]:
    """A pledge of the own nation to the committed joint order, each allowed caller its own."""
    body = {"nation": OWN, "amount": {"amount": "10.00"}, "bundle_id": world.ids["bundle:committed"]}
    made = world.call("demand", "POST", "/v1/pledges", world.headers["own"], body, 201)
    if confirmed:
        world.call("demand", "POST", f"/v1/pledges/{made['id']}/confirm", world.headers["own"], {}, 200)
    return {"pledge_id": str(made["id"])}


def fresh_fund(world: World) -> dict[str, str]:
    body = {"lead": LEAD, "purpose": "edge, to close", "item_codes": [ITEM], "beneficiary": "UKR"}
    return {
        "fund_id": str(world.call("demand", "POST", "/v1/funds", world.headers["lead_coordinator"], body, 201)["id"])
    }


FRESH[("demand", "POST", "/v1/pledges/{pledge_id}/confirm")] = fresh_pledge
FRESH[("demand", "POST", "/v1/pledges/{pledge_id}/withdraw")] = fresh_pledge
FRESH[("demand", "POST", "/v1/pledges/{pledge_id}/paid")] = lambda world: fresh_pledge(world, confirmed=True)
FRESH[("demand", "POST", "/v1/funds/{fund_id}/close")] = fresh_fund
