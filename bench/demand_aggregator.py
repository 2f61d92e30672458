"""Benchmark of the demand aggregator (the bundling engine), printed as ratios measured
side by side in one run.

1. Throughput on the real broker: N need events consumed by the aggregator's own Kafka
   subscriber (batches of up to 2,000 records, one database transaction per batch,
   offsets committed after it) next to a raw aiokafka loop that consumes the same
   messages and produces one message per input. Several rounds (5), each in a fresh
   process with topics, consumer groups and a database of its own, after one that warms
   the broker up and is not counted; printed per round and as the median of the
   aggregator's share of the raw loop.
2. Per-event cost with 10^3 .. 10^6 open needs already bundled (SQLite, the embedded
   default): each size is seeded, then a fresh process places new needs through the
   aggregator's batch path and reports the mean cost per event and its peak memory (RSS).
   With --observability each counted round runs twice, in fresh processes, in turns:
   the service with its metrics and tracing off (METRICS_ENABLED=false, no exporter), and
   with both on (Prometheus counting every batch, a span per batch and per statement,
   batched to a JSON-lines file; each event carries a `traceparent` as the outbox relay
   sends it, whose trace is resumed while its need is placed). Printed side by side with
   the ratio on / off and its median.
3. With --cpu-split only: where a batch's time goes, without the broker. A fresh process
   places N need events through `aggregate_together` in batches of 2,000 and reports per
   event its wall time, its own CPU time and, for a PostgreSQL server on this machine, the
   CPU time of the server processes serving it (from /proc).

    uv run python bench/demand_aggregator.py                 # everything, sizes up to 10^6
    uv run python bench/demand_aggregator.py --sizes 3,4,5   # 10^3..10^5 only
    uv run python bench/demand_aggregator.py --skip-throughput
    uv run python bench/demand_aggregator.py --skip-per-event   # the throughput part only
    uv run python bench/demand_aggregator.py --sizes 3 --postgres \
        postgresql+asyncpg://bundling:bundling@127.0.0.1:54359/postgres   # throughput on PostgreSQL
    uv run python bench/demand_aggregator.py --cpu-split [--postgres URL]  # this process's CPU and the server's
    uv run python bench/demand_aggregator.py --skip-per-event --observability  # metrics+tracing on vs off

With --postgres (a maintenance database URL) each throughput round runs on a database of
its own created there; the per-event part stays on SQLite.

Kafka: BENCH_KAFKA_BOOTSTRAP (an existing broker) or one started with deploy/kafka/kafka.sh
on BENCH_KAFKA_PORT (39492) / +1, data in /tmp/bench-kafka, stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PREFIX = f"bench{uuid.uuid4().hex[:6]}."
os.environ.setdefault("KAFKA_TOPIC_PREFIX", PREFIX)  # before bundling_shared reads it
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("AUTH_MODE", "development")  # the bench mints development tokens

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402
from sqlalchemy import func, insert, make_url, select, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bundling_shared import topics  # noqa: E402
from bundling_shared.db import migrate  # noqa: E402
from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1  # noqa: E402
from bundling_shared.logging import configure_logging  # noqa: E402
from bundling_shared.messaging.dead_letter import RetryPolicy  # noqa: E402
from bundling_shared.messaging.kafka import ensure_topics  # noqa: E402
from bundling_shared.messaging.outbox import event_headers  # noqa: E402
from bundling_shared.observability import tracing  # noqa: E402
from bundling_shared.runtime import settle_heap  # noqa: E402
from bundling_shared.settings import KafkaSettings, MetricsSettings, TracingSettings  # noqa: E402
from demand.adapters import orm  # noqa: E402
from demand.bootstrap import bootstrap  # noqa: E402
from demand.config import DemandSettings  # noqa: E402
from demand.domain.need import Need  # noqa: E402
from demand.entrypoints.app import MIGRATIONS  # noqa: E402
from demand.entrypoints.subscribers import BATCH_RECORDS, subscribe  # noqa: E402
from demand.service_layer import aggregator  # noqa: E402

NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR", "SWE", "FIN", "BEL", "EST", "LVA", "LTU", "FRA"]
ITEMS = ["AMMO-155MM", "AMMO-120MM", "VSRAT", "NLAW", "PATRIOT-PAC2", "CV90"]
WINDOWS = [(date(2025 + i, 1, 1), date(2026 + i, 12, 31)) for i in range(0, 12, 3)]


@contextmanager
def kafka() -> Iterator[str]:
    if address := os.environ.get("BENCH_KAFKA_BOOTSTRAP"):
        yield address
        return
    port = int(os.environ.get("BENCH_KAFKA_PORT", "39492"))
    env = {
        **os.environ,
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "KAFKA_DATA_DIR": os.environ.get("BENCH_KAFKA_DATA_DIR", "/tmp/bench-kafka"),
    }
    script = str(ROOT / "deploy" / "kafka" / "kafka.sh")
    subprocess.run([script, "start"], env=env, check=True, capture_output=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([script, "stop"], env=env, check=False, capture_output=True)


def need_event(need: Need) -> NeedRegisteredV1:
    event: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id=need.id,
            nation=need.nation,
            item_code=need.item_code,
            quantity=need.quantity,
            delivery_window=DeliveryWindow(start=need.window_start, end=need.window_end),
        ),
        aggregate_id=need.id,
        producer="bench",
        nation=need.nation,
    )
    return event


async def store_needs(service: Any, count: int, salt: int = 0) -> list[Need]:
    """New submitted needs, stored as registration would store them (events not staged)."""
    async with service.uow() as uow:
        items = {code: await uow.catalogue.get(code) for code in ITEMS}
    needs = []
    for i in range(count):
        start, end = WINDOWS[(i + salt) % len(WINDOWS)]
        code = ITEMS[(i * 7 + salt) % len(ITEMS)]
        needs.append(
            Need.register(
                now=service.clock.now(),
                nation=NATIONS[(i + salt) % len(NATIONS)],
                item_code=code,
                quantity=10 + i % 90,
                window_start=start,
                window_end=end,
                item=items[code],
            )
        )
    for chunk in range(0, count, 5_000):
        async with service.uow() as uow:
            for need in needs[chunk : chunk + 5_000]:
                uow.needs.add(need)
            await uow.commit()
    return needs


# --------------------------------------------------------------------------- throughput
async def raw_loop(address: str, source: str, sink: str, count: int) -> float:
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=address,
        group_id=f"{PREFIX}raw",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=address, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    seen = 0
    started = time.perf_counter()
    try:
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=BATCH_RECORDS)  # as the aggregator
            for records in batches.values():
                for record in records:
                    body = json.loads(record.value)  # decode as any consumer must
                    await producer.send(sink, json.dumps(body).encode(), key=record.key)
                    seen += 1
            await producer.flush()
            await consumer.commit()
        return time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()


async def _maintain(maintenance_url: str, statement: str) -> None:
    engine = create_async_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def fresh_database(maintenance_url: str) -> str:
    """A new, empty PostgreSQL database for one round; its URL."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    await _maintain(maintenance_url, f'CREATE DATABASE "{name}"')
    return make_url(maintenance_url).set(database=name).render_as_string(hide_password=False)


