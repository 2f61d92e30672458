"""What the contracts service records carries its clock's moment, not the machine's: a
service on a chosen day (a test, a rehearsal on CLOCK_START) keeps an audit trail and an
OCDS export that agree with the standstills and deadlines it decided by."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.service_layer.contracts import create_contract_for_joint_order
from contracts.service_layer.frameworks import create_framework_for_commitment
from tests.contracts.events import framework_committed, joint_order
from tests.contracts.integration.conftest import Api
from tests.support.api import coordinator, desk


def _at(entry: dict[str, str]) -> datetime:
    return datetime.fromisoformat(entry["at"])


async def test_contracts_frameworks_and_lots_are_stamped_by_the_service_clock(api: Api) -> None:
    assert api.clock is not None
    api.clock.at = moment = api.clock.at - timedelta(days=40, hours=3)

    contract_id = await create_contract_for_joint_order(joint_order(), api.service.uow())
    contract = await api.call("GET", f"/v1/contracts/{contract_id}", desk("CZE"))
    assert datetime.fromisoformat(contract["created_at"]) == moment
    log = await api.call("GET", f"/v1/contracts/{contract_id}/change-log", desk("CZE"))
    assert [_at(e) for e in log["items"]] == [moment]

    due = (moment + timedelta(days=90)).date().isoformat()
    (lot,) = await api.call("POST", f"/v1/contracts/{contract_id}/lots", coordinator("CZE"),
                            {"lots": [{"nation": "NLD", "quantity": 10, "due_date": due}]}, 201)  # fmt: skip
    history = await api.call("GET", f"/v1/lots/{lot['id']}/history", desk("NLD"))
    assert [_at(e) for e in history["items"]] == [moment]

    api.clock.advance(timedelta(minutes=5))
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    log = await api.call("GET", f"/v1/frameworks/{framework_id}/change-log", desk("NLD"))
    assert [_at(e) for e in log["items"]] == [moment + timedelta(minutes=5)]
