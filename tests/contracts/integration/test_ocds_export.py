"""The OCDS export as the open contracting community reads it: libcoveocds (the validator
behind the OCDS Data Review Tool) finds nothing to report, with the extensions the export
declares applied from local files; every organisation is one party with all its roles; a
release never changes under its id; ocdsmerge compiles each process's releases into the
record a reader keeps; and a package holds one process's releases a page at a time, each
release bounded however long the schedule behind it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from contracts.adapters import orm
from contracts.domain import ocds
from contracts.domain.ocds import MAX_MILESTONES
from contracts.service_layer.contracts import create_contract_for_joint_order, note_lead
from tests.contracts.events import bundle_opened, joint_order
from tests.contracts.integration import ocds_schema
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_awards import (
    AWARD_DAY,
    CHEAPER_ABROAD,
    EUROPEAN,
    NON_ASSOCIATED,
    PROCUREMENT,
)
from tests.support.api import coordinator, desk, industry
from tests.support.today import TODAY

PAST = (TODAY - timedelta(days=10)).isoformat()
LATER = (TODAY + timedelta(days=120)).isoformat()
STANDSTILL = 10
JOINT = {**PROCUREMENT, "standstill_days": STANDSTILL}
"""The 155 mm joint order's procurement by its lead, CZE, for NLD and DNK."""
ON_ITS_OWN = {**JOINT, "nations": ["NLD"], "quantity": 10_000, "bundle_id": None}
"""NLD buying for itself alone."""


def parties(release: dict[str, Any]) -> dict[str, list[str]]:
    """Roles per party id; a party listed twice fails here rather than losing roles."""
    ids = [p["id"] for p in release["parties"]]
    assert len(ids) == len(set(ids)), f"a party is listed more than once: {sorted(ids)}"
    return {p["id"]: sorted(p["roles"]) for p in release["parties"]}


async def framework_with_lead_call_off(api: Api) -> tuple[str, str]:
    """NLD leads a radar framework with two suppliers (one an SME) and calls off from it itself."""
    thales = await api.supplier("THALES-NL", "NLD")
    saab = await api.supplier("SAAB", "SWE", sme=True)
    body = {
        "item_code": "MMR",
        "participants": {"NLD": 8},
        "ceiling_quantity": 8,
        "ceiling_value_eur": 100_000_000,
        "start": (TODAY - timedelta(days=30)).isoformat(),
        "end": (TODAY + timedelta(days=3 * 365)).isoformat(),
        "suppliers": {thales["id"]: 10_000_000, saab["id"]: 11_000_000},
    }
    framework = await api.call("POST", "/v1/frameworks", desk("NLD"), body, 201)
    async with api.service.uow() as uow:  # the call-off as the domain makes it, whoever may place it
        found = await uow.frameworks.get(framework["id"])
        assert found is not None
        call_off = found.call_off(
            nation="NLD", item_code="MMR", quantity=2, delivery_due=date.fromisoformat(LATER), today=TODAY,
            supplier_id=thales["id"], by="nation_desk:NLD", at=uow.clock.now(),
        )  # fmt: skip
        uow.frameworks.add_call_off(call_off)
        await uow.commit()
    return framework["id"], call_off.id


