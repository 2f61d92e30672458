"""Production lines through HTTP on both databases: a company declares and revises its
own, the nations see every line beside their demand, another company sees none of its
competitors', and each declaration is published for the demand service."""

from __future__ import annotations

from typing import Any

from tests.contracts.integration.conftest import ADMIN, Api
from tests.support.api import coordinator, desk, industry

PATRIOT_LINE = {
    "item_code": "PATRIOT-PAC2",
    "site": "Schrobenhausen",
    "country": "DEU",
    "earliest_start": "2027-06-15",
    "minimum_economic_quantity": 1000,
    "rates": [{"month": "2027-07", "units_per_month": 20}, {"month": "2028-01", "units_per_month": 40}],
    "inputs": ["rocket propellant", "cryostat"],
}


async def test_a_company_declares_its_line_and_the_nations_see_it_beside_their_demand(api: Api) -> None:
    await api.supplier("MBDA-DE", "DEU")
    await api.supplier("RHEINMETALL", "DEU")
    line: dict[str, Any] = await api.call("POST", "/v1/production-lines", industry("MBDA-DE"), PATRIOT_LINE, 201)
    assert (line["organisation"], line["revision"], line["rates"][1]) == (
        "MBDA-DE",
        1,
        {"month": "2028-01", "units_per_month": 40},
    )
    assert line["capacity_by_year"][:3] == [
        {"year": 2027, "quantity": 120},
        {"year": 2028, "quantity": 480},
        {"year": 2029, "quantity": 480},
    ]
    for nation_side in (desk("NLD"), coordinator("NSPA"), ADMIN):
        listed = await api.call("GET", "/v1/production-lines?item_code=patriot-pac2", nation_side)
        assert [x["id"] for x in listed["items"]] == [line["id"]]
    assert (await api.call("GET", "/v1/production-lines", industry("RHEINMETALL")))["items"] == []
    await api.call("GET", f"/v1/production-lines/{line['id']}", industry("RHEINMETALL"), expect=404)
    await api.call("PUT", f"/v1/production-lines/{line['id']}", industry("RHEINMETALL"), PATRIOT_LINE, 404)
    await api.call("PUT", f"/v1/production-lines/{line['id']}", desk("DEU"), PATRIOT_LINE, 403)

    faster = {**PATRIOT_LINE, "rates": [{"month": "2027-07", "units_per_month": 60}]}
    revised = await api.call("PUT", f"/v1/production-lines/{line['id']}", industry("MBDA-DE"), faster)
    assert revised["revision"] == 2 and revised["capacity_by_year"][1] == {"year": 2028, "quantity": 720}
    assert revised["history"][-1].startswith("revision 2: PATRIOT-PAC2 at Schrobenhausen (DEU), 60/month from 2027-07")

    published = await api.events("contracts.production_line.declared")
    assert [(e["aggregate_id"], e["payload"]["revision"]) for e in published] == [(line["id"], 1), (line["id"], 2)]
    assert published[-1]["payload"]["rates"] == [{"month": "2027-07-01", "units_per_month": 60}]


async def test_a_line_is_declared_by_a_registered_company_for_itself_with_sound_terms(api: Api) -> None:
    refused = await api.call("POST", "/v1/production-lines", industry("NOBODY"), PATRIOT_LINE, 422)
    assert "supplier registry" in str(refused)
    await api.supplier("MBDA-DE", "DEU")
    await api.call("POST", "/v1/production-lines", ADMIN, PATRIOT_LINE, 403)  # an admin speaks for no company
    for wrong, field in (
        ({"rates": [{"month": "2027-13", "units_per_month": 20}]}, "month"),
        ({"rates": [{"month": "2027-07", "units_per_month": -1}]}, "units_per_month"),
        ({"rates": []}, "rates"),
        ({"minimum_economic_quantity": 0}, "minimum_economic_quantity"),
        ({"rates": [{"month": "2027-05", "units_per_month": 20}]}, "rates"),
        ({"colour": "green"}, "colour"),
    ):
        answer = await api.call("POST", "/v1/production-lines", industry("MBDA-DE"), {**PATRIOT_LINE, **wrong}, 422)
        assert field in str(answer), (wrong, answer)


async def test_a_list_shows_each_line_in_summary_whatever_its_revisions_and_the_line_whole(api: Api) -> None:
    await api.supplier("MBDA-DE", "DEU")
    line: dict[str, Any] = await api.call("POST", "/v1/production-lines", industry("MBDA-DE"), PATRIOT_LINE, 201)
    (first,) = (await api.call("GET", "/v1/production-lines", desk("NLD")))["items"]
    for units in range(21, 26):
        faster = {**PATRIOT_LINE, "rates": [{"month": "2027-07", "units_per_month": units}]}
        await api.call("PUT", f"/v1/production-lines/{line['id']}", industry("MBDA-DE"), faster)
    (listed,) = (await api.call("GET", "/v1/production-lines", desk("NLD")))["items"]
    whole = await api.call("GET", f"/v1/production-lines/{line['id']}", desk("NLD"))
    assert len(whole["history"]) == 6 and whole["capacity_by_year"] and whole["input_risks"]
    assert listed.keys() == first.keys() == whole.keys() - {"history", "capacity_by_year", "input_risks"}
    assert (listed["revision"], listed["rates"]) == (6, [{"month": "2027-07", "units_per_month": 25}])
    assert listed["flagged_inputs"] == whole["flagged_inputs"]
