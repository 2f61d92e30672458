"""Demo scenario: two real bundling cases, played through the HTTP APIs only.

1. 155 mm artillery ammunition bought through Czechia as lead nation, for Czechia, the
   Netherlands (a batch for Ukraine), Germany and Denmark.
2. VSRAT (Very Short Range Anti-Tank): one joint order through NSPA, the NATO Support
   and Procurement Agency, for several of the 13 allies that ordered together.

Then the money: eighteen European nations pledge financial support to the 155 mm joint
order (the Netherlands 250 M EUR, for Ukraine), and CV90 infantry fighting vehicles for
Ukraine are paid from a Swedish fund the Netherlands (400 M EUR) and Denmark pay into.

An industry organisation per case registers a webhook endpoint pointing at the demo
receiver (deploy/demo/receiver.py); nation desks register their needs; a coordinator
waits until the bundle holds every nation, commits it as one joint order; the contracts
service turns it into a contract; the notifications service tells industry through a
signed webhook, which the receiver verifies. Quantities are illustrative.

    uv run python deploy/demo/scenario.py            # against deploy/run.sh's services

Tokens are minted here with AUTH_JWT_SECRET (the same development default as the
services). URLs come from the options below or from DEMAND_URL, CONTRACTS_URL,
NOTIFICATIONS_URL, RECEIVER_URL, WEBHOOK_BASE_URL; RECEIVER_ADMIN_TOKEN is sent to the
receiver when set. Every wait is bounded; any failure ends with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx

from bundling_shared.auth.principal import Role
from bundling_shared.auth.tokens import mint_token
from bundling_shared.settings import AuthSettings

T = TypeVar("T")


SUPPORTERS = ["DEU", "DNK", "SWE", "FIN", "NOR", "BEL", "EST", "LVA", "LTU", "POL", "PRT", "ESP", "FRA", "ITA",
              "AUT", "IRL", "LUX"]  # fmt: skip
"""With the Netherlands, the eighteen nations pledging support to the 155 mm batch."""


class DemoFailed(Exception):
    pass


@dataclass(frozen=True)
class NationNeed:
    nation: str
    quantity: int
    end_user: str = "own_forces"
    budget_eur: str | None = None  # the budget ceiling, EUR with cents


@dataclass
class Case:
    title: str
    item_code: str
    unit: str
    industry_org: str
    industry_what: str
    coordinator: dict[str, str]  # {"nation": "CZE"} or {"org": "NSPA"}
    lead: str
    why: str
    window: tuple[date, date]
    needs: list[NationNeed]
    unit_price_eur: str | None = None  # the lead's estimate of one unit's price, EUR with cents
    # filled in while the scenario runs
    need_ids: list[str] = field(default_factory=list)
    bundle: dict[str, Any] = field(default_factory=dict)
    contract: dict[str, Any] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)


CASES = [
    Case(
        title="155 mm artillery ammunition, bought through Czechia",
        item_code="AMMO-155MM",
        unit="rounds",
        industry_org="ammo-155mm-maker",
        industry_what="a 155 mm ammunition maker",
        coordinator={"nation": "CZE"},
        lead="CZE",
        why=(
            "Czechia buys as lead nation on behalf of the others; the Netherlands co-finances a batch "
            "for Ukraine through it (250 M EUR; 18 European countries pledged support)."
        ),
        window=(date(2025, 1, 1), date(2029, 12, 31)),
        needs=[
            NationNeed("CZE", 40_000, budget_eur="160000000.00"),
            NationNeed("NLD", 25_000, "ukraine", budget_eur="100000000.00"),
            NationNeed("DEU", 30_000, budget_eur="120000000.00"),
            NationNeed("DNK", 8_000, budget_eur="32000000.00"),
        ],
        unit_price_eur="4000.00",
    ),
    Case(
        title="VSRAT (Very Short Range Anti-Tank), one joint order through NSPA",
        item_code="VSRAT",
        unit="systems",
        industry_org="vsrat-maker",
        industry_what="a VSRAT weapon maker",
        coordinator={"org": "NSPA"},
        lead="NSPA",
        why="13 NATO allies, the Netherlands among them, ordered together through NSPA for faster delivery.",
        window=(date(2025, 6, 1), date(2027, 12, 31)),
        needs=[
            NationNeed("NLD", 1_200),
            NationNeed("BEL", 600),
            NationNeed("NOR", 500),
            NationNeed("EST", 300),
            NationNeed("LVA", 300),
            NationNeed("LTU", 400),
        ],
    ),
    Case(
        title="Patriot PAC-2 GEM-T missiles: four nations toward a 1,000-missile production line in Germany",
        item_code="PATRIOT-PAC2",
        unit="missiles",
        industry_org="patriot-missile-maker",
        industry_what="a Patriot missile maker",
        coordinator={"nation": "DEU"},
        lead="DEU",
        why="The Netherlands, Germany, Spain and Romania order together so that a line for 1,000 missiles can start.",
        window=(date(2026, 1, 1), date(2030, 12, 31)),
        needs=[
            NationNeed("DEU", 400),
            NationNeed("NLD", 250),
            NationNeed("ROU", 200),
            NationNeed("ESP", 150),
        ],
        unit_price_eur="5600000.00",
    ),
]


def say(text: str = "") -> None:
    print(text, flush=True)


def step(text: str) -> None:
    say()
    say(f"== {text}")


def wait_for(what: str, timeout: float, probe: Callable[[], T | None], interval: float = 0.5) -> T:
    """Call `probe` until it returns something other than None, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: str | None = None
    while True:
        try:
            result = probe()
            if result is not None:
                return result
        except httpx.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            hint = f" (last error: {last_error})" if last_error else ""
            raise DemoFailed(f"gave up after {timeout:.0f}s waiting for {what}{hint}")
        time.sleep(interval)


