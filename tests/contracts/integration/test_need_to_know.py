"""Need-to-know across every endpoint that names a resource: a nation that takes no part
and a company that is not the supplier get 404, as if the resource did not exist; the
same request by those who take part succeeds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contracts.service_layer.frameworks import create_framework_for_commitment
from tests.contracts.events import framework_committed
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_deliveries_reports import signed_contract
from tests.contracts.integration.test_api_suppliers_specifications import SPEC
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

LATER = (TODAY + timedelta(days=90)).isoformat()


async def world(api: Api) -> dict[str, str]:
    contract_id, procurement_id = await signed_contract(api)  # CZE for NLD and DNK, signed with NAMMO
    (lot,) = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                            {"lots": [{"nation": "NLD", "quantity": 10, "due_date": LATER}]}, 201)  # fmt: skip
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    nammo = (await api.call("GET", "/v1/suppliers", industry("NAMMO")))["items"][0]
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": nammo["id"]})
    call_off = await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"),
                              {"item_code": "MMR", "quantity": 1, "delivery_due": LATER}, 201)  # fmt: skip
    spec = await api.call("POST", "/v1/specifications", desk("NLD"), SPEC, 201)
    return {
        "contract": contract_id, "procurement": procurement_id, "lot": lot["id"], "framework": framework_id,
        "call_off": call_off["id"], "spec": spec["id"], "supplier": nammo["id"],
    }  # fmt: skip


ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/v1/contracts/{contract}", None),
    ("GET", "/v1/contracts/{contract}/change-log", None),
    ("GET", "/v1/joint-orders/bundle-155/contract", None),
    ("GET", "/v1/contracts/{contract}/lots", None),
    ("POST", "/v1/contracts/{contract}/lots", {"lots": [{"nation": "NLD", "quantity": 1, "due_date": LATER}]}),
    ("PUT", "/v1/contracts/{contract}/capacity", {"monthly_capacity": 10, "start": LATER}),
    ("GET", "/v1/contracts/{call_off}/lots", None),
    ("GET", "/v1/lots/{lot}/deliveries", None),
    ("GET", "/v1/lots/{lot}/history", None),
    ("POST", "/v1/lots/{lot}/deliveries", {"quantity": 1, "delivered_on": LATER}),
    ("PUT", "/v1/lots/{lot}/forecast", {"forecast_date": LATER}),
    ("PUT", "/v1/lots/{lot}/due-date", {"due_date": LATER, "reason": "moved"}),
    ("GET", "/v1/procurements/{procurement}", None),
    ("GET", "/v1/procurements/{procurement}/offers", None),
    ("GET", "/v1/procurements/{procurement}/evaluation", None),
    ("POST", "/v1/procurements/{procurement}/award", None),
    ("POST", "/v1/procurements/{procurement}/sign", None),
    ("GET", "/v1/procurements/{procurement}/ocds", None),
    ("GET", "/v1/frameworks/{framework}", None),
    ("GET", "/v1/frameworks/{framework}/call-offs", None),
    ("GET", "/v1/frameworks/{framework}/accessions", None),
    ("GET", "/v1/frameworks/{framework}/change-log", None),
    ("GET", "/v1/frameworks/{framework}/ocds", None),
    ("GET", "/v1/frameworks/{framework}/call-offs/{call_off}/ocds", None),
    ("POST", "/v1/frameworks/{framework}/suppliers", {"supplier_id": "{supplier}"}),
    ("POST", "/v1/frameworks/{framework}/accessions", {"nation": "POL", "quantity": 1}),
    ("POST", "/v1/frameworks/{framework}/call-offs", {"item_code": "MMR", "quantity": 1, "delivery_due": LATER}),
    ("GET", "/v1/specifications/{spec}", None),
    ("GET", "/v1/specifications/{spec}/deviations", None),
    ("POST", "/v1/specifications/{spec}/positions", {"position": "agree"}),
    ("POST", "/v1/specifications/{spec}/deviations", {"description": "d", "compatible": True}),
    ("GET", "/v1/suppliers/{supplier}", None),
]


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


async def test_outsiders_get_404_on_every_endpoint_and_lists_leave_them_out(api: Api) -> None:
    ids = await world(api)
    for outsider in (desk("FRA"), industry("OTHERCO")):
        for method, path, body in ENDPOINTS:
            response = await api.client.request(method, fill(path, ids), headers=outsider, json=fill(body, ids))
            assert response.status_code == 404, f"{method} {path}: {response.status_code} {response.text}"
        for listing in ("/v1/frameworks", "/v1/specifications", "/v1/suppliers", "/v1/reports/deliveries",
                        "/v1/contracts"):  # fmt: skip
            assert (await api.call("GET", listing, outsider))["items"] == [], listing
        assert await api.call("GET", "/v1/reports/value-by-origin", outsider) == {}


async def test_those_who_take_part_see_the_same_resources(api: Api) -> None:
    ids = await world(api)
    reads = [(m, p) for m, p, _ in ENDPOINTS if m == "GET" and "ocds" not in p and "supplier" not in p]
    for method, path in reads:
        await api.call(method, fill(path, ids), desk("NLD"))
    await api.call("GET", fill("/v1/suppliers/{supplier}", ids), industry("NAMMO"))
    await api.call("GET", fill("/v1/contracts/{contract}", ids), industry("NAMMO"))
    await api.call("GET", fill("/v1/contracts/{call_off}/lots", ids), industry("NAMMO"))
    await api.call("GET", fill("/v1/procurements/{procurement}/ocds", ids), coordinator("CZE"))
    await api.call("GET", fill("/v1/frameworks/{framework}/ocds", ids), desk("NLD"))
    await api.call("GET", fill("/v1/frameworks/{framework}/call-offs/{call_off}/ocds", ids), desk("NLD"))
