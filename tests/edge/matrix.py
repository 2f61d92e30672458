"""Who may do what: the expected answer of every route of the three services to every
relation a caller can have to the object the route names.

One row per route, one column per relation, in the order of ``RELATIONS``: the desk of a
nation in the object (own), of another nation in the same order (partner), of a nation not
in it (outsider); a coordinator of an agency that does not lead it, the coordinator of its
lead; an industry token of a company with no relation, of the contract's supplier; admin;
no token. A number is
the exact status expected; ``2xx`` any success. The model (the issue behind it):

- a desk sees its own needs, lines, call-offs, lots and change-log entries, and of its
  partners only totals; what is not the caller's answers 404, as if it did not exist;
- a role that may never act on a route answers 403 where the route names no object or the
  caller sees the object; an object it does not see stays hidden (404) whatever the act;
- a desk lists suppliers as far as it has a part in them, and does not see a supplier's
  record outside that (need-to-know; the registry is kept by coordinators);
- a framework that came from a bundle is acceded to through the demand service (409 here);
  a framework is created with its creator's nation only, so an agency's coordinator taking
  no share is refused its creation (422);
- a caller who sees an object but may not act on it gets 403;
- the contracting authority of a procurement for a bundle is the bundle's lead; a
  coordinator acts on the bundles, procurements and frameworks it leads, not on every one;
- industry sees only its own offers, contracts and endpoints, and nothing of demand (403
  on demand routes without an object and on every act, 404 on reading a demand object);
- a nation already in a framework that accedes again clashes with what exists (409);
- an admin may do everything a desk or coordinator may, except speak for a nation in a
  bundle's participation or accession;
- a company that is not a registered supplier is told so when it makes an offer (422);
- an open tender's notice is published to industry: every company reads it, bid or not; the
  nations read their procurements instead (403 where they see one, 404 where not).

The objects behind each path are seeded by ``tests.edge.world``: a committed joint order
of NLD (own) and DEU (partner) led by the agency NSPA, with its contract signed with the
supplier NAMMO; a framework of the same nations led by NSPA; POL is the outsider nation,
EDA another coordinator, ACME a company with no relation.
"""

from __future__ import annotations

from typing import Final

RELATIONS: Final = (
    "own",
    "partner",
    "outsider",
    "other_coordinator",
    "lead_coordinator",
    "unrelated_company",
    "contracted_supplier",
    "admin",
    "no_token",
)

DESCRIBED: Final = {
    "own": "own desk",
    "partner": "partner desk",
    "outsider": "outsider desk",
    "other_coordinator": "other coordinator",
    "lead_coordinator": "lead's coordinator",
    "unrelated_company": "unrelated company",
    "contracted_supplier": "contracted supplier",
    "admin": "admin",
    "no_token": "no token",
}

