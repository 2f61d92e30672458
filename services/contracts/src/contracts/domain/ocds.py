"""Open Contracting Data Standard (OCDS 1.1.5) releases of a contracting process.

A procurement is one process (planning, tender, award, contracts with their delivery lots
as implementation milestones); several buying nations appear as parties with the buyer
role. A framework contract is one process and every call-off its own process pointing
back to the framework (relatedProcesses, relationship "framework").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, FrameworkContract
from contracts.domain.model import Contract
from contracts.domain.procurement import Procurement
from contracts.domain.suppliers import Supplier

OCDS_VERSION = "1.1"
MILESTONE_STATUS = {"planned": "scheduled", "met": "met", "partially_met": "partiallyMet", "not_met": "notMet"}


def _when(day: date | datetime) -> str:
    moment = day if isinstance(day, datetime) else datetime.combine(day, time(0), tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _money(amount: float | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": round(amount, 2), "currency": "EUR"}


def _party(party_id: str, name: str, roles: list[str], country: str | None = None) -> dict[str, Any]:
    party: dict[str, Any] = {"id": party_id, "name": name, "roles": roles}
    if country:
        party["address"] = {"countryName": country}
    return party


def _merge(parties: dict[str, dict[str, Any]], party: dict[str, Any]) -> None:
    known = parties.setdefault(party["id"], party)
    if known is not party:
        known["roles"] = sorted(set(known["roles"]) | set(party["roles"]))


def _milestones(lots: list[DeliveryLot], today: date) -> list[dict[str, Any]]:
    milestones = []
    for lot in lots:
        status = lot.status(today).value
        milestone: dict[str, Any] = {
            "id": lot.id,
            "title": f"{lot.quantity} items for {lot.nation}",
            "type": "delivery",
            "dueDate": _when(lot.due_date),
            "status": MILESTONE_STATUS[status],
        }
        if status == "met" and lot.deliveries:
            milestone["dateMet"] = _when(date.fromisoformat(str(lot.deliveries[-1]["on"])))
        milestones.append(milestone)
    return milestones


def _without_nulls(value: Any) -> Any:
    """OCDS omits what is unknown rather than stating null."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def package(uri: str, releases: list[dict[str, Any]], published: datetime) -> dict[str, Any]:
    built: dict[str, Any] = _without_nulls(
        {
            "uri": uri,
            "version": OCDS_VERSION,
            "publishedDate": _when(published),
            "publisher": {"name": "Defence demand bundling platform"},
            "releases": releases,
        }
    )
    return built


def procurement_release(
    prefix: str,
    procurement: Procurement,
    suppliers: dict[str, Supplier],
    contracts: list[Contract],
    lots: dict[str, list[DeliveryLot]],
    today: date,
) -> dict[str, Any]:
    ocid = f"{prefix}-{procurement.id}"
    parties: dict[str, dict[str, Any]] = {}
    _merge(parties, _party(procurement.contracting_authority, procurement.contracting_authority, ["procuringEntity"]))
    for nation in procurement.nations:
        _merge(parties, _party(nation, nation, ["buyer"], nation))
    for tendered in procurement.offers:
        s = suppliers[tendered.supplier_id]
        _merge(parties, _party(s.id, s.organisation, ["tenderer"], s.country))
    winner = suppliers.get(procurement.awarded_supplier_id or "")
    if winner:
        _merge(parties, _party(winner.id, winner.organisation, ["supplier"], winner.country))
    offer = next((o for o in procurement.offers if o.id == procurement.awarded_offer_id), None)
    weights = ", ".join(f"{k} {v:g}" for k, v in procurement.weights.items())
    criteria = f"weights: {weights}; quality gates: {', '.join(procurement.quality_gates) or 'none'}"
    if procurement.funding_instrument:
        criteria += f"; funding instrument {procurement.funding_instrument}"
    tags = ["tender"]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{procurement.status}",
        "date": _when(datetime.now(UTC)),
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": procurement.nations[0], "name": procurement.nations[0]},
        "planning": {"rationale": f"joint procurement for {', '.join(procurement.nations)}"},
        "tender": {
            "id": procurement.id,
            "title": f"{procurement.item_code} for {', '.join(procurement.nations)}",
            "status": "active" if procurement.status == "open" else "complete",
            "procuringEntity": {"id": procurement.contracting_authority, "name": procurement.contracting_authority},
            "items": [{"id": "1", "description": procurement.item_code, "quantity": procurement.quantity}],
            "procurementMethod": "selective",
            "mainProcurementCategory": "goods",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": criteria,
            "numberOfTenderers": len(procurement.offers),
            "tenderers": [
                {"id": o.supplier_id, "name": suppliers[o.supplier_id].organisation} for o in procurement.offers
            ],
            "tenderPeriod": {"startDate": _when(procurement.tender_date)},
        },
        "parties": list(parties.values()),
    }
    if winner and offer:
        tags.append("award")
        award_id = f"{procurement.id}-award"
        release["awards"] = [
            {
                "id": award_id,
                "title": f"awarded to {winner.organisation}",
                "status": "active",
                "date": _when(procurement.tender_date),
                "value": _money(offer.unit_price_eur * procurement.quantity),
                "suppliers": [{"id": winner.id, "name": winner.organisation}],
            }
        ]
        signed = [c for c in contracts if c.supplier_id == winner.id]
        if signed:
            tags.append("contract")
            release["contracts"] = []
            for c in signed:
                milestones = _milestones(lots.get(c.id, []), today)
                entry: dict[str, Any] = {
                    "id": c.id,
                    "awardID": award_id,
                    "title": f"{c.item_code}: lines for {', '.join(c.nations)}",
                    "status": "active",
                    "period": {"startDate": _when(c.window_start), "endDate": _when(c.window_end)},
                    "value": _money(c.value_eur),
                    "items": [
                        {
                            "id": f"{c.id}-{line.nation}",
                            "description": f"{c.item_code} for {line.nation}",
                            "quantity": line.quantity,
                        }
                        for line in c.lines
                    ],
                }
                if milestones:
                    entry["implementation"] = {"milestones": milestones}
                    if "implementation" not in tags:
                        tags.append("implementation")
                release["contracts"].append(entry)
    release["tag"] = tags
    return release


