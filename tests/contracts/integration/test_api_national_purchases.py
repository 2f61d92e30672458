"""A desk records its nation's purchases contracted outside the platform, and the reports by
year count them beside the contracts made here: the Dutch share contracted with Dutch
companies rising from 41 % to 59 %, new suppliers by country and year, the SME share. A
record is the nation's own: no other nation, agency or company reads or withdraws it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.contracts.integration.conftest import ADMIN, Api
from tests.support.api import coordinator, desk, industry


def bought(reference: str, value: str, signed_on: str, **supplier: Any) -> dict[str, Any]:
    return {"reference": reference, "value_eur": value, "signed_on": signed_on, **supplier}


async def test_recorded_purchases_make_the_dutch_share_rise_from_41_to_59_percent(api: Api) -> None:
    nld = desk("NLD")
    this_year = api.clock.today().year if api.clock is not None else 2026
    early, late = this_year - 4, this_year - 3
    thales = await api.supplier("THALES-NL", "NLD", sme=False)
    for body in (
        bought("NL-1", "41000000.00", f"{early}-03-01", supplier_id=thales["id"]),
        bought("NL-2", "59000000.00", f"{early}-06-01", supplier_name="Nammo Raufoss", supplier_country="NOR"),
        bought("NL-3", "50000000.00", f"{late}-02-01", supplier_id=thales["id"]),
        bought(
            "NL-4",
            "9000000.00",
            f"{late}-05-01",
            supplier_name="Damen  Naval",
            supplier_country="NLD",
            supplier_sme=True,
        ),
        bought("NL-5", "41000000.00", f"{late}-09-01", supplier_name="nammo raufoss", supplier_country="NOR"),
    ):
        await api.call("POST", "/v1/national-purchases", nld, body, 201)
    await api.call(
        "POST", "/v1/national-purchases", desk("DEU"), bought("DE-1", "5000000.00", f"{late}-01-10",
        supplier_name="Hensoldt", supplier_country="DEU"), 201,
    )  # fmt: skip

    years = {y["year"]: y for y in (await api.call("GET", "/v1/reports/kpis", nld))["years"]}
    assert sorted(years) == [early, late]
    assert years[early]["by_nation"]["NLD"]["national_share"] == 0.41
    assert years[late]["by_nation"]["NLD"]["national_share"] == 0.59
    assert list(years[late]["by_nation"]) == ["NLD"], "a desk reads its own nation's figures alone"
    assert years[early]["new_suppliers"] == {"NLD": 1, "NOR": 1}
    # Damen is new in the later year; Nammo, written another way, is the same supplier.
    assert years[late]["new_suppliers"] == {"NLD": 1}
    assert years[late]["sme_share"] == round(9 / 100, 4)
    everyone = {y["year"]: y for y in (await api.call("GET", "/v1/reports/kpis", ADMIN))["years"]}
    assert sorted(everyone[late]["by_nation"]) == ["DEU", "NLD"]
    assert (await api.call("GET", "/v1/reports/kpis", industry("THALES-NL")))["years"] == []

    listed = await api.call("GET", "/v1/national-purchases?limit=2", nld)
    assert listed["total"] == 5 and [p["reference"] for p in listed["items"]] == ["NL-5", "NL-4"]
    assert listed["items"][0]["value_eur"] == "41000000.00"
    assert (await api.call("GET", "/v1/national-purchases", desk("DEU")))["total"] == 1
    assert (await api.call("GET", "/v1/national-purchases", ADMIN))["total"] == 6
    await api.call("GET", "/v1/national-purchases", coordinator(), expect=403)
    await api.call("GET", "/v1/national-purchases", industry("THALES-NL"), expect=403)


async def test_a_purchase_is_signed_in_euros_once_per_contract_and_withdrawn_by_its_nation_alone(api: Api) -> None:
    nld = desk("NLD")
    today = api.clock.today() if api.clock is not None else None
    assert today is not None
    body = bought("NL-9", "1000.00", today.isoformat(), supplier_name="Fokker", supplier_country="NLD")
    made = await api.call("POST", "/v1/national-purchases", nld, body, 201)
    again = await api.client.post("/v1/national-purchases", headers=nld, json=body)
    assert again.status_code == 409 and "NL-9" in again.text

    tomorrow = bought("NL-10", "1000.00", (today + timedelta(days=1)).isoformat(),
                      supplier_name="Fokker", supplier_country="NLD")  # fmt: skip
    refused = await api.client.post("/v1/national-purchases", headers=nld, json=tomorrow)
    assert refused.status_code == 422 and "signed_on" in refused.text
    for wrong in (
        {**body, "reference": "NL-11", "value_eur": "10.001"},
        {**body, "reference": "NL-12", "value_eur": 1000.505},
        {**body, "reference": "NL-13", "supplier_id": "sup-x"},
        {key: value for key, value in body.items() if key != "supplier_country"},
    ):
        assert (await api.client.post("/v1/national-purchases", headers=nld, json=wrong)).status_code == 422, wrong
    unknown = bought("NL-14", "1000.00", today.isoformat(), supplier_id="sup-nobody")
    answer = await api.client.post("/v1/national-purchases", headers=nld, json=unknown)
    assert answer.status_code == 422 and "supplier_id" in answer.text
    await api.call("POST", "/v1/national-purchases", ADMIN, {**body, "reference": "NL-15"}, 403)
    await api.call("POST", "/v1/national-purchases", coordinator(), {**body, "reference": "NL-16"}, 403)

    path = f"/v1/national-purchases/{made['id']}"
    await api.call("DELETE", path, desk("DEU"), expect=404)
    await api.call("DELETE", path, industry("THALES-NL"), expect=404)
    await api.call("DELETE", path, nld, expect=204)
    assert (await api.call("GET", "/v1/national-purchases", nld))["total"] == 0
    await api.call("DELETE", path, nld, expect=404)