async def throughput(
    address: str, count: int, workdir: Path, postgres: str | None, observed: bool | None = None
) -> dict[str, float]:
    """`observed`: metrics and tracing both on (True) or both off (False); None: as the
    service ships, metrics on and tracing off."""
    database_url = await fresh_database(postgres) if postgres else f"sqlite+aiosqlite:///{workdir / 'throughput.db'}"
    spans = workdir / "spans.jsonl"
    if observed:
        tracing.configure("demand", TracingSettings(file=spans))
    settings = DemandSettings(
        database_url=database_url,
        kafka=KafkaSettings(bootstrap_servers=address),
        metrics=MetricsSettings(enabled=observed is not False),
    )
    service = bootstrap(settings)
    subscribe(service)
    tracing.instrument_engine(service.engine)  # as the service's app does; nothing while tracing is off
    await migrate(service.engine, MIGRATIONS)
    needs = await store_needs(service, count)
    source = topics.NEEDS.name
    await ensure_topics(
        address, [*topics.with_dead_letters(topics.NEEDS, topics.BUNDLES), topics.Topic(PREFIX + "raw.out", 6)]
    )
    producer = AIOKafkaProducer(bootstrap_servers=address, acks="all", enable_idempotence=True)
    await producer.start()
    sent = []
    for need in needs:
        event = need_event(need)
        carried = event_headers(event) | ({"traceparent": a_traceparent()} if observed else {})
        headers = [(k, v.encode()) for k, v in carried.items()]
        delivery = await producer.send(source, event.model_dump_json().encode(), key=need.id.encode(), headers=headers)
        sent.append((str(event.event_id), delivery))
    await producer.flush()
    await producer.stop()
    # Each partition's events are applied in their order: all are once its last one is.
    last_of_partition = {(await delivery).partition: event_id for event_id, delivery in sent}
    del needs, sent  # seeding's objects are not the service's: out of the heap both loops run on
    settle_heap()  # as a service does once it has started, here for both loops alike

    raw_seconds = await raw_loop(address, source, PREFIX + "raw.out", count)

    # As for the raw loop, the clients' start is not timed; joining the group (on the
    # first poll) and everything after it is.
    # Done when the last event of every partition is recorded as processed: a look-up of a
    # few keys every 50 ms, on a connection of its own, costs the aggregator next to nothing.
    recorded = orm.processed_messages.c
    last_applied = select(func.count()).where(
        recorded.consumer == aggregator.AGGREGATOR, recorded.event_id.in_(list(last_of_partition.values()))
    )
    await service.broker.start()
    started = time.perf_counter()
    try:
        async with service.engine.connect() as conn:
            while (await conn.scalar(last_applied) or 0) < len(last_of_partition):
                await conn.rollback()  # the next look sees what was committed since
                await asyncio.sleep(0.05)
        agg_seconds = time.perf_counter() - started
    finally:
        await service.broker.stop()
        await service.engine.dispose()
        if postgres:
            await _maintain(postgres, f'DROP DATABASE "{make_url(database_url).database}"')
    tracing.shutdown()
    written = len(spans.read_text().splitlines()) if spans.exists() else 0
    return {"raw": count / raw_seconds, "aggregator": count / agg_seconds, "spans": written}