def framework_releases(
    prefix: str,
    framework: FrameworkContract,
    suppliers: dict[str, Supplier],
    lots: dict[str, list[DeliveryLot]],
    today: date,
) -> list[dict[str, Any]]:
    """The framework's own release, then one release per call-off related to it."""
    ocid = f"{prefix}-{framework.id}"
    parties: dict[str, dict[str, Any]] = {}
    _merge(parties, _party(framework.contracting_authority, framework.contracting_authority, ["procuringEntity"]))
    for nation in framework.nations:
        _merge(parties, _party(nation, nation, ["buyer"], nation))
    for sid in framework.suppliers:
        s = suppliers[sid]
        _merge(parties, _party(s.id, s.organisation, ["supplier"], s.country))
    award_id = f"{framework.id}-award"
    framework_release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{len(framework.change_log)}",
        "date": _when(datetime.now(UTC)),
        "tag": ["tender", "award", "contract"],
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": framework.contracting_authority, "name": framework.contracting_authority},
        "tender": {
            "id": framework.id,
            "title": f"framework contract {framework.item_code}",
            "status": "complete",
            "procuringEntity": {"id": framework.contracting_authority, "name": framework.contracting_authority},
            "procurementMethodDetails": "framework agreement; call-offs by the participating nations",
            "mainProcurementCategory": "goods",
            "items": [{"id": item, "description": item} for item in framework.items],
            "value": _money(framework.ceiling_value_eur),
            "contractPeriod": {"startDate": _when(framework.start), "endDate": _when(framework.end)},
        },
        "awards": [
            {
                "id": award_id,
                "status": "active",
                "suppliers": [{"id": sid, "name": suppliers[sid].organisation} for sid in framework.suppliers],
            }
        ],
        "contracts": [
            {
                "id": framework.id,
                "awardID": award_id,
                "title": f"ceiling {framework.ceiling_quantity} items",
                "status": "active" if today <= framework.end else "terminated",
                "period": {"startDate": _when(framework.start), "endDate": _when(framework.end)},
                "value": _money(framework.ceiling_value_eur),
            }
        ],
        "parties": list(parties.values()),
    }
    return [
        framework_release,
        *(_call_off_release(prefix, ocid, framework, c, suppliers, lots, today) for c in framework.call_offs),
    ]


def _call_off_release(
    prefix: str,
    framework_ocid: str,
    framework: FrameworkContract,
    call_off: CallOff,
    suppliers: dict[str, Supplier],
    lots: dict[str, list[DeliveryLot]],
    today: date,
) -> dict[str, Any]:
    ocid = f"{prefix}-{call_off.id}"
    supplier = suppliers[call_off.supplier_id]
    award_id = f"{call_off.id}-award"
    milestones = _milestones(lots.get(call_off.id, []), today)
    contract: dict[str, Any] = {
        "id": call_off.id,
        "awardID": award_id,
        "status": "active",
        "value": _money(call_off.value_eur),
        "items": [{"id": "1", "description": call_off.item_code, "quantity": call_off.quantity}],
        "dateSigned": _when(call_off.placed_at),
    }
    if milestones:
        contract["implementation"] = {"milestones": milestones}
    return {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": _when(call_off.placed_at),
        "tag": ["award", "contract"] + (["implementation"] if milestones else []),
        "initiationType": "tender",
        "language": "en",
        "buyer": {"id": call_off.nation, "name": call_off.nation},
        "parties": [
            _party(call_off.nation, call_off.nation, ["buyer"], call_off.nation),
            _party(framework.contracting_authority, framework.contracting_authority, ["procuringEntity"]),
            _party(supplier.id, supplier.organisation, ["supplier"], supplier.country),
        ],
        "tender": {
            "id": call_off.id,
            "procurementMethodDetails": "mini-competition"
            if call_off.mode == "mini_competition"
            else "direct call-off",
        },
        "awards": [
            {
                "id": award_id,
                "status": "active",
                "value": _money(call_off.value_eur),
                "suppliers": [{"id": supplier.id, "name": supplier.organisation}],
            }
        ],
        "contracts": [contract],
        "relatedProcesses": [
            {
                "id": "framework",
                "relationship": ["framework"],
                "title": f"framework contract {framework.id}",
                "scheme": "ocid",
                "identifier": framework_ocid,
            }
        ],
    }
