"""The aggregator's hot path keeps clear of the mapping: shares (a bundle's running totals
per nation) are plain rows read and written back by statements, a batch's needs are read
as plain facts, its candidate bundles in one query, and its many rows are written at the
driver's speed with the columns' own conversions. On both databases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, insert, select

from bundling_shared.errors import ChangedMeanwhile
from bundling_shared.events.demand import (
    DeliveryWindow,
    NeedRegisteredPayload,
    NeedRegisteredV1,
    NeedWithdrawnPayload,
    NeedWithdrawnV1,
)
from demand.adapters import orm
from demand.adapters.batching.bulk_writes import COPIED_FROM, execute_many
from demand.adapters.repository import BundleRepository
from demand.adapters.unit_of_work import DemandUnitOfWork
from demand.domain.bundle import Bundle, BundleKind, Participation
from demand.domain.need import Deviation, EndUser, Need, NeedStatus, NeedVersion, Priority, YearQuantity
from demand.service_layer import aggregator
from demand.service_layer.aggregator import NeedChange
from demand.service_layer.unit_of_work import BundleFilter, UowFactory
from tests.demand.helpers import Store, opened
from tests.support.today import TODAY

WINDOW = (date(2026, 1, 1), date(2027, 12, 31))


async def needs_of(uow: UowFactory, specs: Sequence[tuple[str, str, int]]) -> list[Need]:
    async with uow() as u:
        needs = []
        for nation, code, quantity in specs:
            need = Need.register(
                now=u.clock.now(),
                nation=nation,
                item_code=code,
                quantity=quantity,
                window_start=WINDOW[0],
                window_end=WINDOW[1],
                item=await u.catalogue.get(code),
            )
            u.needs.add(need)
            needs.append(need)
        await u.commit()
    return needs


def registered(need: Need) -> NeedRegisteredV1:
    payload = NeedRegisteredPayload(
        need_id=need.id,
        nation=need.nation,
        item_code=need.item_code,
        quantity=need.quantity,
        delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
    )
    event: NeedRegisteredV1 = NeedRegisteredV1.create(payload, aggregate_id=need.id, producer="demand")
    return event


def withdrawn(need: Need) -> NeedWithdrawnV1:
    payload = NeedWithdrawnPayload(need_id=need.id, nation=need.nation, item_code=need.item_code)
    event: NeedWithdrawnV1 = NeedWithdrawnV1.create(payload, aggregate_id=need.id, producer="demand")
    return event


async def the_bundle(uow: UowFactory) -> Bundle:
    async with uow() as u:
        (bundle,) = await u.bundles.list(BundleFilter(), 10, 0)
        return bundle


async def stored_shares(uow: Store, bundle_id: str) -> list[tuple[str, int, int, str]]:
    async with uow() as u:
        table = orm.bundle_shares
        rows = await u.session.execute(
            select(table.c.nation, table.c.quantity, table.c.need_count, table.c.participation)
            .where(table.c.bundle_id == bundle_id)
            .order_by(table.c.nation)
        )
        return [(n, q, c, p.value) for n, q, c, p in rows]


async def test_shares_are_written_back_as_rows_added_changed_and_removed(database_url: str) -> None:
    async with opened(database_url) as uow:
        nld, deu = await needs_of(uow, [("NLD", "VSRAT", 10), ("DEU", "VSRAT", 20)])
        await aggregator.aggregate_together([registered(nld), registered(deu)], uow())
        bundle = await the_bundle(uow)
        assert await stored_shares(uow, bundle.id) == [("DEU", 20, 1, "proposed"), ("NLD", 10, 1, "proposed")]

        # In one batch: the Dutch need withdrawn, a second German one and a Czech one.
        deu2, cze = await needs_of(uow, [("DEU", "VSRAT", 30), ("CZE", "VSRAT", 5)])
        async with uow() as u:
            (stored,) = (await u.needs.get_many({nld.id})).values()
            stored.status = NeedStatus.WITHDRAWN
            await u.commit()
        batch: list[NeedChange] = [withdrawn(nld), registered(deu2), registered(cze)]
        await aggregator.aggregate_together(batch, uow())
        assert await stored_shares(uow, bundle.id) == [("CZE", 5, 1, "proposed"), ("DEU", 50, 2, "proposed")]
        reread = await the_bundle(uow)
        assert [(s.nation, s.quantity, s.need_count) for s in reread.shares] == [("CZE", 5, 1), ("DEU", 50, 2)]
        assert reread.total_quantity == 55 and reread.line_count == 3

        # A change to the participation alone is written back as well.
        async with uow() as u:
            opening = await u.bundles.get(bundle.id)
            assert opening is not None
            opening.open_for_accession(
                deadline=TODAY + timedelta(days=30),
                minimum_nations=1,
                today=TODAY,
                now=datetime.now(UTC),
            )
            await u.commit()
        assert await stored_shares(uow, bundle.id) == [("CZE", 5, 1, "pending"), ("DEU", 50, 2, "pending")]
        assert {s.participation for s in (await the_bundle(uow)).shares} == {Participation.PENDING}


def a_need(need_id: str, **changes: object) -> Need:
    cet = timezone(timedelta(hours=1))
    fields: dict[str, object] = dict(
        id=need_id,
        nation="POL",
        item_code="AMMO-155MM",
        quantity=300,
        window_start=date(2026, 3, 1),
        window_end=date(2028, 6, 30),
        end_user=EndUser.UKRAINE,
        status=NeedStatus.SUBMITTED,
        yearly=[YearQuantity(2026, 100), YearQuantity(2027, 200)],
        recurring=True,
        budget_ceiling_eur=12_000_000_000,
        specification_ref="STANAG 4425",
        deviations=[Deviation("own fuze", compatible=False)],
        bundle_id=None,
        created_at=datetime(2026, 11, 22, 9, 30, 0, 1, tzinfo=cet),
        priority=Priority.URGENT,
        preferred_funding=None,
        version=3,
        updated_at=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
    )
    fields.update(changes)
    return Need(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"yearly": [], "deviations": [], "recurring": False, "end_user": EndUser.OWN_FORCES},
        {"budget_ceiling_eur": None, "specification_ref": None, "updated_at": None, "status": NeedStatus.BUNDLED},
    ],
    ids=["full", "empty-lists", "nulls"],
)
@pytest.mark.parametrize("rows", [1, COPIED_FROM], ids=["one-row", "rows-copied"])
async def test_rows_written_at_the_drivers_speed_are_stored_as_the_mapping_stores_them(
    database_url: str, changes: dict[str, object], rows: int
) -> None:
    """On PostgreSQL a few rows are inserted, more copied in: each way stores them alike."""
    async with opened(database_url) as uow:
        by_mapping, in_bulk = a_need("need-by-mapping", **changes), a_need("need-in-bulk", **changes)
        others = [a_need(f"need-in-bulk-{i:02}", **changes) for i in range(rows - 1)]  # sorted after both
        async with uow() as u:
            u.needs.add(by_mapping)
            written = [{column.key: getattr(n, column.key) for column in orm.needs.columns} for n in [in_bulk, *others]]
            sent: list[str] = []
            engine = u.session.get_bind()
            note = lambda *args: sent.append(args[2])  # noqa: E731
            event.listen(engine, "before_cursor_execute", note)
            await execute_many(u.session, "a need", insert(orm.needs), written)
            event.remove(engine, "before_cursor_execute", note)
            await u.commit()
        copied = database_url.startswith("postgresql") and rows >= COPIED_FROM
        inserts = [s.split("(")[0].strip() for s in sent if s.startswith("INSERT")]
        assert inserts == ([] if copied else ["INSERT INTO needs"])
        async with uow() as u:
            # The values as the database keeps them (SQLite: text), no conversion on the way out.
            stored = (await u.session.execute(select(orm.needs).order_by(orm.needs.c.id))).all()
            raw = (await (await u.session.connection()).exec_driver_sql("SELECT * FROM needs ORDER BY id")).all()
            mapped = await u.needs.get(in_bulk.id)
            async with u.batch() as batch:
                held = await batch.read_needs({by_mapping.id, in_bulk.id})
        assert raw[0][1:] == raw[1][1:]  # the same text, to the last character
        assert stored[0][1:] == stored[1][1:]
        assert mapped == in_bulk  # every type converted as the mapping converts it
        assert mapped.created_at == datetime(2026, 11, 22, 8, 30, 0, 1, tzinfo=UTC)
        for need in (by_mapping, in_bulk):  # read as plain facts, each field as the mapping has it
            facts = held[need.id]
            assert {f.name: getattr(facts, f.name) for f in dataclass_fields(facts)} == {
                f.name: getattr(need, f.name) for f in dataclass_fields(facts)
            }
            assert type(facts.end_user) is EndUser and type(facts.status) is NeedStatus
            assert all(type(d) is date for d in (facts.window_start, facts.window_end))


async def test_the_candidates_of_several_items_are_read_together_oldest_first_within_the_limit(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BundleRepository, "CANDIDATES", 2)
    async with opened(database_url) as uow:
        start = datetime(2026, 1, 1, tzinfo=UTC)
        async with uow() as u:
            for i, code in enumerate(["VSRAT", "VSRAT", "NLAW", "VSRAT"]):
                older = start - timedelta(days=i)  # the later, the older
                bundle = Bundle(id=f"bundle-{i}", item_code=code, kind=BundleKind.JOINT_ORDER, created_at=older)
                u.bundles.add(bundle)
            await u.commit()
        async with uow() as u:
            one_by_one = {code: [b.id for b in await u.bundles.candidates(code)] for code in ("VSRAT", "NLAW")}
        async with uow() as u, u.batch() as batch:
            await batch.read_items({"VSRAT", "NLAW", "CV90"})
            together = {code: [b.id for b in await u.bundles.candidates(code)] for code in ("VSRAT", "NLAW")}
            assert await u.bundles.candidates("CV90") == []
            assert all(b.shares == [] for b in await u.bundles.candidates("VSRAT"))
        assert together == one_by_one == {"VSRAT": ["bundle-3", "bundle-1"], "NLAW": ["bundle-2"]}
        async with uow() as u:
            count = await u.session.scalar(select(func.count()).select_from(orm.bundles))
        assert count == 4


async def test_a_bundle_changed_by_another_transaction_during_a_batch_fails_the_batch(database_url: str) -> None:
    async with opened(database_url) as uow:
        nld, deu = await needs_of(uow, [("NLD", "VSRAT", 10), ("DEU", "VSRAT", 20)])
        await aggregator.aggregate_together([registered(nld)], uow())
        now = datetime.now(UTC)

        async def join_while_a_coordinator_acts() -> None:
            u = uow()
            async with u, u.batch() as batch:
                held = await batch.read_needs({deu.id})
                await batch.read_items({"VSRAT"})
                (candidate,) = await u.bundles.candidates("VSRAT")
                candidate.join(held[deu.id], "joins while a coordinator acts", now)
                async with uow() as coordinator:  # meanwhile, committed first
                    bundle = await coordinator.bundles.get(candidate.id)
                    assert bundle is not None
                    bundle.nominate("NSPA", now)
                    await coordinator.commit()

        with pytest.raises(ChangedMeanwhile):  # the unit of work names the clash
            await join_while_a_coordinator_acts()

        stored = await the_bundle(uow)
        assert stored.nominated_lead == "NSPA"  # the coordinator's change stands
        assert (stored.line_count, stored.total_quantity) == (1, 10)  # nothing of the batch
        assert await stored_shares(uow, stored.id) == [("NLD", 10, 1, "proposed")]
        await aggregator.aggregate_together([registered(deu)], uow())  # applied again
        assert (await the_bundle(uow)).line_count == 2


async def registering(u: DemandUnitOfWork, nation: str, quantity: int, draft: bool = False) -> Need:
    need = Need.register(
        now=u.clock.now(),
        nation=nation,
        item_code="VSRAT",
        quantity=quantity,
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        item=await u.catalogue.get("VSRAT"),
        draft=draft,
    )
    u.needs.add(need)
    return need


async def test_a_registered_need_and_its_versions_are_rows_written_at_commit(database_url: str) -> None:
    """Written as plain rows, a need added is still the one the transaction reads back,
    its versions are there for any query after them, a change after the write is kept;
    and none of it outlives a rollback."""
    async with opened(database_url) as uow:
        async with uow() as u:
            need = await registering(u, "NLD", 7, draft=True)
            u.needs.add_version(NeedVersion.of(need, "desk", "registered"))
            assert await u.needs.get(need.id) is need
            assert [v.change for v in await u.needs.history(need.id)] == ["registered"]
            need.submit(u.clock.now())  # a change after the first write: the flush at commit takes it
            await u.commit()
        async with uow() as u:
            stored = await u.needs.get(need.id)
            assert stored is not None
            assert (stored.nation, stored.quantity, stored.status) == ("NLD", 7, NeedStatus.SUBMITTED)
            assert [v.change for v in await u.needs.history(need.id)] == ["registered"]

        async with uow() as u:
            dropped = await registering(u, "DEU", 3)
            await u.needs.history(dropped.id)  # written before the query...
        async with uow() as u:
            assert await u.needs.get(dropped.id) is None  # ...and gone with the rollback