async def exported(api: Api, framework_id: str, call_off_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The framework's package and its call-off's, each a process of its own, as its lead reads them."""
    path = f"/v1/frameworks/{framework_id}"
    framework = await api.call("GET", f"{path}/ocds", desk("NLD"))
    call_off = await api.call("GET", f"{path}/call-offs/{call_off_id}/ocds", desk("NLD"))
    return framework, call_off


async def test_a_call_off_by_the_lead_names_the_lead_once_with_both_its_roles(api: Api) -> None:
    framework_id, call_off_id = await framework_with_lead_call_off(api)
    framework_package, package = await exported(api, framework_id, call_off_id)
    for conforming in (framework_package, package):
        ocds_schema.assert_conforms(conforming)

    (framework,), (call_off,) = framework_package["releases"], package["releases"]
    assert call_off["ocid"].endswith(call_off_id)
    assert parties(call_off)["NLD"] == ["buyer", "procuringEntity"]
    assert call_off["buyer"]["id"] == "NLD"
    assert parties(framework)["NLD"] == ["buyer", "procuringEntity"]
    record = ocds_schema.compiled_releases(package)[call_off["ocid"]]
    assert {p["id"]: sorted(p["roles"]) for p in record["parties"]}["NLD"] == ["buyer", "procuringEntity"]
    await api.call("GET", f"/v1/frameworks/{framework_id}/call-offs/co-nope/ocds", desk("NLD"), expect=404)


async def test_a_framework_and_its_call_offs_say_so_with_the_techniques_extension(api: Api) -> None:
    framework_id, call_off_id = await framework_with_lead_call_off(api)
    framework_package, package = await exported(api, framework_id, call_off_id)
    ocds_schema.assert_conforms(framework_package)
    ocds_schema.assert_conforms(package)
    (framework,), (call_off,) = framework_package["releases"], package["releases"]
    agreement = framework["tender"]["techniques"]
    assert agreement["hasFrameworkAgreement"] is True
    assert agreement["frameworkAgreement"]["method"] == "withAndWithoutReopeningCompetition"
    assert agreement["frameworkAgreement"]["value"] == {"amount": 100_000_000, "currency": "EUR"}
    assert call_off["tender"]["techniques"] == {"hasFrameworkAgreement": True}
    assert call_off["tender"]["competitive"] is False
    scale = {p["name"]: p.get("details", {}).get("scale") for p in framework["parties"]}
    assert scale["SAAB"] == "sme" and scale["THALES-NL"] is None  # not declared an SME: left unsaid
    assert call_off["awards"][0]["value"] == {"amount": 20_000_000, "currency": "EUR"}


async def signed_contract(api: Api, *, per_buyer: bool = False) -> tuple[list[str], str]:
    """The 155 mm joint order (CZE lead; NLD 10,000, DNK 5,000) signed with NAMMO at 4,000 EUR."""
    if per_buyer:
        await note_lead(bundle_opened("bundle-155", lead="CZE"), api.service.uow())
        mode = {"mode": "per_buyer"}
        await api.call("PUT", "/v1/joint-orders/bundle-155/contract-mode", coordinator("CZE"), mode, 204)
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    contracts = await api.call("GET", "/v1/joint-orders/bundle-155/contracts", coordinator("CZE"))
    await api.supplier("NAMMO", "NOR")
    procurement = await api.call("POST", "/v1/procurements", coordinator("CZE"), JOINT, 201)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    api.on(AWARD_DAY)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", coordinator("CZE"))
    api.on(AWARD_DAY + timedelta(days=STANDSTILL + 1))
    await api.call("POST", f"/v1/procurements/{procurement['id']}/sign", coordinator("CZE"))
    return [c["id"] for c in contracts], procurement["id"]


@pytest.mark.parametrize("per_buyer", [False, True], ids=["one contract", "a contract per buyer"])
async def test_a_joint_order_contract_names_every_buyer_once_and_each_contracts_own(api: Api, per_buyer: bool) -> None:
    _, procurement_id = await signed_contract(api, per_buyer=per_buyer)
    package = await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", coordinator("CZE"))
    ocds_schema.assert_conforms(package)
    (release,) = package["releases"]
    roles = parties(release)
    assert (roles["NLD"], roles["DNK"], roles["CZE"]) == (["buyer"], ["buyer"], ["procuringEntity"])
    assert release["buyer"]["id"] == "NLD"
    buyers = [c.get("buyer", {}).get("id") for c in release["contracts"]]
    assert buyers == (["DNK", "NLD"] if per_buyer else [None])
    values = sorted(c["value"]["amount"] for c in release["contracts"])
    assert values == ([20_000_000, 40_000_000] if per_buyer else [60_000_000])
    # each contract of the order states the winning offer's local production it is bound to
    obligations = [c["description"].split(": ", 1)[1] for c in release["contracts"]]
    assert obligations == ["30 % of production in NLD"] * len(buyers)


async def test_an_award_is_the_award_of_the_tender_with_its_winner_as_supplier(api: Api) -> None:
    await api.supplier("NAMMO", "NOR", sme=True)
    procurement = await api.call("POST", "/v1/procurements", desk("NLD"), ON_ITS_OWN, 201)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry("NAMMO"), EUROPEAN, 201)
    path = f"/v1/procurements/{procurement['id']}/ocds"
    tendered = await api.call("GET", path, desk("NLD"))
    ocds_schema.assert_conforms(tendered)
    api.on(AWARD_DAY)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", desk("NLD"))
    awarded = await api.call("GET", path, desk("NLD"))
    ocds_schema.assert_conforms(awarded)
    before, after = awarded["releases"]
    assert before == tendered["releases"][0]  # published once, never changed
    assert after["id"] != before["id"] and after["date"] > before["date"]
    assert after["tag"] == ["tender", "award"]
    (award,) = after["awards"]
    winner = award["suppliers"][0]["id"]
    assert parties(after)[winner] == ["supplier", "tenderer"]
    assert {p["id"]: p.get("details") for p in after["parties"]}[winner] == {"scale": "sme"}
    assert award["value"] == {"amount": 40_000_000, "currency": "EUR"}


async def test_a_delivery_makes_a_new_release_and_the_record_keeps_the_latest_milestone_status(api: Api) -> None:
    (contract_id,), procurement_id = await signed_contract(api)
    lots = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                          {"lots": [{"nation": "NLD", "quantity": 100, "due_date": LATER}]}, 201)  # fmt: skip
    path = f"/v1/procurements/{procurement_id}/ocds"
    first = await api.call("GET", path, coordinator("CZE"))
    ocds_schema.assert_conforms(first)
    assert first == {**(await api.call("GET", path, coordinator("CZE"))), "publishedDate": first["publishedDate"]}

    await api.call("POST", f"/v1/lots/{lots[0]['id']}/deliveries", desk("NLD"), {"quantity": 100, "delivered_on": PAST})
    second = await api.call("GET", path, coordinator("CZE"))
    ocds_schema.assert_conforms(second)
    scheduled, met = second["releases"]
    assert scheduled == first["releases"][0]  # the release published before keeps its content under its id
    assert met["id"] != scheduled["id"]
    assert scheduled["contracts"][0]["implementation"]["milestones"][0]["status"] == "scheduled"
    assert met["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"

    record = ocds_schema.compiled_releases(second)[met["ocid"]]
    assert record["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"
    assert {p["id"]: p["roles"] for p in record["parties"]}["NLD"] == ["buyer"]
    assert record["buyer"]["id"] == "NLD"


async def test_exports_racing_over_one_change_publish_it_once(api: Api) -> None:
    framework_id, call_off_id = await framework_with_lead_call_off(api)
    for path in (f"/v1/frameworks/{framework_id}/ocds", f"/v1/frameworks/{framework_id}/call-offs/{call_off_id}/ocds"):
        first, second = await asyncio.gather(api.call("GET", path, desk("NLD")), api.call("GET", path, desk("NLD")))
        assert first["releases"] == second["releases"] and len(first["releases"]) == 1
        ocds_schema.assert_conforms(first)


async def test_the_validator_used_here_finds_what_the_plain_schema_check_misses(api: Api) -> None:
    framework_id, call_off_id = await framework_with_lead_call_off(api)
    package, of_call_off = await exported(api, framework_id, call_off_id)
    (framework,), (call_off,) = package["releases"], of_call_off["releases"]
    twice = {**call_off, "parties": [*call_off["parties"], {**call_off["parties"][0], "roles": ["payer"]}]}
    undeclared = {**package, "extensions": [], "releases": [framework, call_off]}
    ocds_schema.validate_package({**package, "releases": [framework, twice]})  # the plain check lets both pass
    ocds_schema.validate_package(undeclared)
    duplicate = ocds_schema.problems(ocds_schema.cove({**package, "releases": [framework, twice]}))
    assert [e["type"] for e in duplicate["validation_errors"]] == ["uniqueItems"]
    assert "additional_fields" in ocds_schema.problems(ocds_schema.cove(undeclared))


def test_a_missing_extension_folder_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(ocds_schema, "EXTENSIONS_DIR", tmp_path)
    package = {"version": "1.1", "releases": [], "extensions": [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json"
    ]}  # fmt: skip
    with pytest.raises(FileNotFoundError, match=r"ocds-extensions|lots is missing"):
        ocds_schema.cove(package)


async def test_a_package_holds_a_page_of_the_process_releases_oldest_first_and_links_the_next(api: Api) -> None:
    (contract_id,), procurement_id = await signed_contract(api)
    path = f"/v1/procurements/{procurement_id}/ocds"
    (lot,) = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                            {"lots": [{"nation": "NLD", "quantity": 100, "due_date": LATER}]}, 201)  # fmt: skip
    published = [(await api.call("GET", path, coordinator("CZE")))["releases"][-1]]
    await api.call("POST", f"/v1/lots/{lot['id']}/deliveries", desk("NLD"), {"quantity": 40, "delivered_on": PAST})
    published.append((await api.call("GET", f"{path}?offset=1", coordinator("CZE")))["releases"][-1])
    await api.call("POST", f"/v1/lots/{lot['id']}/deliveries", desk("NLD"), {"quantity": 60, "delivered_on": PAST})

    first = await api.client.get(f"{path}?limit=2", headers=coordinator("CZE"))
    assert first.status_code == 200 and first.headers["X-Total-Count"] == "3"
    assert first.json()["releases"] == published
    ocds_schema.assert_conforms(first.json())
    following = first.headers["Link"].removeprefix("<").removesuffix('>; rel="next"')
    last = await api.client.get(following, headers=coordinator("CZE"))
    assert "offset=2" in following and "Link" not in last.headers and last.headers["X-Total-Count"] == "3"
    (met,) = last.json()["releases"]
    assert met["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"
    record = ocds_schema.compiled_releases({**last.json(), "releases": [*published, met]})[met["ocid"]]
    assert record["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"
    assert (await api.client.get(f"{path}?limit=101", headers=coordinator("CZE"))).status_code == 422


async def test_a_long_schedule_shows_its_first_lots_as_milestones_and_says_where_every_lot_is(api: Api) -> None:
    (contract_id,), procurement_id = await signed_contract(api)
    due = [(TODAY + timedelta(days=30 + day)).isoformat() for day in range(MAX_MILESTONES + 5)]
    plan = {"lots": [{"nation": "NLD", "quantity": 10, "due_date": day} for day in due]}
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"), plan, 201)
    package = await api.call("GET", f"/v1/procurements/{procurement_id}/ocds", coordinator("CZE"))
    ocds_schema.assert_conforms(package)
    (contract,) = package["releases"][-1]["contracts"]
    milestones = contract["implementation"]["milestones"]
    assert [m["dueDate"][:10] for m in milestones] == due[:MAX_MILESTONES]
    assert contract["description"].split("; ", 1)[1] == (  # after the local production it is bound to
        f"delivery lots as milestones: the first {MAX_MILESTONES} of {MAX_MILESTONES + 5} by due date; "
        f"every lot: /v1/contracts/{contract_id}/lots"
    )


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each kind of release was written out, the export comparing it with the latest."""
    counted: Counter[str] = Counter()
    for name in ("procurement_release", "framework_release", "call_off_release"):

        def counting(*args: Any, _write: Callable[..., dict[str, Any]] = getattr(ocds, name), _name: str = name) -> Any:
            counted[_name] += 1
            return _write(*args)

        monkeypatch.setattr(ocds, name, counting)
    return counted


async def test_a_tender_names_its_first_tenderers_as_they_bid_and_counts_every_offer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocds, "MAX_TENDERERS", 2)
    await create_contract_for_joint_order(joint_order(), api.service.uow())
    procurement = await api.call("POST", "/v1/procurements", desk("CZE"), PROCUREMENT, 201)
    # the offer that wins comes last, after as many as a release names, and is neither the
    # cheapest nor the dearest
    dearer = {**EUROPEAN, "unit_price_eur": 9_000}
    for org, country, body in (("GLOBALARMS", "USA", CHEAPER_ABROAD), ("FARCO", "KOR", NON_ASSOCIATED),
                               ("KONGSBERG", "NOR", dearer), ("NAMMO", "NOR", EUROPEAN)):  # fmt: skip
        await api.supplier(org, country, sme=org == "FARCO")
        assert api.clock is not None
        api.clock.at += timedelta(minutes=1)
        await api.call("POST", f"/v1/procurements/{procurement['id']}/offers", industry(org), body, 201)
    api.on(AWARD_DAY)
    await api.call("POST", f"/v1/procurements/{procurement['id']}/award", desk("CZE"))
    package = await api.call("GET", f"/v1/procurements/{procurement['id']}/ocds", desk("CZE"))
    ocds_schema.assert_conforms(package)
    (release,) = package["releases"]
    assert [t["name"] for t in release["tender"]["tenderers"]] == ["GLOBALARMS", "FARCO"]
    assert release["tender"]["numberOfTenderers"] == 4
    named = {p["name"]: (sorted(p["roles"]), p.get("details")) for p in release["parties"] if p["id"].startswith("sup")}
    assert named == {
        "GLOBALARMS": (["tenderer"], None),
        "FARCO": (["tenderer"], {"scale": "sme"}),
        "NAMMO": (["supplier"], None),
    }
    (award,) = release["awards"]
    assert award["value"] == {"amount": 60_000_000, "currency": "EUR"}  # 4,000 EUR for each of 15,000 items


