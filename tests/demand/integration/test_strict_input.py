"""The demand API takes nothing on trust: every number, date, string and list of a
request is bounded, a field it does not know is refused, money is kept to the cent, and
every refusal is a 422 problem naming the field and the rule, never a 5xx."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bundling_shared.auth import Role
from bundling_shared.clock import FixedClock
from demand.config import DemandSettings
from demand.entrypoints.app import MIGRATIONS, create_app
from tests.demand.helpers import DEMAND_DAY, aggregate_all, need_body, outbox_events
from tests.support.api import bearer, coordinator, desk
from tests.support.migrated import at_latest_schema

Demand = tuple[Any, httpx.AsyncClient]

THIS_YEAR = DEMAND_DAY.year
WINDOW = {"start": f"{THIS_YEAR}-01-01", "end": f"{THIS_YEAR + 2}-12-31"}
TEN_YEARS = {"start": f"{THIS_YEAR}-01-01", "end": f"{THIS_YEAR + 9}-12-31"}
NEED = "/v1/needs/need-01a242be8d507241a657861ca236f598"
BUNDLE = "/v1/bundles/bundle-01a242be8d507241a657861ca236f598"


def body(nation: str = "NLD", quantity: Any = 1000, **overrides: Any) -> dict[str, Any]:
    return need_body(nation, quantity, **{"delivery_window": WINDOW, **overrides})


@pytest.fixture
async def lone(tmp_path: Path, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """The service on SQLite alone, for what the request models refuse before any storage."""
    settings = DemandSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'strict.db'}", run_migrations=False)
    await at_latest_schema(settings.database_url, MIGRATIONS)
    app = create_app(settings, clock=clock)
    service = app.state.service
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://demand") as client:
        yield client
    await service.engine.dispose()


async def send(
    client: httpx.AsyncClient, method: str, path: str, payload: Any, headers: dict[str, str]
) -> httpx.Response:
    content = payload if isinstance(payload, str) else json.dumps(payload)
    return await client.request(method, path, content=content, headers=headers | {"content-type": "application/json"})


def refused(response: httpx.Response, field: str, rule: str | None = None) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    named = {(e["field"], e["rule"]) for e in errors}
    assert any(f == field and (rule is None or r == rule) for f, r in named), named


BODY_CASES: list[tuple[str, str, str, Any, dict[str, str], str, str | None]] = [
    # (case, method, path, body, headers, field, rule)
    ("quantity 10^30", "POST", "/v1/needs", body(quantity=10**30), desk("NLD"), "body.quantity", "less_than_equal"),
    ("quantity 2^63", "POST", "/v1/needs", body(quantity=2**63), desk("NLD"), "body.quantity", "less_than_equal"),
    (
        "yearly 2^63",
        "POST",
        "/v1/needs",
        body(quantity=None, yearly_quantities=[{"year": THIS_YEAR, "quantity": 2**63}]),
        desk("NLD"),
        "body.yearly_quantities.0.quantity",
        "less_than_equal",
    ),
    (
        "budget 10^30",
        "POST",
        "/v1/needs",
        body(budget_ceiling={"amount": 10**30}),
        desk("NLD"),
        "body.budget_ceiling.amount",
        None,
    ),
    ("preview 2^63", "POST", "/v1/needs/preview", body(quantity=2**63), desk("NLD"), "body.quantity", None),
    ("amend 2^63", "PATCH", NEED, {"quantity": 2**63}, desk("NLD"), "body.quantity", "less_than_equal"),
    (
        "participation 2^63",
        "POST",
        f"{BUNDLE}/participation",
        {"decision": "confirm", "quantity": 2**63},
        desk("NLD"),
        "body.quantity",
        None,
    ),
    (
        "minimum nations 2^63",
        "POST",
        f"{BUNDLE}/open",
        {"deadline": f"{THIS_YEAR + 1}-03-31", "minimum_nations": 2**63},
        coordinator(),
        "body.minimum_nations",
        None,
    ),
    (
        "accession 10^30",
        "POST",
        f"{BUNDLE}/accessions",
        {"yearly_quantities": [{"year": THIS_YEAR + 1, "quantity": 10**30}]},
        desk("NOR"),
        "body.yearly_quantities.0.quantity",
        None,
    ),
    ("quantity true", "POST", "/v1/needs", body(quantity=True), desk("NLD"), "body.quantity", "int_type"),
    ("quantity '5'", "POST", "/v1/needs", body(quantity="5"), desk("NLD"), "body.quantity", "int_type"),
    ("quantity 5.0", "POST", "/v1/needs", body(quantity=5.0), desk("NLD"), "body.quantity", "int_type"),
    ("recurring 1", "POST", "/v1/needs", body(recurring=1), desk("NLD"), "body.recurring", "bool_type"),
    ("draft 'yes'", "POST", "/v1/needs", body(draft="yes"), desk("NLD"), "body.draft", "bool_type"),
    ("amend true", "PATCH", NEED, {"quantity": True}, desk("NLD"), "body.quantity", "int_type"),
    (
        "confirm true",
        "POST",
        f"{BUNDLE}/participation",
        {"decision": "confirm", "quantity": True},
        desk("NLD"),
        "body.quantity",
        "int_type",
    ),
    (
        "budget true",
        "POST",
        "/v1/needs",
        body(budget_ceiling={"amount": True}),
        desk("NLD"),
        "body.budget_ceiling.amount",
        None,
    ),
    ("quantitiy", "POST", "/v1/needs", body(quantitiy=5), desk("NLD"), "body.quantitiy", "extra_forbidden"),
    (
        "budget_ceilling",
        "POST",
        "/v1/needs",
        body(budget_ceilling={"amount": 5}),
        desk("NLD"),
        "body.budget_ceilling",
        "extra_forbidden",
    ),
    (
        "budget amout",
        "POST",
        "/v1/needs",
        body(budget_ceiling={"amout": 5}),
        desk("NLD"),
        "body.budget_ceiling.amout",
        "extra_forbidden",
    ),
    (
        "window stat",
        "POST",
        "/v1/needs",
        body(delivery_window={"stat": WINDOW["start"], "start": WINDOW["start"], "end": WINDOW["end"]}),
        desk("NLD"),
        "body.delivery_window.stat",
        "extra_forbidden",
    ),
    ("amend quantitiy", "PATCH", NEED, {"quantitiy": 5}, desk("NLD"), "body.quantitiy", "extra_forbidden"),
    ("withdraw reasn", "POST", f"{NEED}/withdraw", {"reasn": "x"}, desk("NLD"), "body.reasn", "extra_forbidden"),
    (
        "open dedline",
        "POST",
        f"{BUNDLE}/open",
        {"deadline": f"{THIS_YEAR + 1}-03-31", "dedline": "x"},
        coordinator(),
        "body.dedline",
        "extra_forbidden",
    ),
    (
        "window to 9999",
        "POST",
        "/v1/needs",
        body(delivery_window={"start": WINDOW["start"], "end": "9999-12-31"}),
        desk("NLD"),
        "body.delivery_window.end",
        None,
    ),
    (
        "recurring to 9999",
        "POST",
        "/v1/needs",
        body(recurring=True, delivery_window={"start": WINDOW["start"], "end": "9999-12-31"}),
        desk("NLD"),
        "body.delivery_window.end",
        None,
    ),
    (
        "window from 1900",
        "POST",
        "/v1/needs",
        body(delivery_window={"start": "1900-01-01", "end": WINDOW["end"]}),
        desk("NLD"),
        "body.delivery_window.start",
        None,
    ),
    (
        "window as a number",
        "POST",
        "/v1/needs",
        body(delivery_window={"start": 1_700_000_000, "end": WINDOW["end"]}),
        desk("NLD"),
        "body.delivery_window.start",
        None,
    ),
    (
        "deadline 9999",
        "POST",
        f"{BUNDLE}/deadline",
        {"deadline": "9999-01-01"},
        coordinator(),
        "body.deadline",
        None,
    ),
    ("nation XXX", "POST", "/v1/needs", body("XXX"), desk("XXX"), "body.nation", "unknown_nation"),
    ("nation nld", "POST", "/v1/needs", body("nld"), desk("NLD"), "body.nation", None),
    ("lead 5000 chars", "POST", f"{BUNDLE}/lead", {"lead": "N" * 5000}, coordinator(), "body.lead", None),
    (
        "deviation with a control character",
        "POST",
        "/v1/needs",
        body(deviations=[{"description": "lot\x00marking", "compatible": True}]),
        desk("NLD"),
        "body.deviations.0.description",
        None,
    ),
    (
        "deviations without end",
        "POST",
        "/v1/needs",
        body(deviations=[{"description": f"d{i}", "compatible": True} for i in range(1000)]),
        desk("NLD"),
        "body.deviations",
        "too_long",
    ),
    (
        "yearly quantities without end",
        "POST",
        "/v1/needs",
        body(quantity=None, yearly_quantities=[{"year": THIS_YEAR, "quantity": 1}] * 1000),
        desk("NLD"),
        "body.yearly_quantities",
        "too_long",
    ),
    ("item code 5000 chars", "POST", "/v1/needs", body(item_code="A" * 5000), desk("NLD"), "body.item_code", None),
    ("withdraw reason NUL", "POST", f"{NEED}/withdraw", {"reason": "a\x00b"}, desk("NLD"), "body.reason", None),
    ("close reason NUL", "POST", f"{BUNDLE}/close", {"reason": "a\x00b"}, coordinator(), "body.reason", None),
    (
        "funding 5000 chars",
        "POST",
        f"{BUNDLE}/participation",
        {"decision": "confirm", "funding_instrument": "E" * 5000},
        desk("NLD"),
        "body.funding_instrument",
        None,
    ),
    (
        "item with endless platforms",
        "POST",
        "/v1/catalogue/items",
        {"code": "AMMO-9MM", "name": "9 mm", "category": "ammunition", "unit": "rounds", "platforms": ["P"] * 1000},
        bearer(Role.ADMIN),
        "body.platforms",
        "too_long",
    ),
    (
        "item name with a line break",
        "POST",
        "/v1/catalogue/items",
        {"code": "AMMO-9MM", "name": "9 mm\nrounds", "category": "ammunition", "unit": "rounds"},
        bearer(Role.ADMIN),
        "body.name",
        None,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "payload", "headers", "field", "rule"),
    [pytest.param(*case[1:], id=case[0]) for case in BODY_CASES],
)
async def test_a_body_breaking_a_rule_is_a_422_naming_the_field_and_the_rule(
    lone: httpx.AsyncClient,
    method: str,
    path: str,
    payload: Any,
    headers: dict[str, str],
    field: str,
    rule: str | None,
) -> None:
    refused(await send(lone, method, path, payload, headers), field, rule)


NOT_FINITE = ["NaN", "1e400", "-Infinity", "Infinity"]


@pytest.mark.parametrize("number", NOT_FINITE)
@pytest.mark.parametrize(
    ("method", "path", "template", "headers", "field"),
    [
        ("POST", "/v1/needs", '{"nation": "NLD", "item_code": "AMMO-155MM", "quantity": %s, "delivery_window": %s}',
         desk("NLD"), "body.quantity"),
        ("POST", "/v1/needs",
         '{"nation": "NLD", "item_code": "AMMO-155MM", "quantity": 5, "delivery_window": %s,'
         ' "budget_ceiling": {"amount": %s}}', desk("NLD"), "body.budget_ceiling.amount"),
        ("POST", f"{BUNDLE}/sme-share", '{"share": %s}', coordinator(), "body.share"),
        ("POST", f"{BUNDLE}/participation", '{"decision": "confirm", "quantity": %s}', desk("NLD"), "body.quantity"),
    ],
)  # fmt: skip
async def test_a_number_that_is_not_finite_is_refused(
    lone: httpx.AsyncClient, number: str, method: str, path: str, template: str, headers: dict[str, str], field: str
) -> None:
    window = json.dumps(WINDOW)
    if template.count("%s") == 2:
        payload = template % (
            (number, window) if template.index("quantity") < template.index("delivery") else (window, number)
        )
    else:
        payload = template % number
    refused(await send(lone, method, path, payload, headers), field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/needs?offset=100000000000000000000", "query.offset"),
        ("/v1/bundles?offset=100000000000000000000", "query.offset"),
        ("/v1/needs?limit=0", "query.limit"),
        ("/v1/needs?limit=501", "query.limit"),
        ("/v1/needs?status=lost", "query.status"),
        ("/v1/bundles?kind=barter", "query.kind"),
        ("/v1/needs?item_code=" + "A" * 5000, "query.item_code"),
        ("/v1/needs?item_code=A%00", "query.item_code"),
        ("/v1/bundles?item_code=A%00", "query.item_code"),
        ("/v1/needs?nation=XXX", "query.nation"),
        ("/v1/needs?nation=nld", "query.nation"),
        ("/v1/catalogue/items?category=a%00", "query.category"),
        ("/v1/catalogue/items?category=" + "c" * 5000, "query.category"),
        ("/v1/needs/need-%00", "path.need_id"),
        ("/v1/needs/" + "n" * 5000, "path.need_id"),
        ("/v1/needs/need-%00/history", "path.need_id"),
        ("/v1/bundles/b%00", "path.bundle_id"),
        ("/v1/bundles/b%00/trail", "path.bundle_id"),
        ("/v1/catalogue/items/A%00", "path.code"),
        ("/v1/catalogue/items/A%00/operators", "path.code"),
        ("/v1/demand-sheet/A%00", "path.item_code"),
    ],
)
async def test_query_and_path_parameters_are_bounded(demand: Demand, path: str, field: str) -> None:
    _, client = demand
    refused(await client.get(path, headers=coordinator()), field)


async def test_an_id_of_the_right_shape_that_does_not_exist_is_a_404(lone: httpx.AsyncClient) -> None:
    assert (await lone.get(NEED, headers=coordinator())).status_code == 404
    assert (await lone.get(BUNDLE, headers=coordinator())).status_code == 404


async def test_recurring_demand_too_thin_for_its_window_is_refused_not_shortened(demand: Demand) -> None:
    """Ten units a year are spread over ten years; three units would fill three of them and
    the framework's duration would silently end after the third year."""
    _, client = demand
    thin = await client.post(
        "/v1/needs", json=body(quantity=3, recurring=True, delivery_window=TEN_YEARS), headers=desk("NLD")
    )
    refused(thin, "body.quantity", "recurring_at_least_one_a_year")
    assert "10 years" in thin.json()["detail"]
    need = await client.post(
        "/v1/needs", json=body(quantity=10, recurring=True, delivery_window=WINDOW), headers=desk("NLD")
    )
    assert need.status_code == 201, need.text
    longer = {"start": WINDOW["start"], "end": f"{THIS_YEAR + 19}-12-31"}
    stretched = await client.patch(
        f"/v1/needs/{need.json()['id']}", json={"delivery_window": longer}, headers=desk("NLD")
    )
    refused(stretched, "body.quantity", "recurring_at_least_one_a_year")


