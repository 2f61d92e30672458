"""The contracts API takes nothing on trust: every number bounded and finite, no boolean for
a number, dates within the planning range, nations that exist, bounded lists and clean
names, unknown fields refused; each refusal a 422 problem naming the field and the rule,
never a 500. Money is kept and answered in euros with cents, exactly."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from contracts.entrypoints.app import create_app
from tests.contracts.integration.conftest import Api
from tests.support.api import coordinator, desk, industry
from tests.support.openapi import lax_spots
from tests.support.today import TODAY

START = TODAY.isoformat()
END = (TODAY + timedelta(days=4 * 365)).isoformat()
DUE = (TODAY + timedelta(days=200)).isoformat()


def framework(**changes: Any) -> dict[str, Any]:
    return {
        "item_code": "MMR",
        "participants": {"NLD": 9},
        "ceiling_quantity": 9,
        "ceiling_value_eur": "225000000.00",
        "start": START,
        "end": END,
    } | changes


def procurement(**changes: Any) -> dict[str, Any]:
    return {
        "item_code": "AMMO-155MM",
        "buyer_nation": "NLD",
        "nations": ["NLD"],
        "quantity": 10_000,
        "tender_date": START,
        "weights": {"price": 40, "delivery": 30, "origin": 20, "industrial_participation": 10},
    } | changes


def offer(**changes: Any) -> dict[str, Any]:
    return {
        "unit_price_eur": "4200.00",
        "first_delivery": DUE,
        "monthly_rate": 2_000,
        "origin_country": "NLD",
        "eu_component_share": 0.9,
        "non_associated_component_share": 0.0,
    } | changes


async def send(api: Api, method: str, path: str, headers: dict[str, str], text: str) -> httpx.Response:
    """A body as raw JSON text, so that NaN, Infinity and 1e400 reach the service as written."""
    return await api.client.request(method, path, headers={**headers, "content-type": "application/json"}, content=text)


def refused(response: httpx.Response, field: str, rule: str | None = None) -> None:
    assert response.status_code == 422, f"{response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    named = [e for e in errors if e["field"] == field or e["field"].startswith(field + ".")]
    assert named, f"no error names {field}: {errors}"
    if rule is not None:
        assert rule in {e["rule"] for e in named}, f"{field}: {named}"


async def open_framework(api: Api) -> str:
    created = await api.call("POST", "/v1/frameworks", desk("NLD"), framework(), 201)
    framework_id: str = created["id"]
    return framework_id


async def open_procurement(api: Api) -> str:
    created = await api.call("POST", "/v1/procurements", desk("NLD"), procurement(), 201)
    procurement_id: str = created["id"]
    return procurement_id


# --- numbers beyond what the platform holds, not finite, or not numbers at all -----------

TOO_LARGE = ["1" + "0" * 30, str(2**63), "1e308", "1e400", "NaN", "Infinity", "-Infinity", "true", "-1"]


@pytest.mark.parametrize("value", TOO_LARGE)
async def test_a_framework_ceiling_must_be_a_euro_amount_within_bounds(api: Api, value: str) -> None:
    body = json.dumps(framework(ceiling_value_eur=0)).replace('"ceiling_value_eur": 0', f'"ceiling_value_eur": {value}')
    refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), body), "body.ceiling_value_eur")


@pytest.mark.parametrize("value", [str(2**63), "1" + "0" * 30, "1e400", "NaN", "true", "9.5", "0"])
async def test_a_framework_quantity_must_be_a_whole_number_within_bounds(api: Api, value: str) -> None:
    body = json.dumps(framework(ceiling_quantity=-7)).replace("-7", value)
    refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), body), "body.ceiling_quantity")
    body = json.dumps(framework(participants={"NLD": -7})).replace("-7", value)
    if value != "0":  # a participant may bring nothing yet
        refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), body), "body.participants.NLD")


@pytest.mark.parametrize("value", ["1" + "0" * 30, str(2**63), "1e400", "-Infinity", "NaN", "true", "0.001"])
async def test_an_accession_budget_must_be_a_euro_amount_within_bounds(api: Api, value: str) -> None:
    framework_id = await open_framework(api)
    body = f'{{"nation": "NOR", "quantity": 2, "budget_eur": {value}}}'
    refused(await send(api, "POST", f"/v1/frameworks/{framework_id}/accessions", desk("NLD"), body), "body.budget_eur")
    shown = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NLD"))
    assert shown["participants"] == {"NLD": 9}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "-1", "true", "1e308"])
@pytest.mark.parametrize("criterion", ["price", "delivery", "origin", "industrial_participation"])
async def test_a_procurement_weight_must_be_a_finite_number(api: Api, criterion: str, value: str) -> None:
    body = json.dumps(procurement()).replace(f'"{criterion}": ', f'"{criterion}": {value}, "x": ', 1)
    body = body.replace(f', "x": {procurement()["weights"][criterion]}', "")
    refused(await send(api, "POST", "/v1/procurements", desk("NLD"), body), f"body.weights.{criterion}")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("unit_price_eur", "NaN"),
        ("unit_price_eur", "1e400"),
        ("unit_price_eur", "true"),
        ("unit_price_eur", "0"),
        ("unit_price_eur", "1" + "0" * 30),
        ("eu_component_share", "NaN"),
        ("eu_component_share", "true"),
        ("eu_component_share", "1.5"),
        ("monthly_rate", str(2**63)),
        ("monthly_rate", "true"),
    ],
)
async def test_an_offer_takes_finite_bounded_numbers(api: Api, name: str, value: str) -> None:
    procurement_id = await open_procurement(api)
    await api.supplier("KNDS-DE", "DEU")
    body = json.dumps(offer(**{name: "@"})).replace('"@"', value)
    response = await send(api, "POST", f"/v1/procurements/{procurement_id}/offers", industry("KNDS-DE"), body)
    refused(response, f"body.{name}")


async def test_true_is_no_quantity_and_a_quoted_number_is_no_count(api: Api) -> None:
    refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), json.dumps(framework(ceiling_quantity=True))),
            "body.ceiling_quantity", "int_type")  # fmt: skip
    refused(await send(api, "POST", "/v1/procurements", desk("NLD"), json.dumps(procurement(quantity="10000"))),
            "body.quantity", "int_type")  # fmt: skip
    refused(await send(api, "POST", "/v1/suppliers", coordinator(), '{"organisation": "ACME", "country": "NLD", '
            '"sme": "yes"}'), "body.sme", "bool_type")  # fmt: skip


# --- nations, dates, lists and names --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (framework(participants={"XXX": 1}), "body.participants", "unknown_nation"),
        (framework(participants={"nld": 1}), "body.participants", "string_pattern_mismatch"),
        (procurement(buyer_nation="XXX"), "body.buyer_nation", "unknown_nation"),
        (procurement(nations=["NLD", "ZZZ"]), "body.nations.1", "unknown_nation"),
    ],
)
async def test_a_nation_must_be_one_the_platform_knows(api: Api, body: dict[str, Any], field: str, rule: str) -> None:
    path = "/v1/frameworks" if "participants" in body else "/v1/procurements"
    refused(await send(api, "POST", path, desk("NLD"), json.dumps(body)), field, rule)


async def test_an_accession_and_a_lot_name_a_known_nation(api: Api) -> None:
    framework_id = await open_framework(api)
    response = await send(api, "POST", f"/v1/frameworks/{framework_id}/accessions", desk("NLD"),
                          '{"nation": "XXX", "quantity": 2}')  # fmt: skip
    refused(response, "body.nation", "unknown_nation")
    response = await send(api, "POST", "/v1/contracts/contract-none/lots", coordinator(),
                          json.dumps({"lots": [{"nation": "XXX", "quantity": 1, "due_date": DUE}]}))  # fmt: skip
    refused(response, "body.lots.0.nation", "unknown_nation")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "9999-12-31"}, "body.end"),
        ({"start": "1900-01-01"}, "body.start"),
        ({"end": 1893456000}, "body.end"),
        ({"end": "31-12-2029"}, "body.end"),
    ],
)
async def test_a_framework_term_lies_within_the_planning_range(api: Api, changes: dict[str, Any], field: str) -> None:
    refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), json.dumps(framework(**changes))), field)


async def test_a_call_off_and_a_tender_date_lie_within_the_planning_range(api: Api) -> None:
    body = procurement(tender_date="9999-01-01")
    refused(await send(api, "POST", "/v1/procurements", desk("NLD"), json.dumps(body)), "body.tender_date")
    framework_id = await open_framework(api)
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": "9999-01-01"}
    response = await send(api, "POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"), json.dumps(body))
    refused(response, "body.delivery_due")


async def test_a_body_of_ten_megabytes_is_refused_before_it_is_read(api: Api) -> None:
    body = json.dumps(framework(items=["AMMO-155MM"] * 800_000))
    assert len(body) > 10_000_000
    response = await send(api, "POST", "/v1/frameworks", desk("NLD"), body)
    assert response.status_code == 413, response.text[:300]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/frameworks", framework(items=["AMMO-155MM"] * 70_000), "body.items"),
        ("/v1/frameworks", framework(participants={"NLD": 1} | {f"A{i:04d}": 1 for i in range(200)}),
         "body.participants"),
        ("/v1/procurements", procurement(quality_gates=[f"gate {i}" for i in range(20_000)]), "body.quality_gates"),
        ("/v1/procurements", procurement(nations=["NLD"] * 60_000), "body.nations"),
    ],
)  # fmt: skip
async def test_every_list_is_bounded(api: Api, path: str, body: dict[str, Any], field: str) -> None:
    text = json.dumps(body)
    assert len(text) < 1_000_000
    response = await send(api, "POST", path, desk("NLD"), text)
    assert response.status_code == 422, response.text[:300]
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.text[:500]


async def test_a_specification_bounds_its_lists_and_texts(api: Api) -> None:
    base = {"reference": "SPEC-155MM-NATO", "item_code": "AMMO-155MM", "title": "155 mm", "nations": ["NLD"]}
    for changes, field in (
        ({"standards": ["STANAG 4425"] * 5_000}, "body.standards"),
        ({"critical_materials": ["graphite"] * 5_000}, "body.critical_materials"),
        ({"key_performance": {f"k{i}": "v" for i in range(5_000)}}, "body.key_performance"),
        ({"deviations": [{"nation": "NLD", "description": "x" * 10_000, "compatible": True}]}, "body.deviations.0"),
        ({"title": "155 mm\x00"}, "body.title"),
        ({"nations": ["XXX"]}, "body.nations.0"),
    ):
        response = await send(api, "POST", "/v1/specifications", coordinator(), json.dumps(base | changes))
        refused(response, field)


@pytest.mark.parametrize("organisation", ["ACME\x00DEFENCE", "ACME\nDEFENCE", "ACME\x1b[31m", "A" * 81, "", 12345])
async def test_a_supplier_name_is_one_clean_line(api: Api, organisation: Any) -> None:
    body = {"organisation": organisation, "country": "NLD", "security_declaration_valid_until": DUE}
    refused(await send(api, "POST", "/v1/suppliers", coordinator(), json.dumps(body)), "body.organisation")


async def test_an_unknown_field_is_refused_not_dropped(api: Api) -> None:
    body = framework(ceiling_quantitiy=9)
    refused(await send(api, "POST", "/v1/frameworks", desk("NLD"), json.dumps(body)), "body.ceiling_quantitiy",
            "extra_forbidden")  # fmt: skip
    body = procurement(weights={"price": 1, "delivery": 1, "origin": 1, "industrial_participation": 1, "speed": 5})
    refused(await send(api, "POST", "/v1/procurements", desk("NLD"), json.dumps(body)), "body.weights.speed",
            "extra_forbidden")  # fmt: skip


# --- path and query parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/contracts/{id}",
        "/v1/frameworks/{id}",
        "/v1/procurements/{id}",
        "/v1/suppliers/{id}",
        "/v1/specifications/{id}",
        "/v1/contracts/{id}/lots",
        "/v1/joint-orders/{id}/contract",
    ],
)
@pytest.mark.parametrize("name", ["%00", "x%00y", "a" * 5_000, "%F0%9F%92%A3", "..", "%20"])
async def test_an_odd_id_in_a_path_is_not_found_or_refused(api: Api, path: str, name: str) -> None:
    response = await api.client.get(path.format(id=name), headers=coordinator())
    assert response.status_code in (404, 422), f"{path} {name[:20]}: {response.status_code} {response.text[:200]}"


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=1e400", "offset=NaN", "limit=true"]
)
async def test_paging_parameters_are_bounded(api: Api, query: str) -> None:
    response = await api.client.get(f"/v1/contracts?{query}", headers=coordinator())
    refused(response, "query." + query.split("=")[0])


# --- money in euros with cents ----------------------------------------------------------


async def test_money_is_kept_and_answered_to_the_cent(api: Api) -> None:
    """2,500,000.10 EUR three times is exactly the ceiling of 7,500,000.30 EUR: in floating
    point it is a fraction of a cent more, and the call-off would be refused."""
    created = await api.call("POST", "/v1/frameworks", desk("NLD"),
                             framework(ceiling_quantity=3, participants={"NLD": 3}, ceiling_value_eur="7500000.30"),
                             201)  # fmt: skip
    assert created["ceiling_value_eur"] == "7500000.30"
    thales = await api.supplier("THALES-NL", "NLD")
    path = f"/v1/frameworks/{created['id']}"
    added = await api.call("POST", f"{path}/suppliers", desk("NLD"),
                           {"supplier_id": thales["id"], "unit_price_eur": "2500000.10"})  # fmt: skip
    assert added["remaining_value_eur"] == "7500000.30"
    placed = await api.call("POST", f"{path}/call-offs", desk("NLD"),
                            {"item_code": "MMR", "quantity": 3, "delivery_due": DUE}, 201)  # fmt: skip
    assert placed["unit_price_eur"] == "2500000.10"
    shown = await api.call("GET", path, desk("NLD"))
    assert (shown["ceiling_value_eur"], shown["remaining_value_eur"]) == ("7500000.30", "0.00")
    (event,) = await api.events("contracts.framework.created")
    assert event["payload"]["ceiling_value_eur"] == 7500000.3  # the number existing consumers read
    assert event["payload"]["ceiling_value"] == "7500000.30"


async def test_a_whole_number_of_euros_is_taken_and_answered_with_cents(api: Api) -> None:
    created = await api.call("POST", "/v1/frameworks", desk("NLD"), framework(ceiling_value_eur=225_000_000), 201)
    assert created["ceiling_value_eur"] == "225000000.00"
    response = await send(api, "POST", "/v1/frameworks", desk("NLD"), json.dumps(framework(ceiling_value_eur=0.001)))
    refused(response, "body.ceiling_value_eur", "decimal_max_places")


async def test_an_accession_grows_the_ceiling_by_its_budget_exactly(api: Api) -> None:
    framework_id = await open_framework(api)
    path = f"/v1/frameworks/{framework_id}"
    await api.call("PUT", f"{path}/settings", desk("NLD"), {"accession_policy": "open"})
    for nation, budget in (("NOR", "0.10"), ("DNK", "0.20")):
        body = {"nation": nation, "quantity": 2, "budget_eur": budget}
        await api.call("POST", f"{path}/accessions", desk(nation), body, 202)
    grown = await api.call("GET", path, desk("NLD"))
    assert grown["ceiling_value_eur"] == "225000000.30"


# --- the OpenAPI document -------------------------------------------------------------------


async def test_every_operation_declares_bounded_strict_input() -> None:
    """What a client or a fuzzer reads in the document: every body refuses unknown fields,
    every number, string, list and map has bounds, every path parameter a length."""
    app = create_app()
    assert lax_spots(app.openapi()) == []
