"""Benchmark of the demand service's reads: every list and detail route, on a database that
holds 10^5 needs in 10^3 bundles, one of them with 10^4 lines.

The rows are written in bulk as the aggregator and the coordinators would have left them
(each need in a bundle with its line, its trail entry and its first version; per-nation
running totals that add up; a tenth of the bundles still gathering needs, each of its item
in a window of its own, the rest committed). The service then runs as in production
(`python -m demand`, on its own topics of a real broker) and each route is driven by a
closed loop of keep-alive connections (`bench/load.py`, in a process of its own) for a
fixed time, as the coordinator of the agency leading a quarter of the bundles (the big one
among them) and as a nation desk, every route once per round. Printed per route and
caller, from the round with the lowest p99 (other work on the machine only adds to it):
requests/s, p50 and p99, the p99 of every round, the service's processor time per answer
(all its threads, read from /proc, less what it spends idle: what the route costs,
whatever else runs on the machine), the size of
the answer, and whether p99 stays under 50 ms and the answer under 100 kB. The first row,
the funding rules (a token checked, nothing read from the database), is the floor every
route stands on.

    uv run python bench/api_read.py                          # SQLite, 3 rounds of 2 s per route and caller
    uv run python bench/api_read.py --postgres postgresql+asyncpg://bundling:bundling@127.0.0.1:54359/postgres
    uv run python bench/api_read.py --needs 10000 --bundles 100 --big 1000 --seconds 1 --rounds 1

With --postgres (a maintenance database URL) the run creates a database of its own there
and drops it at the end. Kafka: BENCH_KAFKA_BOOTSTRAP (an existing broker) or one started
for the run (bench/servers.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Outcome, Request, run_load
from bench.servers import JWT_SECRET, free_port, fresh_database, kafka, server

os.environ.setdefault("AUTH_MODE", "development")
os.environ.setdefault("AUTH_JWT_SECRET", JWT_SECRET)

from bundling_shared.auth import Role
from bundling_shared.auth.tokens import mint_token
from bundling_shared.db import make_engine, migrate
from bundling_shared.ids import time_ordered_id
from bundling_shared.settings import AuthSettings
from demand.adapters import orm
from demand.entrypoints.app import MIGRATIONS
from demand.entrypoints.deps import PAGE

NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR", "SWE", "FIN", "BEL", "EST", "LVA", "LTU", "FRA"]
ITEMS = ["AMMO-155MM", "AMMO-120MM", "AMMO-35MM", "VSRAT", "NLAW", "MMR", "PATRIOT-PAC2", "CV90"]
WINDOWS = [(date(2027 + i, 1, 1), date(2028 + i, 12, 31)) for i in range(0, 12, 3)]
LEAD = "NSPA"  # the agency leading the big bundle and every fourth other
NOMINATED = [LEAD, "EDA", "OCCAR", None]  # by bundle in turn; None: the largest share leads
DESK = "NLD"
P99_TARGET_MS, SIZE_TARGET = 50.0, 100_000


# ----------------------------------------------------------------------- the data
@dataclass(frozen=True)
class Seeded:
    """What the routes are asked about: the big bundle, its item, one of the desk's needs
    in it, and how many lines of it each caller reads."""

    big_bundle: str
    big_item: str
    need: str
    lines: dict[str, int]  # by caller: the lead reads all of them, the desk its nation's
    trail: dict[str, int]


def _placement(needs: int, bundles: int, big: int) -> list[int]:
    """The bundle of each need: the first `big` in bundle 0, the others spread over the rest."""
    rest = max(bundles - 1, 1)
    return [0 if i < big else 1 + (i - big) % rest for i in range(needs)]


@dataclass(frozen=True)
class Planned:
    """One seeded bundle as the aggregator and its coordinators would have left it. A tenth
    still gathers needs (proposed, or open for accession), each of its item in a delivery
    window of its own, as the oldest compatible bundle takes every need that fits; the rest
    were committed."""

    id: str
    item: str
    window: tuple[date, date]
    status: str
    nominated: str | None
    created_at: datetime

    @classmethod
    def of(cls, b: int, bundles: int, start: datetime) -> Planned:
        item, gathering = ITEMS[b % len(ITEMS)], b < max(bundles // 10, 1)
        k = b // len(ITEMS)
        window = (date(2027 + 2 * k, 1, 1), date(2028 + 2 * k, 12, 31)) if gathering else WINDOWS[b % len(WINDOWS)]
        status = ("open" if b % 10 == 4 else "proposed") if gathering else "committed"
        nominated = NOMINATED[b % len(NOMINATED)]
        return cls(time_ordered_id("bundle"), item, window, status, nominated, start + timedelta(seconds=b))

    @property
    def need_status(self) -> str:
        return "committed" if self.status == "committed" else "bundled"

    @property
    def participation(self) -> str:
        return {"committed": "confirmed", "open": "pending"}.get(self.status, "proposed")


async def _insert(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]], chunk: int = 10_000) -> None:
    async with engine.begin() as conn:
        for start in range(0, len(rows), chunk):
            await conn.execute(insert(table), rows[start : start + chunk])


async def seed(database_url: str, needs: int, bundles: int, big: int) -> Seeded:
    """`needs` needs in `bundles` bundles, the first of them with `big` lines: rows as the
    aggregator writes them, written in bulk."""
    engine = make_engine(database_url)
    await migrate(engine, MIGRATIONS)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    planned = [Planned.of(b, bundles, start) for b in range(bundles)]
    need_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    trail_rows: list[dict[str, Any]] = [
        {"bundle_id": p.id, "kind": "opened", "reason": f"first need for {p.item} (one-off demand)",
         "at": p.created_at, "need_id": None, "nation": None}
        for p in planned
    ]  # fmt: skip
    totals: list[dict[str, list[int]]] = [{} for _ in planned]
    rest = max(bundles - 1, 1)
    for i, b in enumerate(_placement(needs, bundles, big)):
        p = planned[b]
        # Each bundle's needs come from every nation in turn.
        nation = NATIONS[(i if b == 0 else (i - big) // rest + b) % len(NATIONS)]
        nid, (first, last), at = time_ordered_id("need"), p.window, start + timedelta(seconds=bundles, milliseconds=i)
        quantity, ukraine = 10 + i % 990, i % 20 == 0
        budget = (quantity * 4_000) if i % 4 == 0 else None
        end_user, priority = "ukraine" if ukraine else "own_forces", ("routine", "high", "urgent")[i % 3]
        reason = (
            f"same item {p.item}, the harmonised specification, joint order demand, delivery window"
            f" {first}..{last} overlaps {first}..{last}"
        )
        need_rows.append(
            {"id": nid, "nation": nation, "item_code": p.item, "quantity": quantity, "window_start": first,
             "window_end": last, "end_user": end_user, "status": p.need_status, "created_at": at, "yearly": [],
             "recurring": False, "budget_ceiling_eur": budget, "specification_ref": None, "deviations": [],
             "priority": priority, "version": 1, "bundle_id": p.id, "updated_at": at}
        )  # fmt: skip
        snapshot = {
            "quantity": quantity, "yearly": [], "recurring": False,
            "delivery_window": {"start": first.isoformat(), "end": last.isoformat()}, "end_user": end_user,
            "budget_ceiling_eur": None if budget is None else f"{budget:.2f}", "specification_ref": None,
            "deviations": [], "priority": priority, "preferred_funding": None, "status": "submitted",
        }  # fmt: skip
        version_rows.append(
            {"need_id": nid, "version": 1, "recorded_at": at, "recorded_by": f"desk:{nation}", "change": "registered",
             "snapshot": snapshot}
        )  # fmt: skip
        line_rows.append(
            {"bundle_id": p.id, "need_id": nid, "nation": nation, "quantity": quantity, "window_start": first,
             "window_end": last, "yearly": [], "ukraine_quantity": quantity if ukraine else 0,
             "value_eur": budget or 0, "reason": reason, "joined_at": at}
        )  # fmt: skip
        trail_rows.append({"bundle_id": p.id, "kind": "joined", "reason": reason, "at": at, "need_id": nid,
                           "nation": nation})  # fmt: skip
        share = totals[b].setdefault(nation, [0, 0, 0, 0])
        for n, add in enumerate((quantity, quantity if ukraine else 0, budget or 0, 1)):
            share[n] += add
    bundle_rows: list[dict[str, Any]] = []
    share_rows: list[dict[str, Any]] = []
    for p, shares in zip(planned, totals, strict=True):
        largest = max(sorted(shares), key=lambda nation: shares[nation][0], default=None)
        lead = (p.nominated or largest) if p.status == "committed" else None
        bundle_rows.append(
            {"id": p.id, "item_code": p.item, "status": p.status, "revision": 1, "created_at": p.created_at,
             "kind": "joint_order", "variant": "harmonised", "window_start": p.window[0], "window_end": p.window[1],
             "nominated_lead": p.nominated, "lead": lead, "committed_by": lead and f"coordinator:{lead}",
             "total_quantity": sum(s[0] for s in shares.values()), "line_count": sum(s[3] for s in shares.values()),
             "deadline": date(2026, 12, 31) if p.status == "open" else None,
             "minimum_nations": 2 if p.status == "open" else 1, "published_revision": 1}
        )  # fmt: skip
        share_rows += [
            {"bundle_id": p.id, "nation": nation, "quantity": q, "ukraine_quantity": u, "value_eur": v, "yearly": [],
             "need_count": n, "participation": p.participation,
             "confirmed_quantity": q if p.status == "committed" else None}
            for nation, (q, u, v, n) in sorted(shares.items())
        ]  # fmt: skip
        if p.status == "committed":
            trail_rows.append({"bundle_id": p.id, "kind": "committed", "at": p.created_at + timedelta(days=30),
                               "reason": f"committed as a joint order led by {lead} for {len(shares)} nation(s)",
                               "need_id": None, "nation": None})  # fmt: skip
    for table, rows in [
        (orm.bundles, bundle_rows), (orm.bundle_shares, share_rows), (orm.needs, need_rows),
        (orm.need_versions, version_rows), (orm.bundle_lines, line_rows), (orm.bundle_decisions, trail_rows),
    ]:  # fmt: skip
        await _insert(engine, table, rows)
    await engine.dispose()
    mine = [row for row in line_rows if row["bundle_id"] == planned[0].id and row["nation"] == DESK]
    every = sum(s[3] for s in totals[0].values())
    return Seeded(
        big_bundle=planned[0].id,
        big_item=planned[0].item,
        need=str(mine[0]["need_id"]),
        lines={"lead": every, "desk": len(mine)},
        trail={"lead": 1 + every, "desk": 1 + len(mine)},
    )


# ----------------------------------------------------------------------- the routes
def bearer(role: Role, nation: str | None = None, org: str | None = None) -> tuple[str, str]:
    subject = f"bench-{role.value}-{nation or org}"
    token = mint_token(AuthSettings(), role=role, subject=subject, nation=nation, organisation=org)
    return ("authorization", f"Bearer {token}")


CALLERS = {
    "lead": bearer(Role.COORDINATOR, org=LEAD),
    "desk": bearer(Role.NATION_DESK, nation=DESK),
}


def _last_page(count: int) -> int:
    """The offset of the last page of `count` items, pages of the default size."""
    return max(0, (count - 1) // PAGE * PAGE)


def routes(seeded: Seeded, caller: str) -> list[tuple[str, str]]:
    """(label, path) of every list and detail route of the service, as `caller` reads them."""
    big, need, item = seeded.big_bundle, seeded.need, seeded.big_item
    return [
        ("needs", "/v1/needs"),
        ("needs ?status&item_code", f"/v1/needs?status=bundled&item_code={item}"),
        ("need", f"/v1/needs/{need}"),
        ("need history", f"/v1/needs/{need}/history"),
        ("bundles", "/v1/bundles"),
        ("bundles ?status=open", "/v1/bundles?status=open"),
        ("big bundle", f"/v1/bundles/{big}"),
        ("its lines", f"/v1/bundles/{big}/lines"),
        ("its last lines", f"/v1/bundles/{big}/lines?offset={_last_page(seeded.lines[caller])}"),
        ("its trail", f"/v1/bundles/{big}/trail"),
        ("its last trail", f"/v1/bundles/{big}/trail?offset={_last_page(seeded.trail[caller])}"),
        ("catalogue items", "/v1/catalogue/items"),
        ("catalogue item", f"/v1/catalogue/items/{item}"),
        ("item operators", f"/v1/catalogue/items/{item}/operators"),
        ("nations", "/v1/catalogue/nations"),
        ("funding rules", "/v1/catalogue/funding-rules"),
        ("demand sheet", f"/v1/demand-sheet/{item}"),
    ]


# ----------------------------------------------------------------------- measuring
@dataclass(frozen=True)
class Service:
    port: int
    pid: int


@contextmanager
def demand(database_url: str, kafka_address: str, workdir: Path) -> Iterator[Service]:
    """The service as `python -m demand` runs it in production (JSON logs at INFO, here to
    a file), on the seeded database and topics of its own."""
    port = free_port()
    env = {
        "DEMAND_DATABASE_URL": database_url,
        "DEMAND_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_address,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:6]}.",
        "AUTH_MODE": "development",
        "AUTH_JWT_SECRET": JWT_SECRET,
    }
    ready = f"http://127.0.0.1:{port}/ready"
    with server(["-m", "demand"], env=env, ready_url=ready, log=workdir / "demand.log") as process:
        yield Service(port, process.pid)


def cpu_seconds(pid: int) -> float:
    """The processor time a process has had so far, all its threads, user and system."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measured:
    """One route as one caller, over the rounds: the round with the lowest p99 counts (other
    work on the machine only adds to it), and the service's processor time per answer."""

    label: str
    size: int
    rounds: list[Outcome] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def best(self) -> Outcome:
        return min(self.rounds, key=lambda o: o.percentile(99))

    @property
    def p99(self) -> float:
        return self.best.percentile(99)

    @property
    def errors(self) -> int:
        return sum(o.errors for o in self.rounds)

    def row(self) -> str:
        best, cpu, errors = self.best, statistics.median(self.cpu_ms), self.errors
        p99s = ", ".join(f"{o.percentile(99):.0f}" for o in self.rounds)
        first_error = next((o.first_error for o in self.rounds if o.first_error), "")
        marks = [
            "p99 ok" if self.p99 < P99_TARGET_MS else "P99 OVER",
            "size ok" if self.size < SIZE_TARGET else "SIZE OVER",
        ] + ([f"errors {errors} ({first_error[:80]})"] if errors else [])
        return (
            f"  {self.label:<24} {best.per_second:>7,.0f} {best.percentile(50):>7.1f} {self.p99:>7.1f}"
            f" ({p99s:>14}) {cpu:>6.2f} {self.size:>8,}   {'  '.join(marks)}"
        )


