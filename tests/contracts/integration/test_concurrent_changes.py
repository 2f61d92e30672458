"""Two changes to the same framework, lot or specification at the same moment: the row
version lets one win and turns the other into a clear conflict instead of a lost update
(two call-offs together beyond the ceiling, two agreements of which neither counts)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm.exc import StaleDataError

from contracts.service_layer.frameworks import create_framework_for_commitment
from tests.contracts.events import framework_committed
from tests.contracts.integration.conftest import Api
from tests.contracts.integration.test_api_suppliers_specifications import SPEC
from tests.support.api import desk

TODAY = date.today()


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
        for framework in (a, b):  # each sees the whole ceiling of 9 left
            framework.call_off(
                nation="NLD", item_code="MMR", quantity=9, delivery_due=due, today=TODAY, by="NLD", at=first.clock.now()
            )
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