async def test_an_export_from_unchanged_sources_writes_no_release_out(api: Api, written: Counter[str]) -> None:
    (contract_id,), procurement_id = await signed_contract(api)
    path = f"/v1/procurements/{procurement_id}/ocds"
    first = await api.call("GET", path, coordinator("CZE"))
    again = await api.call("GET", path, coordinator("CZE"))
    assert written["procurement_release"] == 1 and again["releases"] == first["releases"]

    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                   {"lots": [{"nation": "NLD", "quantity": 100, "due_date": LATER}]}, 201)  # fmt: skip
    planned = await api.call("GET", path, coordinator("CZE"))
    assert written["procurement_release"] == 2 and len(planned["releases"]) == 2
    assert planned["releases"][-1]["contracts"][0]["implementation"]["milestones"][0]["status"] == "scheduled"


async def test_sources_changed_without_changing_the_release_are_vouched_for(api: Api, written: Counter[str]) -> None:
    framework_id, _ = await framework_with_lead_call_off(api)
    path = f"/v1/frameworks/{framework_id}/ocds"
    first = await api.call("GET", path, desk("NLD"))
    async with api.service.uow() as uow:  # another call-off: the framework's totals move, its release does not
        found = await uow.frameworks.get(framework_id)
        assert found is not None
        call_off = found.call_off(
            nation="NLD", item_code="MMR", quantity=1, delivery_due=date.fromisoformat(LATER), today=TODAY,
            supplier_id=next(iter(found.suppliers)), by="nation_desk:NLD", at=uow.clock.now(),
        )  # fmt: skip
        uow.frameworks.add_call_off(call_off)
        await uow.commit()
    compared = await api.call("GET", path, desk("NLD"))
    assert compared["releases"] == first["releases"] and written["framework_release"] == 2
    await api.call("GET", path, desk("NLD"))
    assert written["framework_release"] == 2  # the latest release was vouched for with the moved totals


