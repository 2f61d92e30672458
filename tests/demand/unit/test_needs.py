"""The handlers of a desk's needs, against a unit of work in memory: what each stores, what
it records in the need's history and what it announces."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bundling_shared import topics
from bundling_shared.errors import NotFound
from demand.domain.errors import DemandRuleViolation, InvalidNeed, NotAllowedNow
from demand.domain.need import Need, NeedStatus
from demand.service_layer import needs
from demand.service_layer.idempotency import IdempotencyKey
from demand.service_layer.unit_of_work import AnsweredMeanwhile, NeedFilter, StoredAnswer
from demand.service_layer.views import preview_need
from tests.demand.unit.examples import NOW
from tests.demand.unit.fakes import FakeIdempotencyKeys, FakeUnitOfWork
from tests.demand.unit.handlers import ADMIN, coordinator, desk, place_all, terms


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def test_a_registered_need_is_stored_with_its_first_version_and_announced_to_the_aggregator(
    uow: FakeUnitOfWork,
) -> None:
    need = await needs.register_need(uow, caller=desk("NLD"), terms=terms(quantity=700))
    assert uow.needs.stored[need.id] is need and need.status is NeedStatus.SUBMITTED
    ((topic, event),) = uow.published
    assert topic == topics.NEEDS and event.event_type == "demand.need.registered"
    assert event.payload.need_id == need.id and event.payload.quantity == 700 and event.nation == "NLD"
    (first,) = await uow.needs.history(need.id)
    assert (first.version, first.recorded_by, first.change) == (1, "desk:NLD", "registered")


async def test_a_draft_is_announced_once_submitted_and_each_step_is_a_version(uow: FakeUnitOfWork) -> None:
    draft = await needs.register_need(uow, caller=desk("NLD"), terms=terms(), draft=True)
    assert uow.published == []
    submitted = await needs.submit_need(uow, caller=desk("NLD"), need_id=draft.id)
    assert (submitted.status, submitted.version) == (NeedStatus.SUBMITTED, 2)
    assert [e.event_type for e in uow.events("demand.need.registered")] == ["demand.need.registered"]
    assert [v.change for v in await uow.needs.history(draft.id)] == ["registered as draft", "submitted"]
    with pytest.raises(NotAllowedNow, match="only a draft"):
        await needs.submit_need(uow, caller=desk("NLD"), need_id=draft.id)


async def test_a_desk_registers_and_previews_for_its_own_nation_only(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidNeed, match="a NLD desk cannot register a need for CZE"):
        await needs.register_need(uow, caller=desk("NLD"), terms=terms("CZE"))
    with pytest.raises(InvalidNeed, match="cannot register a need for CZE"):
        await preview_need(uow, caller=desk("NLD"), terms=terms("CZE"))
    assert uow.needs.stored == {} and uow.commits == 0
    assert (await needs.register_need(uow, caller=ADMIN, terms=terms("CZE"))).nation == "CZE"


async def test_a_need_breaking_a_rule_stores_and_announces_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidNeed, match="not in the catalogue"):
        await needs.register_need(uow, caller=desk("NLD"), terms=terms(item="PHASER"))
    assert uow.needs.stored == {} and uow.published == []


def _key(fingerprint: str = "first") -> IdempotencyKey[Need]:
    return IdempotencyKey("NLD", "nld-0001", fingerprint, lambda need: f'{{"id": "{need.id}"}}')


async def test_an_idempotency_key_registers_once_and_answers_the_same(uow: FakeUnitOfWork) -> None:
    first = await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=_key())
    again = await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=_key())
    assert first == again and first.status_code == 201
    assert len(uow.needs.stored) == 1 and len(uow.events("demand.need.registered")) == 1
    with pytest.raises(DemandRuleViolation, match="used for a different request"):
        await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(quantity=5), key=_key("other"))


class RacedKeys(FakeIdempotencyKeys):
    """Another request with the same key stores its answer while this one registers."""

    def __init__(self, theirs: StoredAnswer) -> None:
        super().__init__()
        self.theirs = theirs

    async def get(self, scope: str, key: str) -> StoredAnswer | None:
        return await super().get(scope, key) or self.theirs

    async def add(self, scope: str, key: str, answer: StoredAnswer, at: datetime) -> None:
        raise AnsweredMeanwhile(f"the Idempotency-Key {key} was answered meanwhile")


async def test_a_request_racing_in_with_the_same_key_gets_the_answer_that_won(uow: FakeUnitOfWork) -> None:
    theirs = StoredAnswer("first", 201, '{"id": "need-theirs"}')
    uow.idempotency = RacedKeys(theirs)
    assert await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=_key()) == theirs
    assert uow.published == [] and uow.needs.stored == {}  # the registration that lost was not committed


class CountedKeys(FakeIdempotencyKeys):
    def __init__(self) -> None:
        super().__init__()
        self.looked_up = 0

    async def get(self, scope: str, key: str) -> StoredAnswer | None:
        self.looked_up += 1
        return await super().get(scope, key)


async def test_a_fresh_key_is_not_looked_up_and_a_repeat_is_answered_even_when_refused_now(
    uow: FakeUnitOfWork,
) -> None:
    uow.idempotency = keys = CountedKeys()
    first = await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=_key())
    assert keys.looked_up == 0
    item = uow.catalogue.stored["AMMO-155MM"]
    uow.catalogue.stored[item.code] = replace(item, retired_at=NOW, retired_reason="replaced")
    assert await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=_key()) == first
    with pytest.raises(DemandRuleViolation, match="used for a different request"):
        await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(quantity=5), key=_key("other"))
    with pytest.raises(InvalidNeed, match="retired"):
        await needs.register_need_once(uow, caller=desk("NLD"), terms=terms(), key=replace(_key(), key="nld-0002"))
    assert len(uow.needs.stored) == 1 and len(uow.events("demand.need.registered")) == 1


async def test_an_amendment_is_a_version_naming_what_changed_and_a_draft_amends_silently(uow: FakeUnitOfWork) -> None:
    need = await needs.register_need(uow, caller=desk("NLD"), terms=terms())
    amended = await needs.amend_need(uow, caller=desk("NLD"), need_id=need.id, changes={"quantity": 150})
    assert amended.version == 2
    (event,) = uow.events("demand.need.amended")
    assert (event.payload.changed, event.payload.version) == (["quantity"], 2)
    unchanged = await needs.amend_need(uow, caller=desk("NLD"), need_id=need.id, changes={"quantity": 150})
    assert unchanged.version == 2 and len(uow.events("demand.need.amended")) == 1
    draft = await needs.register_need(uow, caller=desk("NLD"), terms=terms(), draft=True)
    await needs.amend_need(uow, caller=desk("NLD"), need_id=draft.id, changes={"quantity": 1})
    assert len(uow.events("demand.need.amended")) == 1


async def test_a_withdrawal_is_announced_with_its_reason_unless_the_need_was_a_draft(uow: FakeUnitOfWork) -> None:
    need = await needs.register_need(uow, caller=desk("NLD"), terms=terms())
    draft = await needs.register_need(uow, caller=desk("NLD"), terms=terms(), draft=True)
    for withdrawn in (need, draft):
        await needs.withdraw_need(uow, caller=desk("NLD"), need_id=withdrawn.id, reason="budget cut")
    (event,) = uow.events("demand.need.withdrawn")
    assert (event.payload.need_id, event.payload.reason) == (need.id, "budget cut")
    assert need.status is draft.status is NeedStatus.WITHDRAWN and need.version == draft.version == 2
    assert (await uow.needs.history(need.id))[-1].change == "withdrawn: budget cut"


async def test_another_nations_need_is_not_found_but_the_lead_of_its_bundle_reads_it(uow: FakeUnitOfWork) -> None:
    nld = await needs.register_need(uow, caller=desk("NLD"), terms=terms(quantity=100))
    await needs.register_need(uow, caller=desk("CZE"), terms=terms("CZE", quantity=300))
    with pytest.raises(NotFound, match=f"need {nld.id} not found"):
        await needs.get_need(uow, caller=desk("CZE"), need_id=nld.id)
    with pytest.raises(NotFound, match=f"need {nld.id} not found"):
        await needs.need_history(uow, caller=desk("CZE"), need_id=nld.id, limit=10, offset=0)
    with pytest.raises(NotFound):
        await needs.withdraw_need(uow, caller=desk("CZE"), need_id=nld.id, reason=None)
    await place_all(uow)  # one bundle, led by the largest share: the Czech one
    assert (await needs.get_need(uow, caller=coordinator("CZE"), need_id=nld.id)) is nld
    with pytest.raises(NotFound):
        await needs.get_need(uow, caller=coordinator("DEU"), need_id=nld.id)


async def test_a_list_holds_the_needs_the_caller_may_read_one_by_one(uow: FakeUnitOfWork) -> None:
    for nation in ("NLD", "CZE", "NLD"):
        await needs.register_need(uow, caller=desk(nation), terms=terms(nation))

    async def listed(caller_nation: str | None, f: NeedFilter = NeedFilter()) -> tuple[list[str], int]:
        caller = ADMIN if caller_nation is None else desk(caller_nation)
        found, total = await needs.list_needs(uow, caller=caller, f=f, limit=1, offset=0)
        return [n.nation for n in found], total

    assert await listed("NLD") == (["NLD"], 2)
    assert await listed("CZE", NeedFilter(nation="NLD")) == ([], 0)
    assert (await listed(None))[1] == 3


async def test_a_preview_places_the_need_without_storing_it(uow: FakeUnitOfWork) -> None:
    await needs.register_need(uow, caller=desk("CZE"), terms=terms("CZE", quantity=300))
    await place_all(uow)
    (bundle,) = uow.bundles.stored.values()
    preview = await preview_need(uow, caller=desk("NLD"), terms=terms(quantity=100))
    assert preview.joins_bundle == bundle.id and not preview.visible  # not its bundle: no id shown
    assert (preview.total_quantity, preview.nation_count) == (400, 2)
    assert [n.nation for n in uow.needs.stored.values()] == ["CZE"] and len(uow.published) == 1