def a_traceparent() -> str:
    """A sampled W3C trace context of a trace of its own, as each desk's request starts one."""
    return f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"


def throughput_round(address: str, count: int, workdir: Path, postgres: str | None, observed: str | None) -> Any:
    command = [sys.executable, __file__, "--throughput-round", str(workdir), "--kafka", address]
    command += ["--postgres", postgres] if postgres else []
    command += ["--observed", observed] if observed else []
    output = subprocess.run([*command, "--throughput-events", str(count)], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def observability_rounds(
    address: str, count: int, rounds: int, warm_up: int, workdir: Path, postgres: str | None
) -> None:
    """Each round twice, off and on, in turns (off first, then on first), each in a fresh
    process: a drift of the machine or the broker over the run weighs on both alike."""
    for n in range(warm_up):
        throughput_round(address, count, workdir / f"warm-{n}", postgres, "off")
    off, on = [], []
    for n in range(rounds):
        order = ["off", "on"] if n % 2 == 0 else ["on", "off"]
        results = {mode: throughput_round(address, count, workdir / f"{n}-{mode}", postgres, mode) for mode in order}
        off.append(results["off"])
        on.append(results["on"])
    ratios = [b["aggregator"] / a["aggregator"] for a, b in zip(off, on, strict=True)]
    database = "PostgreSQL" if postgres else "SQLite"
    print(f"metrics and tracing off vs on: the aggregator ({database}) over {count:,} need events on the real broker,")
    print(f"  {rounds} rounds after {warm_up} to warm the broker up; each round both ways, in turns")
    print("  metrics and tracing off   : " + "  ".join(f"{r['aggregator']:8,.0f}" for r in off) + "  needs/s")
    print("  metrics and tracing on    : " + "  ".join(f"{r['aggregator']:8,.0f}" for r in on) + "  needs/s")
    print("  spans written (on)        : " + "  ".join(f"{r['spans']:8,}" for r in on))
    print("  ratio on / off            : " + "  ".join(f"{x:8.1%}" for x in ratios))
    print(f"  median ratio on / off     : {statistics.median(ratios):8.1%}")
    for name, runs in (("off", off), ("on", on)):
        share = statistics.median(r["aggregator"] / r["raw"] for r in runs)
        print(f"  median aggregator / raw, {name:<3}: {share:8.1%}  (target >= 50 %)")


def throughput_rounds(address: str, count: int, rounds: int, warm_up: int, workdir: Path, postgres: str | None) -> None:
    """Each round in a process of its own (fresh topics, groups, database and heap): single
    runs scatter with the machine's other work. The broker's JVM compiles its hot paths
    while it serves the first runs after its start, which makes whichever loop comes first
    look slower: the first `warm_up` rounds run the same way but are not counted."""
    results = [
        throughput_round(address, count, workdir / f"round-{n}", postgres, None) for n in range(warm_up + rounds)
    ]
    warm, counted = results[:warm_up], results[warm_up:]
    ratios = [r["aggregator"] / r["raw"] for r in counted]
    print(f"throughput over {count:,} need events on the real broker, {rounds} rounds after {warm_up} to warm it up")
    for r in warm:
        print(
            f"  warm-up round, not counted            : raw {r['raw']:,.0f} msg/s,"
            f" aggregator {r['aggregator']:,.0f} needs/s"
        )
    print("  raw aiokafka consume-and-produce loop : " + "  ".join(f"{r['raw']:8,.0f}" for r in counted) + "  msg/s")
    database = "(PostgreSQL)" if postgres else "(SQLite)    "
    print(
        f"  demand aggregator {database}        : "
        + "  ".join(f"{r['aggregator']:8,.0f}" for r in counted)
        + "  needs/s"
    )
    print("  ratio aggregator / raw                : " + "  ".join(f"{x:8.1%}" for x in ratios))
    print(f"  median ratio                          : {statistics.median(ratios):8.1%}  (target >= 50 %)")


# --------------------------------------------------------------------------- per-event cost
async def seed(path: Path, open_needs: int) -> None:
    """`open_needs` needs already bundled: rows written in bulk, totals kept consistent."""
    service = bootstrap(DemandSettings(database_url=f"sqlite+aiosqlite:///{path}"))
    await migrate(service.engine, MIGRATIONS)
    now = datetime.now(UTC)
    bundle_ids = {(item, w): f"bundle-seed-{item}-{w}" for item in ITEMS for w in range(len(WINDOWS))}
    totals: dict[str, dict[str, list[int]]] = {b: {} for b in bundle_ids.values()}
    async with service.engine.begin() as conn:
        await conn.execute(
            insert(orm.bundles),
            [
                {
                    "id": bid, "item_code": item, "status": "proposed", "revision": 1, "created_at": now,
                    "kind": "joint_order", "variant": "harmonised", "window_start": WINDOWS[w][0],
                    "window_end": WINDOWS[w][1], "total_quantity": 0, "line_count": 0, "minimum_nations": 1,
                    "published_revision": 1,
                }
                for (item, w), bid in bundle_ids.items()
            ],
        )  # fmt: skip
        for chunk in range(0, open_needs, 20_000):
            need_rows, line_rows = [], []
            for i in range(chunk, min(open_needs, chunk + 20_000)):
                w = i % len(WINDOWS)
                item = ITEMS[(i // len(WINDOWS)) % len(ITEMS)]
                nation = NATIONS[i % len(NATIONS)]
                bid = bundle_ids[(item, w)]
                nid = f"need-seed-{i:08d}"
                quantity = 10 + i % 90
                start, end = WINDOWS[w]
                need_rows.append(
                    {
                        "id": nid, "nation": nation, "item_code": item, "quantity": quantity, "window_start": start,
                        "window_end": end, "end_user": "own_forces", "status": "bundled", "created_at": now,
                        "yearly": [], "recurring": False, "deviations": [], "priority": "routine", "version": 1,
                        "bundle_id": bid, "updated_at": now,
                    }
                )  # fmt: skip
                line_rows.append(
                    {
                        "bundle_id": bid, "need_id": nid, "nation": nation, "quantity": quantity,
                        "window_start": start, "window_end": end, "yearly": [], "ukraine_quantity": 0,
                        "value_eur": 0, "reason": "seeded", "joined_at": now,
                    }
                )  # fmt: skip
                share = totals[bid].setdefault(nation, [0, 0])
                share[0] += quantity
                share[1] += 1
            await conn.execute(insert(orm.needs), need_rows)
            await conn.execute(insert(orm.bundle_lines), line_rows)
        for bid, shares in totals.items():
            if not shares:
                continue
            await conn.execute(
                insert(orm.bundle_shares),
                [
                    {
                        "bundle_id": bid, "nation": n, "quantity": q, "ukraine_quantity": 0, "value_eur": 0,
                        "yearly": [], "need_count": c, "participation": "proposed",
                    }
                    for n, (q, c) in shares.items()
                ],
            )  # fmt: skip
            await conn.execute(
                orm.bundles.update()
                .where(orm.bundles.c.id == bid)
                .values(
                    total_quantity=sum(q for q, _ in shares.values()), line_count=sum(c for _, c in shares.values())
                )
            )
    await service.engine.dispose()


async def measure(path: Path, events: int, batch: int) -> dict[str, float]:
    """In a fresh process: place `events` new needs through the aggregator, in batches of
    `batch` as the subscriber hands them over (`aggregate_batch`, one transaction each)."""
    service = bootstrap(DemandSettings(database_url=f"sqlite+aiosqlite:///{path}"))
    policy = RetryPolicy(service="bench")
    needs = await store_needs(service, events + batch, salt=17)
    gc.collect()
    warm_up = [need_event(need) for need in needs[:batch]]  # caches, connections, statement compilation
    assert await aggregator.aggregate_batch(warm_up, service.uow(), policy) == []
    placed = [need_event(need) for need in needs[batch:]]
    started = time.perf_counter()
    for start in range(0, events, batch):
        assert await aggregator.aggregate_batch(placed[start : start + batch], service.uow(), policy) == []
    elapsed = time.perf_counter() - started
    await service.engine.dispose()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"per_event_ms": 1000 * elapsed / events, "peak_rss_mib": rss_kib / 1024}


def per_event_cost(exponents: list[int], events: int, batch: int, rounds: int, workdir: Path) -> None:
    """Seeds every size, then measures them in turns, `rounds` times, each in a fresh
    process; the best round per size counts, as other load on the machine only adds."""
    print(f"per-event cost of the aggregator (SQLite, {events} new needs per size and round, batches of {batch})")
    paths: dict[int, Path] = {}
    for exponent in exponents:
        size = 10**exponent
        paths[size] = workdir / f"open-{size}.db"
        started = time.perf_counter()
        asyncio.run(seed(paths[size], size))
        print(f"  seeded {size:>9,} open needs in {time.perf_counter() - started:.0f} s", flush=True)
    results: dict[int, list[dict[str, float]]] = {size: [] for size in paths}
    for _ in range(rounds):
        for size, path in paths.items():
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), "--events", str(events), "--batch", str(batch)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[size].append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = {size: min(r["per_event_ms"] for r in runs) for size, runs in results.items()}
    for size, runs in results.items():
        rss = max(r["peak_rss_mib"] for r in runs)
        spread = ", ".join(f"{r['per_event_ms']:.2f}" for r in runs)
        print(f"  {size:>9,} open needs: {best[size]:7.2f} ms/event (rounds: {spread}), peak RSS {rss:5.0f} MiB")
    smallest, largest = min(best), max(best)
    print(f"  cost at {largest:,} / cost at {smallest:,}: {best[largest] / best[smallest]:.2f}x  (target <= 1.5x)")
    print(f"  aggregator memory at {largest:,} open needs: {max(r['peak_rss_mib'] for r in results[largest]):.0f} MiB"
          "  (target < 1024 MiB)")  # fmt: skip


# --------------------------------------------------------------------------- CPU split
async def server_cpu_seconds(engine: Any) -> float:
    """CPU time so far of the PostgreSQL processes serving this database, read from /proc:
    the server must run on this machine (NaN otherwise)."""
    async with engine.connect() as conn:
        pids = (await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).all()
    return sum(_cpu_ticks(pid) for (pid,) in pids) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return int(fields[11]) + int(fields[12])  # utime, stime


async def cpu_split(count: int, batch: int, workdir: Path, postgres: str | None) -> dict[str, float]:
    """In a fresh process: `count` need events placed by `aggregate_together` in batches of
    `batch`, after one batch that warms caches, connections and statements up."""
    database_url = await fresh_database(postgres) if postgres else f"sqlite+aiosqlite:///{workdir / 'split.db'}"
    service = bootstrap(DemandSettings(database_url=database_url))
    await migrate(service.engine, MIGRATIONS)
    events = [need_event(need) for need in await store_needs(service, count + batch)]
    settle_heap()
    try:
        await aggregator.aggregate_together(events[:batch], service.uow())
        server = await server_cpu_seconds(service.engine) if postgres else 0.0
        cpu, started = time.process_time(), time.perf_counter()
        for start in range(batch, count + batch, batch):
            await aggregator.aggregate_together(events[start : start + batch], service.uow())
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        server = (await server_cpu_seconds(service.engine) - server) if postgres else 0.0
    finally:
        await service.engine.dispose()
        if postgres:
            await _maintain(postgres, f'DROP DATABASE "{make_url(database_url).database}"')
    return {"wall_ms": 1000 * wall / count, "cpu_ms": 1000 * cpu / count, "server_ms": 1000 * server / count}


def cpu_split_rounds(count: int, rounds: int, workdir: Path, postgres: str | None) -> None:
    database = "PostgreSQL" if postgres else "SQLite"
    print(f"aggregate_together over {count:,} need events in batches of {BATCH_RECORDS:,} ({database}), ms per event")
    for n in range(rounds):
        command = [sys.executable, __file__, "--split-round", str(workdir / f"split-{n}"), "--events", str(count)]
        if postgres:
            command += ["--postgres", postgres]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        server = f", database server CPU {result['server_ms']:.4f}" if postgres else ""
        print(f"  round {n + 1}: wall {result['wall_ms']:.4f}, this process CPU {result['cpu_ms']:.4f}{server}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="3,4,5,6", help="exponents of 10 for the open needs")
    parser.add_argument("--events", type=int, default=1000, help="new needs placed per size and round")
    parser.add_argument("--batch", type=int, default=100, help="need events per batch in the per-event part")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--throughput-events", type=int, default=20_000)
    parser.add_argument("--throughput-rounds", type=int, default=5)
    parser.add_argument("--warm-up-rounds", type=int, default=1, help="throughput rounds run first, not counted")
    parser.add_argument("--throughput-round", help=argparse.SUPPRESS)  # one round, in a child process
    parser.add_argument("--kafka", help=argparse.SUPPRESS)
    parser.add_argument("--observed", choices=["on", "off"], help=argparse.SUPPRESS)  # of one round
    parser.add_argument(
        "--observability", action="store_true", help="the throughput rounds with metrics and tracing off vs on"
    )
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-per-event", action="store_true", help="the throughput part only")
    parser.add_argument("--postgres", help="maintenance database URL: the throughput rounds run on PostgreSQL")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--cpu-split", action="store_true", help="only: where a batch's time goes (--events, --rounds)")
    parser.add_argument("--split-round", help=argparse.SUPPRESS)
    args = parser.parse_args()
    configure_logging("bench", "WARNING", json_output=False)
    if args.split_round:
        workdir = Path(args.split_round)
        workdir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(asyncio.run(cpu_split(args.events, BATCH_RECORDS, workdir, args.postgres))))
        return
    if args.measure:
        print(json.dumps(asyncio.run(measure(Path(args.measure), args.events, args.batch))))
        return
    if args.throughput_round:
        workdir = Path(args.throughput_round)
        workdir.mkdir(parents=True, exist_ok=True)
        observed = None if args.observed is None else args.observed == "on"
        result = asyncio.run(throughput(args.kafka, args.throughput_events, workdir, args.postgres, observed))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-demand-") as tmp:
        workdir = Path(tmp)
        if args.cpu_split:
            cpu_split_rounds(args.events, args.rounds, workdir, args.postgres)
            return
        if not args.skip_throughput:
            with kafka() as address:
                rounds = observability_rounds if args.observability else throughput_rounds
                rounds(
                    address,
                    args.throughput_events,
                    args.throughput_rounds,
                    args.warm_up_rounds,
                    workdir,
                    args.postgres,
                )
        if not args.skip_per_event:
            per_event_cost([int(x) for x in args.sizes.split(",")], args.events, args.batch, args.rounds, workdir)


if __name__ == "__main__":
    main()
