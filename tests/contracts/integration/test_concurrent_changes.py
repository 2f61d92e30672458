"""Two changes to the same framework, lot or specification at the same moment: the row
version lets one win and turns the other into a clear conflict instead of a lost update
(two call-offs together beyond the ceiling, two agreements of which neither counts)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from bundling_shared.auth import Principal, Role
from contracts.domain.frameworks import CallOff, CallOffTerms
from contracts.service_layer import frameworks as frameworks_service
from contracts.service_layer.frameworks import call_off, create_framework_for_commitment
from tests.contracts.events import framework_committed
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_suppliers_specifications import SPEC
from tests.support.api import desk
from tests.support.rivals import RivalBeforeFirstCommit
from tests.support.statements import objects_flushed, statements_run
from tests.support.today import TODAY


async def test_two_call_offs_at_once_cannot_both_take_the_last_of_the_ceiling(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    supplier = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": supplier["id"]})
    first, second = api.service.uow(), api.service.uow()
    async with first, second:
        a = await first.frameworks.get(framework_id)
        b = await second.frameworks.get(framework_id)
        assert a is not None and b is not None
        due = TODAY + timedelta(days=30)
        for uow, framework in ((first, a), (second, b)):  # each sees the whole ceiling of 9 left
            placed = framework.call_off(
                nation="NLD", item_code="MMR", quantity=9, delivery_due=due, today=TODAY, by="NLD", at=first.clock.now()
            )
            uow.frameworks.add_call_off(placed)
        await first.commit()
        with pytest.raises(StaleDataError):
            await second.commit()
    framework_out = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NLD"))
    placed = await api.call("GET", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"))
    assert framework_out["remaining_quantity"] == 0 and placed["total"] == 1


async def test_two_nations_agreeing_at_once_are_not_lost(api: Api) -> None:
    spec = await api.call("POST", "/v1/specifications", desk("NLD"), {**SPEC, "nations": ["NLD", "DEU"]}, 201)
    first, second = api.service.uow(), api.service.uow()
    async with first, second:
        a = await first.specifications.get(spec["id"])
        b = await second.specifications.get(spec["id"])
        assert a is not None and b is not None
        a.agree("NLD")
        b.agree("DEU")
        await first.commit()
        with pytest.raises(StaleDataError):
            await second.commit()
    # the loser retries and the specification is harmonised with both positions
    done = await api.call("POST", f"/v1/specifications/{spec['id']}/positions", desk("DEU"), {"position": "agree"})
    assert done["status"] == "harmonised" and set(done["positions"]) == {"NLD", "DEU"}


async def test_call_offs_placed_at_once_are_each_checked_against_the_ceiling_and_both_stand(api: Api) -> None:
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    supplier = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": supplier["id"]})
    due = (TODAY + timedelta(days=30)).isoformat()

    async def another_call_off() -> None:
        body = {"item_code": "MMR", "quantity": 4, "delivery_due": due}
        await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"), body, 201)

    # The rival commits just before this call-off claims the framework: the claim waits for
    # nothing, and what this one reads already counts the rival's.
    uow = RivalBeforeFirstCommit(api.service.uow(), another_call_off, at="frameworks")
    nld = Principal(subject="nld-desk", role=Role.NATION_DESK, nation="NLD")
    terms = CallOffTerms(
        item_code="MMR", quantity=4, delivery_due=TODAY + timedelta(days=30), supplier_id=None, bids=[]
    )
    placed = await call_off(uow, nld, framework_id, terms=terms, today=TODAY)

    assert uow.rivals_run == 1 and placed.quantity == 4
    framework_out = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NLD"))
    assert framework_out["remaining_quantity"] == 1  # 9 - 4 - 4: both stand, checked one after the other
    assert (await api.call("GET", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD")))["total"] == 2


async def test_call_offs_at_once_on_one_framework_take_turns_and_none_has_to_start_over(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call-off claims the framework before reading it: eight at once all stand on the
    first attempt (trying again is switched off here), and the ceiling counts all of them."""

    async def once(attempt: Callable[[], Awaitable[CallOff]]) -> CallOff:
        return await attempt()

    monkeypatch.setattr(frameworks_service, "again_if_changed", once)
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    supplier = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": supplier["id"]})
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": (TODAY + timedelta(days=30)).isoformat()}
    await asyncio.gather(
        *(api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"), body, 201) for _ in range(8))
    )
    framework_out = await api.call("GET", f"/v1/frameworks/{framework_id}", desk("NLD"))
    assert framework_out["remaining_quantity"] == 1  # 9 - 8


async def test_a_call_off_on_postgresql_is_claimed_read_and_written_in_few_statements(api: Api) -> None:
    """On PostgreSQL the claim reads the framework locked (FOR UPDATE) with the suppliers
    it names, the rules are checked on that reading, and the framework's new totals, the
    call-off, its log entry and its event are written in one statement; on SQLite a write
    claims the framework, a read follows, and each row is an insert of its own. On both,
    the framework's new totals are a plain update of its row, not a flush of the session."""
    framework_id = await create_framework_for_commitment(framework_committed(), api.service.uow())
    assert framework_id is not None
    supplier = await api.supplier("THALES-NL", "NLD")
    await api.call("POST", f"/v1/frameworks/{framework_id}/suppliers", desk("NLD"), {"supplier_id": supplier["id"]})
    body = {"item_code": "MMR", "quantity": 1, "delivery_due": (TODAY + timedelta(days=30)).isoformat()}
    with objects_flushed() as flushed, statements_run(api.service.engine) as sent:
        placed = await api.call("POST", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"), body, 201)
    assert flushed == []
    written = next(i for i, s in enumerate(sent) if "INSERT INTO call_offs" in s)
    before = [s for s in sent[:written] if "frameworks" in s and "called_off_quantity=" not in s]
    if api.service.engine.dialect.name == "postgresql":
        assert len(before) == 1 and before[0].endswith("FOR UPDATE OF frameworks"), before
        together = sent[written]
        assert (
            together.startswith("WITH")
            and "UPDATE frameworks SET called_off_quantity" in together
            and "INSERT INTO framework_changes" in together
            and "INSERT INTO outbox" in together
        )
        assert [s.split()[0] for s in sent] == ["SELECT", "WITH"], sent
        assert "JOIN suppliers" in before[0], before
    else:
        assert [s.split()[0] for s in before] == ["UPDATE", "SELECT"], before
    stored = await api.call("GET", f"/v1/frameworks/{framework_id}/call-offs", desk("NLD"))
    assert [c["id"] for c in stored["items"]] == [placed["id"]]
    assert stored["items"][0] == placed
    log = await api.call("GET", f"/v1/frameworks/{framework_id}/change-log", desk("NLD"))
    assert [e["what"] for e in log["items"] if e["what"].endswith(placed["id"])] == [
        f"NLD called off 1 MMR from {supplier['id']} (direct); {placed['id']}"
    ]