async def test_a_refusal_of_the_domain_names_its_field(demand: Demand) -> None:
    _, client = demand
    backwards = {"start": WINDOW["end"], "end": WINDOW["start"]}
    refused(
        await client.post("/v1/needs", json=body(delivery_window=backwards), headers=desk("NLD")),
        "body.delivery_window",
    )
    refused(await client.post("/v1/needs", json=body(quantity=0), headers=desk("NLD")), "body.quantity")
    refused(await client.post("/v1/needs", json=body(item_code="PHASER"), headers=desk("NLD")), "body.item_code")
    refused(
        await client.post("/v1/needs", json=body(budget_ceiling={"amount": 5, "currency": "USD"}), headers=desk("NLD")),
        "body.budget_ceiling.currency",
    )


async def test_budgets_are_kept_to_the_cent_and_answered_as_decimal_strings(demand: Demand) -> None:
    service, client = demand
    created = await client.post(
        "/v1/needs", json=body(budget_ceiling={"amount": "1234567.89", "currency": "EUR"}), headers=desk("NLD")
    )
    assert created.status_code == 201, created.text
    need = created.json()
    assert need["budget_ceiling"] == {"amount": "1234567.89", "currency": "EUR"}
    assert (await client.get(f"/v1/needs/{need['id']}", headers=desk("NLD"))).json()["budget_ceiling"]["amount"] == (
        "1234567.89"
    )
    amended = await client.patch(
        f"/v1/needs/{need['id']}", json={"budget_ceiling": {"amount": 0.1}}, headers=desk("NLD")
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["budget_ceiling"]["amount"] == "0.10"
    history = (await client.get(f"/v1/needs/{need['id']}/history", headers=desk("NLD"))).json()["items"]
    assert [v["snapshot"]["budget_ceiling_eur"] for v in history] == ["1234567.89", "0.10"]

    whole = await client.post(
        "/v1/needs", json=body("CZE", budget_ceiling={"amount": 250_000_000}), headers=desk("CZE")
    )
    assert whole.json()["budget_ceiling"]["amount"] == "250000000.00"
    await aggregate_all(service)
    (bundle,) = (await client.get("/v1/bundles", headers=bearer(Role.ADMIN))).json()["items"]
    assert bundle["total_value_eur"] == "250000000.10"


@pytest.mark.parametrize(
    "amount",
    [
        "1.005",
        0.30000000000000004,
        "12e3",
        "-1.00",
        "0" * 5000 + "1",
        -1,
        "1000000000000.01",
        "",
        "one",
        [1],
        {"eur": 1},
    ],
)
async def test_a_budget_that_is_not_euros_and_cents_is_refused(lone: httpx.AsyncClient, amount: Any) -> None:
    response = await send(lone, "POST", "/v1/needs", body(budget_ceiling={"amount": amount}), desk("NLD"))
    refused(response, "body.budget_ceiling.amount")


async def test_a_framework_event_carries_its_ceiling_value_to_the_cent(demand: Demand) -> None:
    service, client = demand
    plan = [{"year": THIS_YEAR + 1, "quantity": 4}, {"year": THIS_YEAR + 2, "quantity": 4}]
    for nation, amount in (("NLD", "0.10"), ("DEU", "0.20")):
        response = await client.post(
            "/v1/needs",
            json=need_body(
                nation,
                None,
                item="MMR",
                yearly_quantities=plan,
                delivery_window=WINDOW,
                budget_ceiling={"amount": amount},
            ),
            headers=desk(nation),
        )
        assert response.status_code == 201, response.text
    await aggregate_all(service)
    (bundle,) = (await client.get("/v1/bundles", headers=bearer(Role.ADMIN))).json()["items"]
    committed = await client.post(
        f"/v1/bundles/{bundle['id']}/commit", json={"lead": "NLD"}, headers=bearer(Role.ADMIN)
    )
    assert committed.status_code == 200, committed.text
    (framework,) = await outbox_events(service, "demand.framework.committed")
    assert framework["payload"]["ceiling_value"] == "0.30"
    assert framework["payload"]["ceiling_value_eur"] == pytest.approx(0.3)


def _bounded(schema: dict[str, Any]) -> bool:
    """A pattern anchored at both ends without an unbounded repetition bounds the length."""
    pattern = str(schema.get("pattern", ""))
    return pattern.startswith("^") and pattern.endswith("$") and not re.search(r"[*+]|\{\d+,\}", pattern)


def _lax(schema: dict[str, Any], where: str, components: dict[str, Any], seen: set[str]) -> Iterator[str]:
    """Where a request schema leaves a value unbounded."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _lax(components[name], name, components, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for i, option in enumerate(schema.get(key, [])):
            yield from _lax(option, f"{where}|{i}", components, seen)
    kind = schema.get("type")
    if kind == "object":
        if schema.get("additionalProperties") is not False:
            yield f"{where}: unknown fields not refused"
        for name, prop in schema.get("properties", {}).items():
            yield from _lax(prop, f"{where}.{name}", components, seen)
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: no maxItems"
        yield from _lax(schema.get("items", {}), f"{where}[]", components, seen)
    elif kind in ("integer", "number"):
        if not ({"minimum", "exclusiveMinimum"} & set(schema) and {"maximum", "exclusiveMaximum"} & set(schema)):
            yield f"{where}: unbounded {kind}"
    elif kind == "string" and not (
        {"maxLength", "enum", "const"} & set(schema) or schema.get("format") == "date" or _bounded(schema)
    ):
        yield f"{where}: unbounded string"


async def test_every_request_body_and_parameter_of_the_openapi_document_is_bounded(lone: httpx.AsyncClient) -> None:
    document = (await lone.get("/openapi.json")).json()
    components = document["components"]["schemas"]
    lax: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}.{parameter['name']}"
                lax.extend(_lax(parameter["schema"], where, components, set()))
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                lax.extend(_lax(content["schema"], f"{method.upper()} {path} body", components, set()))
    assert lax == [], "\n".join(lax)
