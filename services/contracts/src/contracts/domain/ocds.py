"""Open Contracting Data Standard (OCDS 1.1.5) releases of a contracting process.

A procurement is one process (planning, tender, award, contracts with their delivery lots
as implementation milestones); several buying nations appear as parties with the buyer
role. A framework contract is one process and every call-off its own process pointing
back to the framework (relatedProcesses, relationship "framework").

Every organisation is one party carrying all its roles: a lead nation calling off its own
framework is buyer and procuring entity at once, and a reader compiling the releases into
a record (which merges parties by id) would otherwise keep only one of the roles.

OCDS releases are immutable: a reader may keep a release by its id and never fetch it
again. So what changed since the last release of a process is a new release with an id
of its own, and an earlier release is republished exactly as it was first published.
Whether anything changed is read far more often than anything does: every export asks.
A release is a function of what it is written from, so what the latest release was
written from is kept beside it as a fingerprint (`sources_digest`), and an export whose
sources have that fingerprint neither writes out the release nor compares it.

Each release is whole as the standard wants it, within two bounds that keep it readable
whatever the process grows to: a contract's or call-off's delivery lots appear as its
first `MAX_MILESTONES` milestones by due date (its description says how many lots there
are and where the whole schedule is read), and a tender names its first `MAX_TENDERERS`
tenderers in the order they bid (`numberOfTenderers` counts them all).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts.domain.contract import SINGLE_PART, Contract
from contracts.domain.deliveries import DeliveryLot
from contracts.domain.frameworks import CallOff, CallOffMode, FrameworkContract
from contracts.domain.procurement import Procurement

OCDS_VERSION = "1.1"
MAX_MILESTONES = 50
"""Delivery lots of one contract or call-off shown as milestones of a release."""
MAX_TENDERERS = 100
"""Tenderers one release names."""
MILESTONE_STATUS = {"planned": "scheduled", "met": "met", "partially_met": "partiallyMet", "not_met": "notMet"}
_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_{}_extension/master/extension.json"
EXTENSIONS = (
    # parties/details/scale: a supplier registered as an SME says so
    _EXTENSION.format("partyDetails_scale"),
    # contracts/buyer: one contract per buying nation from one award
    _EXTENSION.format("contract_buyer"),
    # tender/techniques: a framework agreement, and whether a call-off reopened competition
    _EXTENSION.format("techniques"),
)
"""The registered OCDS extensions the export uses, declared in every package."""


def _method(procurement: Procurement) -> dict[str, str]:
    """Open to the companies holding a security declaration: selective. Negotiated with one
    company without a notice: limited, with the ground the buyer gave."""
    if procurement.negotiated:
        return {
            "procurementMethod": "limited",
            "procurementMethodDetails": "negotiated without prior publication (Directive 2009/81/EC, Article 28(1)(e))",
            "procurementMethodRationale": procurement.justification,
        }
    return {"procurementMethod": "selective"}


def _when(day: date | datetime) -> str:
    moment = day if isinstance(day, datetime) else datetime.combine(day, time(0), tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _release_date(moment: datetime) -> str:
    """Microseconds always written, so that release dates sort as text in time order, as
    ocdsmerge sorts them."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _amount(value: Decimal | float) -> int | float:
    """Money is kept as exact cents; OCDS carries it as a JSON number."""
    cents = (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return int(cents) if cents == cents.to_integral_value() else float(cents)


def _money(value: Decimal | float | None) -> dict[str, Any] | None:
    return None if value is None else {"amount": _amount(value), "currency": "EUR"}


@dataclass(frozen=True)
class Company:
    """A registered supplier as a release names it: read with these facts alone, since a
    tender may name a hundred of them on every export."""

    id: str
    organisation: str
    country: str
    sme: bool


class _Parties:
    """One party per organisation, in the order first named, with every role it plays."""

    def __init__(self) -> None:
        self._parties: dict[str, dict[str, Any]] = {}

    def add(self, party_id: str, name: str, role: str, country: str | None = None) -> dict[str, str]:
        party = self._parties.setdefault(party_id, {"id": party_id, "name": name, "roles": []})
        if role not in party["roles"]:
            party["roles"] = sorted([*party["roles"], role])
        if country:
            party["address"] = {"countryName": country}
        return {"id": party_id, "name": name}

    def nation(self, nation: str, role: str) -> dict[str, str]:
        return self.add(nation, nation, role, nation)

    def authority(self, authority: str, role: str) -> dict[str, str]:
        """A lead nation or an agency (NSPA, OCCAR); a lead nation that also buys gets its
        address as a buyer."""
        return self.add(authority, authority, role)

    def supplier(self, company: Company, role: str) -> dict[str, str]:
        reference = self.add(company.id, company.organisation, role, company.country)
        if company.sme:
            self._parties[company.id]["details"] = {"scale": "sme"}
        return reference

    def as_list(self) -> list[dict[str, Any]]:
        return list(self._parties.values())


def _pruned(value: Any) -> Any:
    """OCDS omits what is unknown or empty rather than stating null, "" or []."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != "" and v != [] and v != {}}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def ocid(prefix: str, process_id: str) -> str:
    """A process's Open Contracting ID: the publisher's prefix and the process's own id."""
    return f"{prefix}-{process_id}"


@dataclass(frozen=True)
class PublishedRelease:
    """A release as first published, kept so that it is republished unchanged, with the
    fingerprint of the sources it was written from."""

    id: str
    ocid: str
    date: datetime
    digest: str
    release: dict[str, Any]
    sources: str


@dataclass(frozen=True)
class Latest:
    """The latest release of a process as a new one is weighed against it: its id and date,
    which a new release chains onto, the digest of what it says, and the fingerprint of
    the sources it was last found to say (None: none yet known)."""

    id: str
    date: datetime
    digest: str
    sources: str | None


WRITER = "ocds-releases-1"
"""How releases are written. Raise it with a change here, or in what the aggregates say of
themselves, that makes a release say something else from the same sources (a milestone's
status, a contract's obligation): the fingerprints written before then no longer match, so
the next read of each process builds its release and compares it whole, once."""


def fields_of(aggregate: Any, *unread: str) -> tuple[tuple[str, Any], ...]:
    """An aggregate's fields for a fingerprint, each by name, but those named `unread`: the
    ones a release says nothing of and the aggregate is read without (they grow without
    bound). Every other field is in, so a field a release comes to say is in already."""
    return tuple((f.name, getattr(aggregate, f.name)) for f in fields(aggregate) if f.name not in unread)


def sources_digest(*written_from: Any) -> str:
    """The fingerprint of what a process's release is written from: the process, its bids,
    contracts or call-off and the `Sources`, and the code that writes it. Equal fingerprints,
    equal releases: each object is read whole (`repr`, field by field), and nothing else
    goes into a release (the export's moment and address go into the package only)."""
    return hashlib.sha256(f"{WRITER}\n{written_from!r}".encode()).hexdigest()


def digest(draft: dict[str, Any]) -> str:
    """What a release says, apart from its id and date."""
    content = {k: v for k, v in draft.items() if k not in ("id", "date")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def publish(draft: dict[str, Any], latest: Latest | None, now: datetime, sources: str) -> PublishedRelease | None:
    """The release to publish for what the process looks like now, written from `sources`,
    or None when the latest release already says it. The id chains onto the previous
    release, so a process that returns to an earlier state still gets a new release; two
    exports racing to publish the same change make the same id, and only one is kept."""
    content = digest(draft)
    if latest is not None and latest.digest == content:
        return None
    chained = hashlib.sha256(f"{latest.id if latest else ''}\n{content}".encode()).hexdigest()[:16]
    moment = now if latest is None else max(now, latest.date + timedelta(microseconds=1))
    release = {"ocid": draft["ocid"], "id": f"{draft['ocid']}-{chained}", "date": _release_date(moment), **draft}
    return PublishedRelease(release["id"], draft["ocid"], moment, content, release, sources)


def package(uri: str, releases: list[dict[str, Any]], published: datetime) -> dict[str, Any]:
    """The releases as first published, pruned then: a package does not walk them again."""
    built: dict[str, Any] = _pruned(
        {
            "uri": uri,
            "version": OCDS_VERSION,
            "extensions": list(EXTENSIONS),
            "publishedDate": _when(published),
            "publisher": {"name": "Defence demand bundling platform"},
        }
    )
    return {**built, "releases": releases} if releases else built


@dataclass(frozen=True)
class Sources:
    """What the releases of a process are written from besides the process itself: the
    OCID prefix, the companies they name, each contract's or call-off's first delivery lots
    (at most `MAX_MILESTONES`) and how many it has, and the day that decides what is met
    and what is active. A lot is kept as the fields it was read with (all but its history,
    which a release does not show) and made a lot only when a release is written: most
    exports only compare the fingerprint of their sources (`sources_digest`)."""

    prefix: str
    suppliers: dict[str, Company]
    lots: dict[str, list[dict[str, Any]]]
    today: date
    lot_counts: dict[str, int] = field(default_factory=dict)

    def schedule(self, agreement_id: str, path: str) -> str | None:
        """What a contract's milestones leave out, if anything, and where to read it all."""
        shown, count = len(self.lots.get(agreement_id, [])), self.lot_counts.get(agreement_id, 0)
        if count <= shown:
            return None
        return f"delivery lots as milestones: the first {shown} of {count} by due date; every lot: {path}"

    def milestones(self, agreement_id: str) -> list[dict[str, Any]]:
        """A contract's or a call-off's delivery lots, each a milestone met or not by today."""
        milestones = []
        for fields_read in self.lots.get(agreement_id, []):
            lot = DeliveryLot(**fields_read)
            status = lot.status(self.today).value
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


@dataclass(frozen=True)
class Bids:
    """A tender's offers as a release names them: the companies of the first ones (at most
    `MAX_TENDERERS`) in the order they bid, by id (the `Sources` hold them), how many
    offers there are, and the unit price of the offer awarded, if any."""

    tenderers: list[str]
    count: int
    awarded_price: Decimal | None


def procurement_release(
    procurement: Procurement, bids: Bids, contracts: list[Contract], sources: Sources
) -> dict[str, Any]:
    """The procurement as it stands, without the release's id and date (see `publish`)."""
    suppliers = sources.suppliers
    parties = _Parties()
    procuring_entity = parties.authority(procurement.contracting_authority, "procuringEntity")
    buyer = parties.nation(procurement.buyer_nation, "buyer")
    for nation in procurement.nations:
        parties.nation(nation, "buyer")
    tenderers = [parties.supplier(suppliers[sid], "tenderer") for sid in bids.tenderers[:MAX_TENDERERS]]
    winner = suppliers.get(procurement.awarded_supplier_id or "")
    price = bids.awarded_price
    weights = ", ".join(f"{k} {v:g}" for k, v in procurement.weights.as_dict().items())
    criteria = f"weights: {weights}; quality gates: {', '.join(procurement.quality_gates) or 'none'}"
    if procurement.funding_instrument:
        criteria += f"; funding instrument {procurement.funding_instrument}"
    tags = ["tender"]
    release: dict[str, Any] = {
        "ocid": ocid(sources.prefix, procurement.id),
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "planning": {"rationale": f"joint procurement for {', '.join(procurement.nations)}"},
        "tender": {
            "id": procurement.id,
            "title": f"{procurement.item_code} for {', '.join(procurement.nations)}",
            "status": "active" if procurement.status == "open" else "complete",
            "procuringEntity": procuring_entity,
            "items": [{"id": "1", "description": procurement.item_code, "quantity": procurement.quantity}],
            **_method(procurement),
            "mainProcurementCategory": "goods",
            "awardCriteria": "ratedCriteria",
            "awardCriteriaDetails": criteria,
            "numberOfTenderers": bids.count,
            "tenderers": tenderers,
            "tenderPeriod": {"startDate": _when(procurement.tender_date)},
        },
    }
    if winner and price is not None:
        tags.append("award")
        award_id = f"{procurement.id}-award"
        release["awards"] = [
            {
                "id": award_id,
                "title": f"awarded to {winner.organisation}",
                "status": "active",
                "date": _when(procurement.tender_date),
                "value": _money(price * procurement.quantity),
                "suppliers": [parties.supplier(winner, "supplier")],
            }
        ]
        signed = [c for c in contracts if c.supplier_id == winner.id]
        if signed:
            tags.append("contract")
            release["contracts"] = [_contract(c, award_id, parties, sources) for c in signed]
            if any("implementation" in c for c in release["contracts"]):
                tags.append("implementation")
    release["tag"] = tags
    release["parties"] = parties.as_list()
    built: dict[str, Any] = _pruned(release)
    return built


def _contract(contract: Contract, award_id: str, parties: _Parties, sources: Sources) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": contract.id,
        "awardID": award_id,
        "title": f"{contract.item_code}: lines for {', '.join(contract.nations)}",
        "status": "active",
        "period": {"startDate": _when(contract.window_start), "endDate": _when(contract.window_end)},
        "value": _money(contract.value_eur),
        "items": [
            {
                "id": f"{contract.id}-{line.nation}",
                "description": f"{contract.item_code} for {line.nation}",
                "quantity": line.quantity,
            }
            for line in contract.lines
        ],
    }
    if contract.part != SINGLE_PART:
        # one contract per buying nation: the contract names its own buyer
        entry["buyer"] = parties.nation(contract.part, "buyer")
    # OCDS has no field for an offset or a local-production obligation (nor has a registered
    # extension): the contract's description states it, with the offer it came from.
    obligation = contract.obligation
    schedule = sources.schedule(contract.id, f"/v1/contracts/{contract.id}/lots")
    notes = [obligation.explained if obligation else None, schedule]
    entry["description"] = "; ".join(note for note in notes if note) or None
    milestones = sources.milestones(contract.id)
    if milestones:
        entry["implementation"] = {"milestones": milestones}
    return entry


def framework_release(framework: FrameworkContract, sources: Sources) -> dict[str, Any]:
    """The framework as it stands, without the release's id and date (see `publish`); each
    call-off is a process of its own, related to it (`call_off_release`)."""
    suppliers, today = sources.suppliers, sources.today
    parties = _Parties()
    # the contracting authority concludes the framework for the participants and buys under it
    authority = parties.authority(framework.contracting_authority, "procuringEntity")
    parties.authority(framework.contracting_authority, "buyer")
    for nation in framework.nations:
        parties.nation(nation, "buyer")
    framework_suppliers = [parties.supplier(suppliers[sid], "supplier") for sid in framework.suppliers]
    award_id = f"{framework.id}-award"
    reopening = len(framework.suppliers) > 1
    release: dict[str, Any] = {
        "ocid": ocid(sources.prefix, framework.id),
        "tag": ["tender", "award", "contract"],
        "initiationType": "tender",
        "language": "en",
        "buyer": authority,
        "tender": {
            "id": framework.id,
            "title": f"framework contract {framework.item_code}",
            "status": "complete",
            "procuringEntity": authority,
            "procurementMethodDetails": "framework agreement; call-offs by the participating nations",
            "mainProcurementCategory": "goods",
            "items": [{"id": item, "description": item} for item in framework.items],
            "value": _money(framework.ceiling_value_eur),
            "contractPeriod": {"startDate": _when(framework.start), "endDate": _when(framework.end)},
            "techniques": {
                "hasFrameworkAgreement": True,
                "frameworkAgreement": {
                    # several suppliers: a nation names one or holds a mini-competition among them
                    "method": "withAndWithoutReopeningCompetition" if reopening else "withoutReopeningCompetition",
                    "value": _money(framework.ceiling_value_eur),
                    "period": {"startDate": _when(framework.start), "endDate": _when(framework.end)},
                    "description": f"ceiling {framework.ceiling_quantity} items for {', '.join(framework.nations)}",
                },
            },
        },
        "awards": [{"id": award_id, "status": "active", "suppliers": framework_suppliers}],
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
        "parties": parties.as_list(),
    }
    built: dict[str, Any] = _pruned(release)
    return built


def call_off_release(framework: FrameworkContract, call_off: CallOff, sources: Sources) -> dict[str, Any]:
    """A call-off as it stands, a process related to its framework's, without the release's
    id and date (see `publish`)."""
    suppliers = sources.suppliers
    parties = _Parties()
    buyer = parties.nation(call_off.nation, "buyer")
    procuring_entity = parties.authority(framework.contracting_authority, "procuringEntity")
    competitive = call_off.mode == CallOffMode.MINI_COMPETITION.value
    bidders = [str(bid["supplier_id"]) for bid in call_off.competition] if competitive else []
    tenderers = [parties.supplier(suppliers[sid], "tenderer") for sid in bidders if sid in suppliers]
    supplier = parties.supplier(suppliers[call_off.supplier_id], "supplier")
    award_id = f"{call_off.id}-award"
    milestones = sources.milestones(call_off.id)
    contract: dict[str, Any] = {
        "id": call_off.id,
        "awardID": award_id,
        "status": "active",
        "value": _money(call_off.value_eur),
        "items": [{"id": "1", "description": call_off.item_code, "quantity": call_off.quantity}],
        "dateSigned": _when(call_off.placed_at),
        "description": sources.schedule(call_off.id, f"/v1/contracts/{call_off.id}/lots"),
    }
    if milestones:
        contract["implementation"] = {"milestones": milestones}
    release: dict[str, Any] = {
        "ocid": ocid(sources.prefix, call_off.id),
        "tag": ["tender", "award", "contract"] + (["implementation"] if milestones else []),
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer,
        "tender": {
            "id": call_off.id,
            "status": "complete",
            "procuringEntity": procuring_entity,
            "procurementMethodDetails": "mini-competition" if competitive else "direct call-off",
            "techniques": {"hasFrameworkAgreement": True},
            "competitive": competitive,
            "numberOfTenderers": len(tenderers) if competitive else None,
            "tenderers": tenderers,
        },
        "awards": [
            {
                "id": award_id,
                "status": "active",
                "date": _when(call_off.placed_at),
                "value": _money(call_off.value_eur),
                "suppliers": [supplier],
            }
        ],
        "contracts": [contract],
        "relatedProcesses": [
            {
                "id": "framework",
                "relationship": ["framework"],
                "title": f"framework contract {framework.id}",
                "scheme": "ocid",
                "identifier": ocid(sources.prefix, framework.id),
            }
        ],
        "parties": parties.as_list(),
    }
    built: dict[str, Any] = _pruned(release)
    return built
