"""Benchmark of the demand aggregator scaled out: its throughput with one, two and three
service processes in one consumer group on one PostgreSQL database, side by side in one
run, and what each costs in processor time.

Each round has a database, topics and a consumer group of its own. N needs (12,000 by
default, across every item of the catalogue and a dozen nations) are stored as
registration stores them; then the processes (`python -m demand`, as deployed) are started
and waited for until they answer /ready and their consumers have settled in the group.
Only then are the N need events produced; the clock runs from the first one sent until the
inbox records the last one applied. Meanwhile the processor time of each aggregator
process and of the PostgreSQL server processes serving the database is read from /proc
(the server must run on this machine).

From the processor time per 1,000 needs per process follows what more cores would give:
a process placing needs at full speed uses one core, so k processes with a core each (and
the database server with cores for its share) place k times as many, until the database
or the contention on shared bundles sets the limit. On a machine with fewer cores than
processes plus server, the processes take turns and the ratio stays near 1.

    uv run python bench/aggregator_scaleout.py --postgres postgresql+asyncpg://bundling:bundling@127.0.0.1:54359/postgres
    uv run python bench/aggregator_scaleout.py --postgres URL --needs 6000 --processes 1,2,3

Kafka: BENCH_KAFKA_BOOTSTRAP (an existing broker) or one started with deploy/kafka/kafka.sh
on BENCH_KAFKA_PORT (39492) / +1, stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from bench.demand_aggregator import _cpu_ticks, need_event, server_cpu_seconds
from bench.servers import free_port, fresh_database, kafka, server
from bundling_shared import topics
from bundling_shared.db import migrate
from bundling_shared.logging import configure_logging
from bundling_shared.messaging.kafka import ensure_topics
from bundling_shared.messaging.outbox import event_headers
from bundling_shared.topics import Topic
from demand.adapters import orm
from demand.bootstrap import bootstrap
from demand.config import DemandSettings
from demand.domain.need import Need
from demand.entrypoints.app import MIGRATIONS
from demand.service_layer.aggregator import AGGREGATOR

NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR", "SWE", "FIN", "BEL", "EST"]
WINDOW = (date(2031, 1, 1), date(2033, 12, 31))
SETTLE_SECONDS = 4.0  # after the last process is ready: the group's assignment settles


async def stored_needs(url: str, count: int) -> list[Need]:
    service = bootstrap(DemandSettings(database_url=url))
    await migrate(service.engine, MIGRATIONS)
    async with service.uow() as uow:
        items = list(await uow.catalogue.list(None, False, 100, 0))
    now = datetime.now(UTC)
    needs = []
    for i in range(count):
        item = items[(i * 11) % len(items)]
        needs.append(
            Need.register(
                now=now,
                item=item,
                nation=NATIONS[i % len(NATIONS)],
                item_code=item.code,
                quantity=5 + i % 211,
                window_start=WINDOW[0],
                window_end=WINDOW[1],
            )
        )
    for chunk in range(0, count, 2_000):
        async with service.uow() as uow:
            for need in needs[chunk : chunk + 2_000]:
                uow.needs.add(need)
            await uow.commit()
    await service.engine.dispose()
    return needs


def cpu_seconds(pid: int) -> float:
    return _cpu_ticks(pid) / os.sysconf("SC_CLK_TCK")


async def one_round(address: str, maintenance_url: str, processes: int, count: int, workdir: Path) -> dict[str, float]:
    url = await fresh_database(maintenance_url)
    prefix = f"scaleout{uuid.uuid4().hex[:8]}."
    needs_topic = prefix + topics.NEEDS.name.removeprefix(topics.PREFIX)
    await ensure_topics(address, [Topic(needs_topic, topics.NEEDS.partitions)])
    needs = await stored_needs(url, count)
    events = [need_event(need) for need in needs]
    watcher = bootstrap(DemandSettings(database_url=url))
    recorded = orm.processed_messages.c
    applied = select(func.count()).where(recorded.consumer == AGGREGATOR)
    producer = AIOKafkaProducer(bootstrap_servers=address, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    with ExitStack() as running:
        pids = []
        for n in range(processes):
            port = free_port()
            env = {
                "KAFKA_BOOTSTRAP_SERVERS": address,
                "KAFKA_TOPIC_PREFIX": prefix,
                "DEMAND_DATABASE_URL": url,
                "DEMAND_PORT": str(port),
                "DEMAND_RUN_MIGRATIONS": "false",
                "LOG_LEVEL": "WARNING",
            }
            process = running.enter_context(
                server(
                    ["-m", "demand"],
                    env=env,
                    ready_url=f"http://127.0.0.1:{port}/ready",
                    log=workdir / f"demand-{processes}-{n}.log",
                )
            )
            pids.append(process.pid)
        idle_from, idle_cpu = time.perf_counter(), [cpu_seconds(pid) for pid in pids]
        await asyncio.sleep(SETTLE_SECONDS)
        cpu_before = [cpu_seconds(pid) for pid in pids]
        idle_per_second = (sum(cpu_before) - sum(idle_cpu)) / (time.perf_counter() - idle_from)
        server_before = await server_cpu_seconds(watcher.engine)
        started = time.perf_counter()
        for event in events:
            headers = [(k, v.encode()) for k, v in event_headers(event).items()]
            await producer.send(
                needs_topic, event.model_dump_json().encode(), key=event.aggregate_id.encode(), headers=headers
            )
        await producer.flush()
        async with watcher.engine.connect() as conn:
            while (await conn.scalar(applied) or 0) < count:
                await conn.rollback()
                await asyncio.sleep(0.05)
        seconds = time.perf_counter() - started
        cpu = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before, strict=True)]
        server_cpu = await server_cpu_seconds(watcher.engine) - server_before
    await producer.stop()
    await watcher.engine.dispose()
    return {
        "needs_per_second": count / seconds,
        "cpu_per_1000": 1000 * sum(cpu) / count,
        "working_cpu_per_1000": 1000 * max(sum(cpu) - idle_per_second * seconds, 0.0) / count,
        "busiest_share": max(cpu) / sum(cpu) if sum(cpu) else 0.0,
        "server_cpu_per_1000": 1000 * server_cpu / count,
    }


def report(results: dict[int, dict[str, float]], count: int) -> None:
    one = results[min(results)]["needs_per_second"]
    print(f"demand aggregator scaled out: {count:,} needs per round on PostgreSQL, {os.cpu_count()} cores")
    print(
        "  processes  needs/s  vs one  aggregator CPU s per 1,000 needs (placing only)  busiest process"
        "  database server CPU s per 1,000"
    )
    for processes, r in results.items():
        print(
            f"  {processes:>9}  {r['needs_per_second']:7,.0f}  {r['needs_per_second'] / one:5.2f}x"
            f"  {r['cpu_per_1000']:18.2f} ({r['working_cpu_per_1000']:.2f}){'':18}  {r['busiest_share']:14.0%}"
            f"  {r['server_cpu_per_1000']:32.2f}"
        )
    print("  (placing only: less what the processes spend idle, measured while the group settles)")
    for processes, r in results.items():
        # Each need is placed by one process: k processes, each busy on a core of its own,
        # place k / (CPU seconds per need) needs a second.
        cost = r["working_cpu_per_1000"]
        rate = processes * 1000 / cost if cost else float("nan")
        print(
            f"  expected with {processes} on a core each: about {rate:,.0f} needs/s at {cost:.2f} CPU s per 1,000"
            f" needs placed, the database server using {rate * r['server_cpu_per_1000'] / 1000:.1f} cores besides"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", required=True, help="maintenance database URL of a PostgreSQL server here")
    parser.add_argument("--needs", type=int, default=12_000, help="need events per round")
    parser.add_argument("--processes", default="1,2,3", help="aggregator processes per round, in order")
    parser.add_argument("--logs", help="a folder to keep the processes' logs in (default: deleted at the end)")
    args = parser.parse_args()
    configure_logging("bench", "WARNING", json_output=False)
    counts = [int(n) for n in args.processes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp, kafka() as address:
        logs = Path(args.logs or tmp)
        logs.mkdir(parents=True, exist_ok=True)
        results = {n: asyncio.run(one_round(address, args.postgres, n, args.needs, logs)) for n in counts}
    report(results, args.needs)


if __name__ == "__main__":
    main()