async def test_the_day_a_lot_falls_due_undelivered_makes_a_new_release(api: Api) -> None:
    (contract_id,), procurement_id = await signed_contract(api)
    await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                   {"lots": [{"nation": "NLD", "quantity": 100, "due_date": LATER}]}, 201)  # fmt: skip
    path = f"/v1/procurements/{procurement_id}/ocds"
    await api.call("GET", path, coordinator("CZE"))
    api.on(date.fromisoformat(LATER) + timedelta(days=1))
    package = await api.call("GET", path, coordinator("CZE"))
    ocds_schema.assert_conforms(package)
    scheduled, overdue = package["releases"]
    assert scheduled["contracts"][0]["implementation"]["milestones"][0]["status"] == "scheduled"
    assert overdue["contracts"][0]["implementation"]["milestones"][0]["status"] == "notMet"


async def test_a_company_named_otherwise_since_is_named_anew(api: Api) -> None:
    _, procurement_id = await signed_contract(api)
    path = f"/v1/procurements/{procurement_id}/ocds"
    await api.call("GET", path, coordinator("CZE"))
    async with api.service.engine.begin() as conn:  # the registry corrected, as no act of this service does
        await conn.execute(update(orm.suppliers).where(orm.suppliers.c.organisation == "NAMMO").values(sme=True))
    _, renamed = (await api.call("GET", path, coordinator("CZE")))["releases"]
    assert {p["name"]: p.get("details") for p in renamed["parties"]}["NAMMO"] == {"scale": "sme"}