def measure(
    service: Service, seeded: Seeded, callers: list[str], seconds: float, concurrency: int, rounds: int
) -> dict[tuple[str, str], Measured]:
    """Every route as every caller, all of them once per round, by caller and route."""
    measured: dict[tuple[str, str], Measured] = {}
    # What the service spends with no request (its consumers, relay and publisher polling),
    # per second: taken off each route's time.
    before, started = cpu_seconds(service.pid), time.perf_counter()
    time.sleep(3)
    idle = (cpu_seconds(service.pid) - before) / (time.perf_counter() - started)
    print(f"  the service idle: {1000 * idle:.0f} ms of processor time per second", flush=True)
    for n in range(rounds):
        print(f"  round {n + 1} of {rounds}", flush=True)
        for caller in callers:
            header = CALLERS[caller]
            for label, path in [("floor: funding rules", "/v1/catalogue/funding-rules"), *routes(seeded, caller)]:
                first = httpx.get(f"http://127.0.0.1:{service.port}{path}", headers=[header], timeout=60)
                if first.status_code != 200:
                    raise RuntimeError(f"{path} as {caller}: {first.status_code} {first.text[:300]}")
                request = Request("GET", path, headers=(header,))
                before, started = cpu_seconds(service.pid), time.perf_counter()
                outcome = run_load("127.0.0.1", service.port, [request], concurrency=concurrency, seconds=seconds)
                # The unmeasured first second included, the idle service's share taken off.
                spent = cpu_seconds(service.pid) - before - idle * (time.perf_counter() - started)
                answered = sum(outcome.statuses.values()) + outcome.warm_up_answers
                one = measured.setdefault((caller, label), Measured(label, len(first.content)))
                one.rounds.append(outcome)
                one.cpu_ms.append(1000 * spent / max(answered, 1))
                one.size = max(one.size, outcome.largest)
    for caller in callers:
        who = f"the coordinator of {LEAD} (lead)" if caller == "lead" else f"the {DESK} desk"
        print(f"\n as {who}: the best of {rounds} rounds; p99 of each round; the service's processor time")
        print(f"  {'route':<24} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'(rounds)':>16} {'cpu ms':>6} {'bytes':>8}")
        for (who_, _), one in measured.items():
            if who_ != caller:
                continue
            print(one.row(), flush=True)
    return measured