def expect(response: httpx.Response, *codes: int) -> Any:
    if response.status_code not in codes:
        try:
            detail: Any = response.json()
        except ValueError:
            detail = response.text[:500]
        raise DemoFailed(
            f"{response.request.method} {response.request.url} answered {response.status_code}, "
            f"expected {' or '.join(map(str, codes))}: {detail}"
        )
    return response.json() if response.content else None


# Contracts the Netherlands signed nationally, as its desk records them: the Dutch share of
# value rises from 41 % (2022) to 59 % (2023), and two Dutch suppliers are new in 2023.
DUTCH_PURCHASES = (
    ("NL-2022-017", "2022-03-14", "26000000.00", "Thales Nederland", "NLD", False),
    ("NL-2022-031", "2022-06-02", "15000000.00", "Fokker Services", "NLD", False),
    ("NL-2022-044", "2022-09-20", "35000000.00", "Rheinmetall", "DEU", False),
    ("NL-2022-058", "2022-11-08", "24000000.00", "Lockheed Martin", "USA", False),
    ("NL-2023-006", "2023-02-21", "30000000.00", "Thales Nederland", "NLD", False),
    ("NL-2023-019", "2023-04-11", "14000000.00", "Fokker Services", "NLD", False),
    ("NL-2023-027", "2023-06-30", "9000000.00", "VDL Defentec", "NLD", False),
    ("NL-2023-040", "2023-09-05", "6000000.00", "Nedinsco", "NLD", True),
    ("NL-2023-052", "2023-10-17", "26000000.00", "Rheinmetall", "DEU", False),
    ("NL-2023-063", "2023-12-01", "15000000.00", "Lockheed Martin", "USA", False),
)


WEIGHTS = {"price": 40, "delivery": 25, "origin": 25, "industrial_participation": 10}