async def test_a_release_published_before_fingerprints_or_by_other_code_is_compared_not_repeated(
    api: Api, written: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, procurement_id = await signed_contract(api)
    path = f"/v1/procurements/{procurement_id}/ocds"
    first = await api.call("GET", path, coordinator("CZE"))
    async with api.service.engine.begin() as conn:
        await conn.execute(update(orm.ocds_releases).values(sources=None))
    assert (await api.call("GET", path, coordinator("CZE")))["releases"] == first["releases"]
    assert written["procurement_release"] == 2
    async with api.service.engine.connect() as conn:
        assert (await conn.scalar(select(orm.ocds_releases.c.sources))) is not None

    monkeypatch.setattr(ocds, "WRITER", "ocds-releases-2")
    assert (await api.call("GET", path, coordinator("CZE")))["releases"] == first["releases"]
    assert written["procurement_release"] == 3


async def test_a_page_past_the_last_release_is_empty_and_still_counts_them(api: Api) -> None:
    _, procurement_id = await signed_contract(api)
    path = f"/v1/procurements/{procurement_id}/ocds"
    await api.call("GET", path, coordinator("CZE"))
    past = await api.client.get(f"{path}?offset=5", headers=coordinator("CZE"))
    assert past.status_code == 200 and not past.json().get("releases")
    assert past.headers["X-Total-Count"] == "1" and "Link" not in past.headers