def verdict(measured: dict[tuple[str, str], Measured]) -> str:
    """Each target, met or not, with the routes (as which caller) that miss it."""
    every = list(measured.items())
    slow = [f"{label} as {caller} ({one.p99:.0f} ms)" for (caller, label), one in every if one.p99 >= P99_TARGET_MS]
    large = [f"{label} as {caller} ({one.size:,} B)" for (caller, label), one in every if one.size >= SIZE_TARGET]
    failing = [f"{label} as {caller} ({one.errors})" for (caller, label), one in every if one.errors]
    largest = max((one.size for one in measured.values()), default=0)
    lines = [
        f"p99 < {P99_TARGET_MS:.0f} ms: "
        + (f"missed by {len(slow)} of {len(every)}: " + ", ".join(slow) if slow else "met"),
        f"answer < {SIZE_TARGET // 1000} kB: "
        + (f"missed by {len(large)}: " + ", ".join(large) if large else f"met (largest {largest:,} bytes)"),
    ] + ([f"errors: {', '.join(failing)}"] if failing else [])
    return "\n".join(lines)


async def _drop(maintenance_url: str, database_url: str) -> None:
    engine = create_async_engine(maintenance_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = parser.add_argument_group("the data")
    data.add_argument("--postgres", help="a PostgreSQL maintenance URL: a database of its own is created there")
    data.add_argument("--needs", type=int, default=100_000)
    data.add_argument("--bundles", type=int, default=1_000)
    data.add_argument("--big", type=int, default=10_000, help="lines of the one big bundle")
    data.add_argument("--workdir", type=Path, help="keep the database and the service's log in this folder")
    load = parser.add_argument_group("the load")
    load.add_argument("--callers", default="lead,desk", help="lead, desk or both, comma-separated")
    load.add_argument("--concurrency", type=int, default=8)
    load.add_argument("--seconds", type=float, default=2.0, help="counted seconds per route, caller and round")
    load.add_argument("--rounds", type=int, default=3, help="each route measured this often, the best counts")
    args = parser.parse_args()
    where = "PostgreSQL" if args.postgres else "SQLite"
    with tempfile.TemporaryDirectory(prefix="bench-read-") as tmp, kafka() as address:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.postgres:
            database_url = asyncio.run(fresh_database(args.postgres))
        else:
            database_url = f"sqlite+aiosqlite:///{workdir / 'demand.db'}"
        try:
            started = time.perf_counter()
            seeded = asyncio.run(seed(database_url, args.needs, args.bundles, args.big))
            print(
                f"reads of the demand service on {where}, {os.cpu_count()} cores: {args.needs:,} needs in"
                f" {args.bundles:,} bundles, one of {seeded.lines['lead']:,} lines (seeded in"
                f" {time.perf_counter() - started:.0f} s); concurrency {args.concurrency},"
                f" {args.seconds:.0f} s per route after 1 s unmeasured, {args.rounds} rounds; targets p99 <"
                f" {P99_TARGET_MS:.0f} ms,"
                f" answer < {SIZE_TARGET // 1000} kB",
                flush=True,
            )
            with demand(database_url, address, workdir) as service:
                measured = measure(
                    service, seeded, args.callers.split(","), args.seconds, args.concurrency, args.rounds
                )
        finally:
            if args.postgres:
                asyncio.run(_drop(args.postgres, database_url))
    print(f"\n{verdict(measured)}")


if __name__ == "__main__":
    main()