# fmt: off
EXPECTED: Final[dict[tuple[str, str, str], str]] = {
    # service, method, path                                      own partn outsd othco leadc compy suppl admin anon
    ("demand", "GET", "/health"):                                "200   200   200   200   200   200   200   200   200",
    ("demand", "GET", "/ready"):                                 "200   200   200   200   200   200   200   200   200",
    ("demand", "GET", "/metrics"):                               "200   200   200   200   200   200   200   200   200",
    ("demand", "POST", "/v1/needs"):                             "201   201   201   403   403   403   403   201   401",
    ("demand", "GET", "/v1/needs"):                              "200   200   200   200   200   403   403   200   401",
    ("demand", "POST", "/v1/needs/preview"):                     "200   200   200   403   403   403   403   200   401",
    ("demand", "GET", "/v1/needs/{need_id}"):                    "200   404   404   404   200   404   404   200   401",
    ("demand", "GET", "/v1/needs/{need_id}/history"):            "200   404   404   404   200   404   404   200   401",
    ("demand", "PATCH", "/v1/needs/{need_id}"):                  "200   404   404   404   404   404   404   200   401",
    ("demand", "POST", "/v1/needs/{need_id}/submit"):            "200   404   404   404   404   404   404   200   401",
    ("demand", "POST", "/v1/needs/{need_id}/withdraw"):          "200   404   404   404   404   404   404   200   401",
    ("demand", "GET", "/v1/bundles"):                            "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/bundles/{bundle_id}"):                "200   200   404   404   200   404   404   200   401",
    ("demand", "GET", "/v1/bundles/{bundle_id}/lines"):          "200   200   404   404   200   404   404   200   401",
    ("demand", "GET", "/v1/bundles/{bundle_id}/trail"):          "200   200   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/lead"):          "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/open"):          "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/deadline"):      "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/sme-share"):     "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/unit-price"):    "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/participation"): "200   200   404   404   403   404   404   403   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/commit"):        "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/close"):         "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/cancel"):        "403   403   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/bundles/{bundle_id}/accessions"):    "409   409   2xx   403   403   403   403   403   401",
    ("demand", "GET", "/v1/catalogue/nations"):                  "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/catalogue/funding-rules"):            "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/catalogue/funding-rules/history"):    "200   200   200   200   200   403   403   200   401",
    ("demand", "POST", "/v1/pledges"):                           "201   201   201   403   403   403   403   201   401",
    ("demand", "GET", "/v1/pledges"):                            "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/pledges/{pledge_id}"):                "200   404   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/pledges/{pledge_id}/confirm"):       "200   404   404   404   403   404   404   200   401",
    ("demand", "POST", "/v1/pledges/{pledge_id}/paid"):          "403   404   404   404   200   404   404   200   401",
    ("demand", "POST", "/v1/pledges/{pledge_id}/withdraw"):      "200   404   404   404   403   404   404   200   401",
    ("demand", "POST", "/v1/funds"):                             "403   403   403   201   201   403   403   201   401",
    ("demand", "GET", "/v1/funds"):                              "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/funds/{fund_id}"):                    "200   200   200   200   200   404   404   200   401",
    ("demand", "POST", "/v1/funds/{fund_id}/purchases"):         "403   403   403   403   201   404   404   201   401",
    ("demand", "POST", "/v1/funds/{fund_id}/close"):             "403   403   403   403   200   404   404   200   401",
    ("demand", "GET", "/v1/catalogue/items"):                    "200   200   200   200   200   403   403   200   401",
    ("demand", "POST", "/v1/catalogue/items"):                   "403   403   403   403   403   403   403   201   401",
    ("demand", "GET", "/v1/catalogue/items/{code}"):             "200   200   200   200   200   403   403   200   401",
    ("demand", "GET", "/v1/catalogue/items/{code}/operators"):   "200   200   200   200   200   403   403   200   401",
    ("demand", "POST", "/v1/catalogue/items/{code}/retire"):     "403   403   403   403   403   403   403   200   401",
    ("demand", "GET", "/v1/demand-sheet/{item_code}"):           "200   200   200   200   200   403   403   200   401",

    ("contracts", "GET", "/health"):                             "200   200   200   200   200   200   200   200   200",
    ("contracts", "GET", "/ready"):                              "200   200   200   200   200   200   200   200   200",
    ("contracts", "GET", "/metrics"):                            "200   200   200   200   200   200   200   200   200",
    ("contracts", "GET", "/v1/contracts"):                       "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/contracts/{contract_id}"):         "200   200   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/contracts/{contract_id}/change-log"): "200 200   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/joint-orders/{bundle_id}/contract"):  "200 200  404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/joint-orders/{bundle_id}/contracts"): "200 200  404   404   200   404   200   200   401",
    ("contracts", "PUT", "/v1/joint-orders/{bundle_id}/contract-mode"): "403 403 403 404   204   403   403   204   401",
    ("contracts", "GET", "/v1/suppliers"):                       "200   200   200   200   200   200   200   200   401",
    ("contracts", "POST", "/v1/suppliers"):                      "403   403   403   201   201   403   403   201   401",
    ("contracts", "GET", "/v1/suppliers/{supplier_id}"):         "404   404   404   200   200   404   200   200   401",
    ("contracts", "POST", "/v1/production-lines"):               "403   403   403   403   403   422   201   403   401",
    ("contracts", "GET", "/v1/production-lines"):                "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/production-lines/{line_id}"):      "200   200   200   200   200   404   200   200   401",
    ("contracts", "PUT", "/v1/production-lines/{line_id}"):      "403   403   403   403   403   404   200   403   401",
    ("contracts", "GET", "/v1/production-lines/{line_id}/allocation"): "200 200 200 200 200 404 200 200 401",
    ("contracts", "PUT", "/v1/stock-levels/{item_code}"):        "200   200   200   403   403   403   403   403   401",
    ("contracts", "GET", "/v1/stock-levels"):                    "200   200   200   403   403   403   403   200   401",
    ("contracts", "POST", "/v1/national-purchases"):             "201   201   201   403   403   403   403   403   401",
    ("contracts", "GET", "/v1/national-purchases"):              "200   200   200   403   403   403   403   200   401",
    ("contracts", "DELETE", "/v1/national-purchases/{purchase_id}"): "204 404 404 404 404   404   404   204   401",
    ("contracts", "PUT", "/v1/suppliers/{supplier_id}/security-declaration"): "403 403 403 200 200 403 403  200   401",
    ("contracts", "GET", "/v1/specifications"):                  "200   200   200   200   200   200   200   200   401",
    ("contracts", "POST", "/v1/specifications"):                 "201   201   403   201   201   403   403   201   401",
    ("contracts", "GET", "/v1/specifications/{specification_id}"): "200 200   404   200   200   404   404   200   401",
    ("contracts", "GET", "/v1/specifications/{specification_id}/deviations"): "200 200 404 200 200 404 404 200  401",
    ("contracts", "POST", "/v1/specifications/{specification_id}/deviations"): "200 200 404 403 403 404 404 403  401",
    ("contracts", "POST", "/v1/specifications/{specification_id}/positions"):  "200 200 404 403 403 404 404 403  401",
    ("contracts", "POST", "/v1/procurements"):                   "403   403   422   422   201   403   403   201   401",
    ("contracts", "GET", "/v1/procurements"):                    "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/procurements/{procurement_id}"):   "200   200   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/procurements/{procurement_id}/offers"): "200 200 404 404  200   404   200   200   401",
    ("contracts", "GET", "/v1/procurements/{procurement_id}/evaluation"): "200 200 404 404 200 404 200   200   401",
    ("contracts", "POST", "/v1/procurements/{procurement_id}/offers"): "403 403 404 404  403   422   201   403   401",
    ("contracts", "POST", "/v1/procurements/{procurement_id}/award"):  "403 403 404 404   200   404   403   200   401",
    ("contracts", "POST", "/v1/procurements/{procurement_id}/sign"):   "403 403 404 404   200   404   403   200   401",
    ("contracts", "POST", "/v1/procurements/{procurement_id}/coordinators"): "403 403 404 404 200 404 403 200 401",
    ("contracts", "GET", "/v1/procurements/{procurement_id}/ocds"):    "403 403 404 404   200   404   403   200   401",
    ("contracts", "GET", "/v1/tenders"):                               "403 403 403 403   403   200   200   200   401",
    ("contracts", "GET", "/v1/tenders/{procurement_id}"):              "403 403 404 404   403   200   200   200   401",
    ("contracts", "GET", "/v1/frameworks"):                      "200   200   200   200   200   200   200   200   401",
    ("contracts", "POST", "/v1/frameworks"):                     "201   201   201   422   422   403   403   201   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}"):       "200   200   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}/call-offs"):  "200 200 404 404   200   404   200   200   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}/accessions"): "200 200 404 404   200   404   200   200   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}/change-log"): "200 200 404 404   200   404   200   200   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/suppliers"):  "403 403 404 404   200   404   403   200   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/call-offs"):  "201 201 404 404   403   404   403   403   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions"): "409 409 409 404   403   404   403   409   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/approve"):
                                                                 "200   403   404   404   200   404   403   200   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/accessions/{nation}/refuse"):
                                                                 "200   403   404   404   200   404   403   200   401",
    ("contracts", "PUT", "/v1/frameworks/{framework_id}/settings"): "403 403 404 404   200   404   403   200   401",
    ("contracts", "POST", "/v1/frameworks/{framework_id}/coordinators"): "403 403 404 404 200   404   403   200   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}/ocds"):  "403   403   404   404   200   404   403   200   401",
    ("contracts", "GET", "/v1/frameworks/{framework_id}/call-offs/{call_off_id}/ocds"):
                                                                 "403   403   404   404   200   404   403   200   401",
    ("contracts", "GET", "/v1/contracts/{contract_id}/lots"):    "200   200   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/lots/{lot_id}/deliveries"):        "200   404   404   404   200   404   200   200   401",
    ("contracts", "GET", "/v1/lots/{lot_id}/history"):           "200   404   404   404   200   404   200   200   401",
    ("contracts", "POST", "/v1/contracts/{contract_id}/lots"):   "403   403   404   404   201   404   403   201   401",
    ("contracts", "PUT", "/v1/contracts/{contract_id}/capacity"): "403  403   404   404   200   404   404   200   401",
    ("contracts", "POST", "/v1/contracts/{contract_id}/schedule-shift"): "403 403 404 404 200 404 403 200 401",
    ("contracts", "POST", "/v1/lots/{lot_id}/deliveries"):       "200   404   404   404   200   404   403   200   401",
    ("contracts", "PUT", "/v1/lots/{lot_id}/forecast"):          "403   404   404   404   200   404   200   200   401",
    ("contracts", "PUT", "/v1/lots/{lot_id}/due-date"):          "403   404   404   404   200   404   403   200   401",
    ("contracts", "POST", "/v1/delivery-checks"):                "403   403   403   200   200   403   403   200   401",
    ("contracts", "GET", "/v1/reports/deliveries"):              "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/reports/deliveries/by-funder"):    "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/reports/value-by-origin"):         "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/reports/kpis"):                    "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/reports/supply-risk"):             "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/materials"):                       "200   200   200   200   200   200   200   200   401",
    ("contracts", "GET", "/v1/materials/{name}"):                "200   200   200   200   200   200   200   200   401",
    ("contracts", "PUT", "/v1/materials/{name}"):                "403   403   403   2xx   2xx   403   403   2xx   401",

    ("notifications", "GET", "/health"):                         "200   200   200   200   200   200   200   200   200",
    ("notifications", "GET", "/ready"):                          "200   200   200   200   200   200   200   200   200",
    ("notifications", "GET", "/metrics"):                        "200   200   200   200   200   200   200   200   200",
    ("notifications", "POST", "/v1/endpoints"):                  "201   201   201   201   201   201   201   201   401",
    ("notifications", "GET", "/v1/endpoints"):                   "200   200   200   200   200   200   200   200   401",
    ("notifications", "GET", "/v1/endpoints/{endpoint_id}"):     "404   404   404   404   404   404   200   200   401",
    ("notifications", "PATCH", "/v1/endpoints/{endpoint_id}"):   "404   404   404   404   404   404   200   200   401",
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/pause"):  "404 404 404   404   404   404   200   200   401",
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/resume"): "404 404 404   404   404   404   200   200   401",
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/rotate-secret"): "404 404 404 404 404 404   200   200   401",
    ("notifications", "GET", "/v1/endpoints/{endpoint_id}/attempts"): "404 404 404  404   404   404   200   200   401",
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/messages/{message_id}/resend"):
                                                                 "404   404   404   404   404   404   200   200   401",
    ("notifications", "POST", "/v1/endpoints/{endpoint_id}/recover"): "404 404 404  404   404   404   200   200   401",
    ("notifications", "GET", "/v1/messages/{message_id}/deliveries"): "404 404 404  404   404   404   200   200   401",
    ("notifications", "GET", "/v1/opportunities"):               "200   200   200   200   200   200   200   200   401",
    ("notifications", "DELETE", "/v1/endpoints/{endpoint_id}"):  "404   404   404   404   404   404   204   204   401",
}
# fmt: on


def expected(route: tuple[str, str, str]) -> dict[str, str]:
    """The row of a route as relation -> expected answer."""
    answers = EXPECTED[route].split()
    if len(answers) != len(RELATIONS):
        raise ValueError(f"{route}: {len(answers)} answers for {len(RELATIONS)} relations")
    return dict(zip(RELATIONS, answers, strict=True))


def matches(answer: str, status: int) -> bool:
    if answer.endswith("xx"):
        return str(status)[0] == answer[0]
    return status == int(answer)