class Demo:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.auth = AuthSettings()
        self.http = httpx.Client(timeout=10.0)
        receiver_headers = {"authorization": f"Bearer {args.receiver_admin_token}"} if args.receiver_admin_token else {}
        self.receiver = httpx.Client(base_url=args.receiver_url, timeout=10.0, headers=receiver_headers)

    # ------------------------------------------------------------------ tokens
    def token(self, role: Role, *, nation: str | None = None, org: str | None = None) -> dict[str, str]:
        subject = f"{role.value}:{nation or org}"
        jwt = mint_token(self.auth, role=role, subject=subject, nation=nation, organisation=org)
        return {"authorization": f"Bearer {jwt}"}

    def coordinator(self, case: Case) -> dict[str, str]:
        return self.token(Role.COORDINATOR, nation=case.coordinator.get("nation"), org=case.coordinator.get("org"))

    # ------------------------------------------------------------------ steps
    def check_up(self) -> None:
        step("Checking that the platform is up")
        services = [
            ("demand", self.args.demand_url),
            ("contracts", self.args.contracts_url),
            ("notifications", self.args.notifications_url),
        ]
        for name, url in services:

            def ready(url: str = url) -> bool | None:
                return True if self.http.get(f"{url}/ready").status_code == 200 else None

            wait_for(f"{name} at {url}/ready", self.args.timeout, ready)
            say(f"{name:<14} ready at {url}")
        wait_for(
            f"the demo receiver at {self.args.receiver_url}/health",
            self.args.timeout,
            lambda: True if self.receiver.get("/health").status_code == 200 else None,
        )
        say(f"{'receiver':<14} alive at {self.args.receiver_url}")

    def register_webhook(self, case: Case) -> None:
        headers = self.token(Role.INDUSTRY, org=case.industry_org)
        url = f"{self.args.webhook_base_url}/webhooks/{case.industry_org}"
        self.remove_old_endpoints(headers, url)
        body = {
            "url": url,
            "description": f"demo: {case.industry_what} wants to hear of new {case.item_code} contracts",
            "event_types": ["contract.created"],
        }
        endpoint = expect(
            self.http.post(f"{self.args.notifications_url}/v1/endpoints", json=body, headers=headers), 201
        )
        secret = endpoint.get("secret") if isinstance(endpoint, dict) else None
        if not secret:
            raise DemoFailed(f"the notifications service returned no secret for the endpoint: {endpoint}")
        expect(self.receiver.post(f"/_secrets/{case.industry_org}", json={"secret": secret}), 200, 201)
        say(
            f"{case.industry_org} ({case.industry_what}) registered webhook endpoint {endpoint.get('id')} "
            f"for contract.created -> {url}; the receiver got its signing secret"
        )

    def remove_old_endpoints(self, headers: dict[str, str], url: str) -> None:
        """Best effort: drop endpoints an earlier demo run registered for the same URL,
        so that one contract is not announced once per earlier run."""
        try:
            listed = self.http.get(f"{self.args.notifications_url}/v1/endpoints", headers=headers)
            if listed.status_code != 200:
                return
            payload = listed.json()
            items = payload.get("items", []) if isinstance(payload, dict) else payload
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("url") == url and item.get("id"):
                    self.http.delete(f"{self.args.notifications_url}/v1/endpoints/{item['id']}", headers=headers)
        except (httpx.HTTPError, ValueError):
            return

    def register_needs(self, case: Case) -> None:
        start, end = case.window
        for need in case.needs:
            body = {
                "nation": need.nation,
                "item_code": case.item_code,
                "quantity": need.quantity,
                "delivery_window": {"start": start.isoformat(), "end": end.isoformat()},
                "end_user": need.end_user,
            }
            if need.budget_eur is not None:
                body["budget_ceiling"] = {"amount": need.budget_eur, "currency": "EUR"}
            headers = self.token(Role.NATION_DESK, nation=need.nation)
            created = expect(self.http.post(f"{self.args.demand_url}/v1/needs", json=body, headers=headers), 201)
            case.need_ids.append(created["id"])
            for_whom = "for Ukraine" if need.end_user == "ukraine" else "for its own forces"
            say(
                f"{need.nation} desk registers a need: {need.quantity:,} {case.unit} {case.item_code} {for_whom}, "
                f"delivery {start.year}-{end.year} -> {created['id']}"
            )

    def find_bundle(self, case: Case) -> dict[str, Any] | None:
        """The bundle that holds every need this run registered for the case, once it does:
        each desk reads its own need (no one but the lead sees every line of a bundle)."""
        bundle_ids = set()
        for need_id, need in zip(case.need_ids, case.needs, strict=True):
            own = expect(
                self.http.get(
                    f"{self.args.demand_url}/v1/needs/{need_id}",
                    headers=self.token(Role.NATION_DESK, nation=need.nation),
                ),
                200,
            )
            if own["bundle_id"] is None:
                return None
            bundle_ids.add(own["bundle_id"])
        if len(bundle_ids) != 1:
            return None
        bundle_id = bundle_ids.pop()
        if case.coordinator.get("org"):
            self.nominate(case, bundle_id)
        return dict(
            expect(self.http.get(f"{self.args.demand_url}/v1/bundles/{bundle_id}", headers=self.coordinator(case)), 200)
        )

    def nominate(self, case: Case, bundle_id: str) -> None:
        """An agency leads a bundle once a nation in it nominates it: until then the bundle is
        run by the nation with the largest share, and the agency does not even see it."""
        nation = case.needs[0].nation
        expect(
            self.http.post(
                f"{self.args.demand_url}/v1/bundles/{bundle_id}/lead",
                json={"lead": case.lead},
                headers=self.token(Role.COORDINATOR, nation=nation),
            ),
            200,
        )
        say(f"coordinator {nation}, a nation in the bundle, nominates {case.lead} as its lead")

    def wait_for_bundle(self, case: Case) -> None:
        nations = sorted({n.nation for n in case.needs})
        bundle = wait_for(
            f"one {case.item_code} bundle holding the needs of {', '.join(nations)} "
            "(the demand service bundles needs after reading them back from Kafka)",
            self.args.timeout,
            lambda: self.find_bundle(case),
        )
        if bundle["status"] not in ("proposed", "open"):
            raise DemoFailed(f"bundle {bundle['id']} is already {bundle['status']}; cannot commit it again")
        case.bundle = bundle
        extra = sorted(set(bundle["nations"]) - set(nations))
        say(
            f"bundle {bundle['id']} is {bundle['status']} for {case.item_code}: {', '.join(bundle['nations'])}, "
            f"{bundle['total_quantity']:,} {case.unit} in total, revision {bundle['revision']}"
        )
        if extra:
            say(f"   (it also holds earlier needs of {', '.join(extra)}, registered before this run)")
        for verdict in bundle.get("funding", []):
            mark = "qualifies" if verdict["qualifies"] else "does not qualify"
            say(f"   funding: {verdict['instrument']} {mark}: {verdict['reason']}")
        probe = case.needs[0].nation
        seen_by = self.token(Role.NATION_DESK, nation=probe)
        url = f"{self.args.demand_url}/v1/bundles/{bundle['id']}"
        own = expect(self.http.get(url, headers=seen_by), 200)
        lines = expect(self.http.get(f"{url}/lines", headers=seen_by), 200)
        say(
            f"   the {probe} desk sees the total ({own['total_quantity']:,}) but only its own line(s): "
            + ", ".join(f"{x['nation']} {x['quantity']:,}" for x in lines["items"])
        )

    def estimate_price(self, case: Case) -> None:
        """The lead estimates what one unit costs: the bundle's value, and the euros of any
        grant it qualifies for, follow from it."""
        if case.unit_price_eur is None:
            return
        url = f"{self.args.demand_url}/v1/bundles/{case.bundle['id']}/unit-price"
        body = {"unit_price": {"amount": case.unit_price_eur, "currency": "EUR"}}
        priced = expect(self.http.post(url, json=body, headers=self.coordinator(case)), 200)
        say(
            f"   the lead estimates {case.unit_price_eur} EUR per unit: value {priced['total_value_eur']} EUR"
            f" ({priced['value_basis']})"
        )
        for verdict in priced["funding"]:
            if not verdict["qualifies"]:
                continue
            if verdict["max_contribution_eur"] is not None:
                parts = ", ".join(f"{p['nation']} {p['max_contribution_eur']}" for p in verdict["nation_contributions"])
                say(f"   {verdict['instrument']}: {verdict['calculation']} (by nation: {parts})")
            elif verdict["support"] == "loan":
                say(f"   {verdict['instrument']}: a loan to the member states, no grant to the bundle")
            else:
                say(f"   {verdict['instrument']}: a grant whose rate the rule data does not set: no amount")
        case.bundle = priced

    def commit(self, case: Case) -> None:
        who = case.coordinator.get("nation") or case.coordinator.get("org")
        committed = expect(
            self.http.post(
                f"{self.args.demand_url}/v1/bundles/{case.bundle['id']}/commit",
                json={"lead": case.lead},
                headers=self.coordinator(case),
            ),
            200,
        )
        case.bundle = committed
        say(f"coordinator {who} commits bundle {committed['id']} as one joint order; lead: {committed['lead']}")
        say(f"   why: {case.why}")

    def wait_for_contract(self, case: Case) -> None:
        bundle_id = case.bundle["id"]
        headers = self.coordinator(case)

        def probe() -> dict[str, Any] | None:
            r = self.http.get(f"{self.args.contracts_url}/v1/joint-orders/{bundle_id}/contract", headers=headers)
            if r.status_code == 404:
                return None
            return dict(expect(r, 200))

        contract = wait_for(
            f"the contract of joint order {bundle_id} (the contracts service reads the commit from Kafka)",
            self.args.timeout,
            probe,
        )
        case.contract = contract
        lines = ", ".join(f"{x['nation']} {x['quantity']:,}" for x in contract["lines"])
        say(
            f"contract {contract['id']} exists: {contract['contracting_authority']} contracts for all, "
            f"{contract['total_quantity']:,} {case.unit} ({lines}), "
            f"delivery {contract['delivery_window_start']} to {contract['delivery_window_end']}"
        )

    def pledge(self, nation: str, amount: str, **to: str) -> dict[str, Any]:
        desk = self.token(Role.NATION_DESK, nation=nation)
        body = {"nation": nation, "amount": {"amount": amount, "currency": "EUR"}, **to}
        made = dict(expect(self.http.post(f"{self.args.demand_url}/v1/pledges", json=body, headers=desk), 201))
        expect(self.http.post(f"{self.args.demand_url}/v1/pledges/{made['id']}/confirm", json={}, headers=desk), 200)
        return made

    def pledges_to_155mm(self) -> None:
        """Eighteen nations support the batch bought through Czechia; Czechia records the
        Dutch 250 M EUR as received."""
        case = CASES[0]
        czechia = self.coordinator(case)
        dutch = self.pledge("NLD", "250000000.00", bundle_id=case.bundle["id"], beneficiary="UKR")
        for i, nation in enumerate(SUPPORTERS):
            self.pledge(nation, f"{5_000_000 + 250_000 * i}.00", bundle_id=case.bundle["id"], beneficiary="UKR")
        paid = f"{self.args.demand_url}/v1/pledges/{dutch['id']}/paid"
        expect(self.http.post(paid, json={}, headers=czechia), 200)
        money = expect(self.http.get(f"{self.args.demand_url}/v1/bundles/{case.bundle['id']}", headers=czechia), 200)[
            "money"
        ]
        say(
            f"{money['contributor_count']} nations pledged {money['pledged_eur']} EUR to the 155 mm joint order"
            f" ({money['confirmed_eur']} confirmed, {money['paid_eur']} paid); of its value of"
            f" {money['value_eur']} EUR the confirmed pledges leave {money['gap_eur']} EUR to the buyers' budgets"
        )

    def cv90_fund(self) -> str:
        """Sweden runs a fund for CV90 vehicles for Ukraine; the Netherlands and Denmark pay
        in; Sweden pays toward its CV90 joint order from it."""
        sweden = self.token(Role.COORDINATOR, nation="SWE")
        url = self.args.demand_url
        body = {"lead": "SWE", "purpose": "CV90 infantry fighting vehicles for Ukraine", "item_codes": ["CV90"],
                "beneficiary": "UKR"}  # fmt: skip
        fund = expect(self.http.post(f"{url}/v1/funds", json=body, headers=sweden), 201)
        say(f"Sweden opens fund {fund['id']}: {fund['purpose']}")
        for nation, amount in (("NLD", "400000000.00"), ("DNK", "150000000.00")):
            made = self.pledge(nation, amount, fund_id=fund["id"], beneficiary="UKR")
            expect(self.http.post(f"{url}/v1/pledges/{made['id']}/paid", json={}, headers=sweden), 200)
            say(f"   {nation} pays {amount} EUR into it")
        need = {"nation": "SWE", "item_code": "CV90", "quantity": 50, "end_user": "ukraine",
                "delivery_window": {"start": "2026-01-01", "end": "2028-12-31"},
                "budget_ceiling": {"amount": "500000000.00", "currency": "EUR"}}  # fmt: skip
        swe = self.token(Role.NATION_DESK, nation="SWE")
        need_id = expect(self.http.post(f"{url}/v1/needs", json=need, headers=swe), 201)["id"]

        def bundled() -> str | None:
            found = expect(self.http.get(f"{url}/v1/needs/{need_id}", headers=swe), 200)
            return found["bundle_id"] if found["status"] == "bundled" else None

        bundle_id = wait_for("Sweden's CV90 need in a bundle", self.args.timeout, bundled)
        purchase = {"bundle_id": bundle_id, "amount": {"amount": "500000000.00"}, "note": "50 CV90 for Ukraine"}
        after = expect(self.http.post(f"{url}/v1/funds/{fund['id']}/purchases", json=purchase, headers=sweden), 201)
        say(
            f"Sweden pays 500000000.00 EUR toward its CV90 joint order {bundle_id} from the fund;"
            f" paid in {after['money']['paid_eur']} EUR, balance {after['balance_eur']} EUR"
        )
        expect(self.http.post(f"{url}/v1/bundles/{bundle_id}/commit", json={}, headers=sweden), 200)
        return bundle_id

    def cv90_built_partly_in_the_netherlands(self, bundle_id: str) -> None:
        """Only BAE Systems Hägglunds builds the CV90: Sweden negotiates with it alone, without
        a published notice (Directive 2009/81/EC, Article 28(1)(e)); its offer puts 30 % of
        the production in the Netherlands, which pays into the fund; signed without a
        standstill (Article 58(a)), the promise binds the supplier on the contract."""
        contracts = self.args.contracts_url
        sweden = self.token(Role.COORDINATOR, nation="SWE")

        def contracted() -> dict[str, Any] | None:
            r = self.http.get(f"{contracts}/v1/joint-orders/{bundle_id}/contract", headers=sweden)
            return None if r.status_code == 404 else dict(expect(r, 200))

        contract = wait_for(f"the contract of the CV90 joint order {bundle_id}", self.args.timeout, contracted)
        until = (date.today() + timedelta(days=400)).isoformat()
        supplier = {"organisation": "HAGGLUNDS", "country": "SWE", "security_declaration_valid_until": until}
        admin = self.token(Role.ADMIN, org="platform")
        expect(self.http.post(f"{contracts}/v1/suppliers", json=supplier, headers=admin), 201, 409)
        hagglunds_token = self.token(Role.INDUSTRY, org="HAGGLUNDS")
        (hagglunds,) = expect(self.http.get(f"{contracts}/v1/suppliers", headers=hagglunds_token), 200)["items"]
        today = date.today().isoformat()
        negotiation = {"item_code": "CV90", "buyer_nation": "SWE", "nations": contract["nations"],
                       "quantity": contract["total_quantity"], "tender_date": today, "quality_gates": [],
                       "bundle_id": bundle_id, "procedure": "negotiated_without_publication",
                       "invited_supplier_id": hagglunds["id"],
                       "justification": "Only BAE Systems Hagglunds builds the CV90 and holds its design rights",
                       "weights": WEIGHTS}  # fmt: skip
        procurement = expect(self.http.post(f"{contracts}/v1/procurements", json=negotiation, headers=sweden), 201)
        offer = {"unit_price_eur": "10000000.00", "first_delivery": (date.today() + timedelta(days=180)).isoformat(),
                 "monthly_rate": 2, "origin_country": "SWE", "eu_component_share": 0.9,
                 "non_associated_component_share": 0.0, "local_production": {"NLD": 0.3, "SWE": 0.7}}  # fmt: skip
        path = f"{contracts}/v1/procurements/{procurement['id']}"
        expect(self.http.post(f"{path}/offers", json=offer, headers=hagglunds_token), 201)
        expect(self.http.post(f"{path}/award", headers=sweden), 200)
        expect(self.http.post(f"{path}/sign", headers=sweden), 200)
        signed = expect(self.http.get(f"{contracts}/v1/contracts/{contract['id']}", headers=sweden), 200)
        shares = ", ".join(f"{share:.0%} in {nation}" for nation, share in sorted(signed["local_production"].items()))
        say(
            f"Sweden negotiates with BAE Systems Hagglunds alone (no notice, Directive 2009/81/EC Art. 28(1)(e)),"
            f" signs contract {contract['id']} the same day (no standstill, Art. 58(a)): production {shares}"
        )

    def declare_patriot_line(self) -> dict[str, Any]:
        """A German company's line for PAC-2 GEM-T missiles: it pays to start from 1,000."""
        contracts = self.args.contracts_url
        until = (date.today() + timedelta(days=400)).isoformat()
        supplier = {"organisation": "MBDA-DE", "country": "DEU", "security_declaration_valid_until": until}
        expect(
            self.http.post(f"{contracts}/v1/suppliers", json=supplier, headers=self.token(Role.ADMIN, org="platform")),
            201,
            409,
        )
        start = date(date.today().year + 1, 1, 1)
        body = {"item_code": "PATRIOT-PAC2", "site": "Schrobenhausen", "country": "DEU",
                "earliest_start": start.isoformat(), "minimum_economic_quantity": 1_000,
                "rates": [{"month": f"{start:%Y-%m}", "units_per_month": 20},
                          {"month": f"{start.year + 1}-01", "units_per_month": 40}],
                "inputs": ["rocket propellant", "cryostat"]}  # fmt: skip
        industry = self.token(Role.INDUSTRY, org="MBDA-DE")
        line = dict(expect(self.http.post(f"{contracts}/v1/production-lines", json=body, headers=industry), 201))
        say(
            f"MBDA-DE declares production line {line['id']} for PAC-2 GEM-T missiles at Schrobenhausen: 20 a month"
            f" from {start:%Y-%m}, 40 from {start.year + 1}-01; starting it pays from 1,000 missiles"
        )
        return line

    def patriot_unlocked(self, line: dict[str, Any]) -> None:
        """The four nations' demand reached the line's minimum: the demand sheet says so, and
        the company was told (`demand.capacity.unlocked`)."""
        url = f"{self.args.demand_url}/v1/demand-sheet/PATRIOT-PAC2"
        desk = self.token(Role.NATION_DESK, nation="ROU")

        def unlocked() -> dict[str, Any] | None:
            lines = expect(self.http.get(url, headers=desk), 200)["capacity"]["lines"]
            return next((x for x in lines if x["line_id"] == line["id"] and x["unlocked_at"]), None)

        found = wait_for("the Patriot line unlocked by the nations' demand", self.args.timeout, unlocked)
        say(
            f"demand unlocks capacity: the nations' Patriot demand reached {found['unlocked_by_demand']:,} missiles,"
            f" the line's minimum of {found['minimum_economic_quantity']:,}; MBDA-DE was told"
        )

    def order_shift(self) -> None:
        """Czechia plans the Dutch lots of the 155 mm contract for 2030, then moves them
        forward into 2027-2028 in one act, as raised NATO stock norms ask."""
        case = CASES[0]
        contract_id, czechia = case.contract["id"], self.coordinator(case)
        url = f"{self.args.contracts_url}/v1/contracts/{contract_id}"
        planned = [{"nation": "NLD", "quantity": 12_500, "due_date": "2030-06-30"},
                   {"nation": "NLD", "quantity": 12_500, "due_date": "2030-12-31"}]  # fmt: skip
        lots = {"lots": planned, "reason": "first plan"}
        expect(self.http.post(f"{url}/lots", json=lots, headers=czechia), 201)
        shift = {"window": {"start": "2027-01-01", "end": "2028-12-31"}, "nation": "NLD",
                 "reason": "raised NATO stock norms: delivery moved forward"}  # fmt: skip
        moved = expect(self.http.post(f"{url}/schedule-shift", json=shift, headers=czechia), 200)
        log = expect(self.http.get(f"{url}/change-log", headers=czechia), 200)["items"]
        say(
            "order shift: Czechia moves the Dutch 155 mm lots from 2030 into 2027-2028: "
            + ", ".join(f"{x['quantity']:,} due {x['due_date']}" for x in moved)
        )
        say(f"   contract change log: {log[-1]['what']}")

    def follow_on_round(self) -> None:
        """The 155 mm contract ends with its delivery window: the contracts service tells its
        parties at the horizons of its category, and the demand service opens a follow-on round."""
        case = CASES[0]
        contract_id = case.contract["id"]
        url = f"{self.args.demand_url}/v1/bundles"
        czechia = self.coordinator(case)

        def opened() -> dict[str, Any] | None:
            found = expect(self.http.get(url, params={"item_code": case.item_code, "status": "proposed"},
                                         headers=czechia), 200)["items"]  # fmt: skip
            return next((b for b in found if (b.get("follows_on") or {}).get("agreement_id") == contract_id), None)

        round_ = wait_for("the follow-on round of the expiring 155 mm contract", self.args.timeout, opened)
        follows = round_["follows_on"]
        say(
            f"contract {contract_id} ends on {follows['ends_on']}: told {follows['horizon_years']} years ahead, and"
            f" follow-on round {round_['id']} opened for {', '.join(follows['nations'])}"
        )

    def dutch_industrial_base(self) -> None:
        """The Netherlands' desk records contracts it signed nationally in 2022 and 2023 (outside
        any bundle), and the yearly report shows the share contracted with Dutch companies
        rising from 41 % to 59 %, with the Dutch suppliers contracted for the first time."""
        nld = self.token(Role.NATION_DESK, nation="NLD")
        url = f"{self.args.contracts_url}/v1/national-purchases"
        for reference, signed_on, value, supplier, country, sme in DUTCH_PURCHASES:
            body = {"reference": reference, "signed_on": signed_on, "value_eur": value, "supplier_name": supplier,
                    "supplier_country": country, "supplier_sme": sme}  # fmt: skip
            expect(self.http.post(url, json=body, headers=nld), 201, 409)  # 409: recorded by an earlier run
        years = expect(self.http.get(f"{self.args.contracts_url}/v1/reports/kpis", headers=nld), 200)["years"]
        for year in (y for y in years if y["year"] in (2022, 2023)):
            dutch = year["by_nation"].get("NLD", {})
            say(
                f"{year['year']}: {dutch.get('national_share', 0):.0%} of NLD's {dutch.get('total', '0')} EUR"
                f" contracted with Dutch companies; new Dutch suppliers {year['new_suppliers'].get('NLD', 0)},"
                f" SME share {year['sme_share']:.0%}"
            )

    def received(self) -> list[dict[str, Any]]:
        items = expect(self.receiver.get("/_received"), 200)
        return [x for x in items if isinstance(x, dict)]

    def wait_for_webhooks(self) -> None:
        pending = {case.contract["id"]: case for case in CASES}

        def mentions(record: dict[str, Any], contract_id: str) -> bool:
            return contract_id in json.dumps(record.get("data"))

        def probe() -> bool | None:
            records = self.received()
            for contract_id, case in list(pending.items()):
                hits = [r for r in records if mentions(r, contract_id)]
                if any(r.get("verified") for r in hits):
                    case.webhooks = hits
                    for r in hits:
                        mark = "signature verified" if r.get("verified") else f"NOT verified ({r.get('error')})"
                        say(f"webhook {r.get('webhook_id')} {r.get('type')} reached {r.get('org')}: {mark}")
                    del pending[contract_id]
            return True if not pending else None

        try:
            wait_for(
                "signed contract.created webhooks at the receiver",
                self.args.timeout,
                probe,
            )
        except DemoFailed as exc:
            unverified = [r for r in self.received() if not r.get("verified")]
            more = f"; the receiver rejected {len(unverified)} webhook(s) it could not verify" if unverified else ""
            raise DemoFailed(
                f"{exc}: no verified webhook yet for {', '.join(pending)}{more}. "
                "Look at the notifications service log, and check NOTIFICATIONS_ALLOWED_HOSTS / "
                "NOTIFICATIONS_ALLOW_HTTP let it call the receiver."
            ) from exc

    def summary(self) -> None:
        step("Summary")
        for case in CASES:
            orgs = sorted({str(r.get("org")) for r in case.webhooks if r.get("verified")})
            say(f"{case.title}")
            say(f"   needs      {', '.join(f'{n.nation} {n.quantity:,}' for n in case.needs)} {case.unit}")
            say(f"   bundle     {case.bundle['id']} committed, lead {case.bundle['lead']}")
            say(
                f"   contract   {case.contract['id']}, {case.contract['total_quantity']:,} {case.unit}, "
                f"signed by {case.contract['contracting_authority']}"
            )
            say(f"   webhook    verified at {', '.join(orgs)}")
        say()
        say("API docs (Swagger UI):")
        say(f"   demand         {self.args.demand_url}/docs")
        say(f"   contracts      {self.args.contracts_url}/docs")
        say(f"   notifications  {self.args.notifications_url}/docs")
        say(f"Webhooks received: {self.args.receiver_url}/_received")
        say("Tokens for trying the APIs by hand: uv run bundling-token --role nation_desk --nation NLD")

    def run(self) -> None:
        started = time.monotonic()
        self.check_up()
        step("Industry subscribes to new contracts")
        for case in CASES:
            self.register_webhook(case)
        patriot_line: dict[str, Any] | None = None
        for case in CASES:
            step(case.title)
            if case.item_code == "PATRIOT-PAC2":
                patriot_line = self.declare_patriot_line()
            self.register_needs(case)
            self.wait_for_bundle(case)
            self.estimate_price(case)
            self.commit(case)
        step("Money: pledges to the 155 mm joint order, a Swedish fund for CV90")
        self.pledges_to_155mm()
        cv90 = self.cv90_fund()
        step("Contracts")
        for case in CASES:
            self.wait_for_contract(case)
        self.cv90_built_partly_in_the_netherlands(cv90)
        step("Industry hears of the contracts")
        self.wait_for_webhooks()
        step("Production, schedules and the next round")
        if patriot_line is not None:
            self.patriot_unlocked(patriot_line)
        self.order_shift()
        self.follow_on_round()
        step("The Dutch defence industrial base, year by year")
        self.dutch_industrial_base()
        self.summary()
        say()
        say(f"DEMO PASSED in {time.monotonic() - started:.1f}s")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    receiver = env("RECEIVER_URL", f"http://127.0.0.1:{env('RECEIVER_PORT', '8099')}")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--demand-url", default=env("DEMAND_URL", "http://127.0.0.1:8001"))
    p.add_argument("--contracts-url", default=env("CONTRACTS_URL", "http://127.0.0.1:8002"))
    p.add_argument("--notifications-url", default=env("NOTIFICATIONS_URL", "http://127.0.0.1:8003"))
    p.add_argument("--receiver-url", default=receiver, help="where this script reaches the receiver")
    p.add_argument(
        "--webhook-base-url",
        default=env("WEBHOOK_BASE_URL", receiver),
        help="where the notifications service reaches the receiver (e.g. http://receiver:8099 in compose)",
    )
    p.add_argument("--receiver-admin-token", default=env("RECEIVER_ADMIN_TOKEN") or None)
    p.add_argument("--timeout", type=float, default=float(env("DEMO_TIMEOUT", "60")), help="seconds per wait")
    args = p.parse_args(argv)
    for name in ("demand_url", "contracts_url", "notifications_url", "receiver_url", "webhook_base_url"):
        setattr(args, name, getattr(args, name).rstrip("/"))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        Demo(args).run()
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except httpx.HTTPError as exc:
        print(f"\nDEMO FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
