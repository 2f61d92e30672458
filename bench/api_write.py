"""Benchmark of the write path users feel, printed as ratios measured side by side in one run.

Three writes, each sent to three servers with the same bodies and the same bounded load
(closed loop, concurrency 1, 8 and 32, a fixed time each):

- `POST /v1/needs` (a desk registers a need, with a fresh Idempotency-Key each time);
- `POST /v1/bundles/{id}/participation` (desks confirm their part of open bundles);
- `POST /v1/frameworks/{id}/call-offs` (desks call off from their frameworks);

to the platform's service as it runs in production (`python -m demand` and `python -m
contracts`: authentication, strict input, idempotency, the outbox and its relay, and the
Kafka consumers, the demand aggregator among them, in the same process), to a minimal
peer (`bench/peers.py minimal`: the same request model, one row inserted with SQLAlchemy
async on the same database, committed) and to a bare one (`bench/peers.py bare`: parses
and answers). Printed: requests/s, p50 and p99 per server and level, errors, and the
platform's throughput as a share of the minimal peer's.

    uv run python bench/api_write.py                          # SQLite, 6 s per measurement
    uv run python bench/api_write.py --postgres postgresql+asyncpg://bundling:bundling@127.0.0.1:54359/postgres
    uv run python bench/api_write.py --writes needs --levels 8 --seconds 10

Kafka: BENCH_KAFKA_BOOTSTRAP (an existing broker) or one started for the run (bench/servers.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import Outcome, Request, run_load
from bench.servers import JWT_SECRET, free_port, fresh_database, kafka, server

os.environ.setdefault("AUTH_MODE", "development")
os.environ.setdefault("AUTH_JWT_SECRET", JWT_SECRET)

from bundling_shared.auth import Role
from bundling_shared.auth.tokens import mint_token
from bundling_shared.settings import AuthSettings

NATIONS = ["NLD", "DEU", "CZE", "DNK", "POL", "ESP", "ROU", "NOR"]
ITEMS = ["AMMO-155MM", "AMMO-120MM", "VSRAT", "NLAW"]
THIS_YEAR = date.today().year


def bearer(role: Role, nation: str | None = None, org: str | None = None) -> tuple[str, str]:
    subject = f"bench-{role.value}-{nation or org}"
    token = mint_token(AuthSettings(), role=role, subject=subject, nation=nation, organisation=org)
    return ("authorization", f"Bearer {token}")


def desk(nation: str) -> tuple[str, str]:
    return bearer(Role.NATION_DESK, nation=nation)


def need_body(nation: str, item: str, quantity: int, first_year: int) -> dict[str, Any]:
    return {
        "nation": nation,
        "item_code": item,
        "quantity": quantity,
        "delivery_window": {"start": f"{first_year}-01-01", "end": f"{first_year + 1}-12-31"},
    }


def as_json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


@dataclass
class Servers:
    """Where each server of one write answers, and its process."""

    platform: Running
    minimal: Running
    bare: Running


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def profiled(pid: int | None, seconds: float, folder: Path | None, write: Write, concurrency: int) -> Iterator[None]:
    """py-spy samples the platform's process (all its threads, CPU only) while the load
    runs; the stacks are kept in `folder` and the functions most often on them printed."""
    if pid is None or folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{write.name}-c{concurrency}.txt"
    spy = subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds) + 1), "--rate", "200",
         "--format", "raw", "--output", str(out), "--nonblocking", "--gil"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        spy.wait(timeout=60)
    print(top_functions(out), flush=True)


def top_functions(stacks: Path, count: int = 12) -> str:
    """From py-spy's folded stacks (samples holding the GIL): the share of samples per
    task the event loop ran (the first frame under the loop's handle: an HTTP request, a
    Kafka subscriber, the outbox relay...), then the functions most often at the top."""
    tasks: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for row in stacks.read_text().splitlines():
        folded, _, n = row.rpartition(" ")
        if not n.isdigit():  # a frame's name that held a line break: not a sample of its own
            continue
        samples = int(n)
        total += samples
        frames = [frame.split(" (")[0] for frame in folded.split(";")]
        handle = "Handle._run"
        task = frames[frames.index(handle) + 1] if handle in frames[:-1] else "outside a task: " + frames[-1]
        tasks[task] += samples
        own[folded.split(";")[-1]] += samples
    lines = [f"   profile of the platform: {total} samples holding the GIL, in % by task"]
    lines += [f"   {100 * n / total:5.1f}  {name}" for name, n in tasks.most_common(count)]
    lines.append("   ... and by function at the top of the stack")
    lines += [f"   {100 * n / total:5.1f}  {name}" for name, n in own.most_common(count)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Write:
    name: str
    route: str
    service: str  # the platform's service that takes it
    prepare: Callable[[str], list[Request]]  # from the platform's base URL: the requests to send


# ----------------------------------------------------------------------- the three writes
def needs_requests(_: str) -> list[Request]:
    """Every desk registers needs of one item and window: they all join one bundle, which
    grows by a line with each (as the largest real bundles do)."""
    return [
        Request(
            "POST",
            "/v1/needs",
            (desk(nation),),
            as_json(need_body(nation, "AMMO-155MM", 100, THIS_YEAR + 2)),
            fresh_header="idempotency-key",
        )
        for nation in NATIONS
    ]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def participation_requests(base: str) -> list[Request]:
    """Bundles of four items in four delivery windows, each holding a need of every desk's
    nation, opened for accession by the nation with the largest share; desks then confirm
    their part, each time a quantity other than the last (a real change, a new revision)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        owned: dict[tuple[str, int], list[str]] = {}
        for item in ITEMS:
            for window in range(4):
                first_year = THIS_YEAR + 10 + 3 * window
                ids = []
                for rank, nation in enumerate(NATIONS):
                    body = need_body(nation, item, 1000 - rank, first_year)
                    answer = http.post("/v1/needs", json=body, headers=dict([desk(nation)]))
                    answer.raise_for_status()
                    ids.append(answer.json()["id"])
                owned[(item, first_year)] = ids
        deadline = (date.today() + timedelta(days=300)).isoformat()
        lead = bearer(Role.COORDINATOR, nation=NATIONS[0])
        bundles = []
        for ids in owned.values():

            def bundled(need_id: str = ids[-1]) -> str | None:
                need = http.get(f"/v1/needs/{need_id}", headers=dict([desk(NATIONS[-1])])).json()
                return need["bundle_id"] if need["status"] == "bundled" else None

            bundle_id = wait_for("the needs to be bundled", bundled)
            opened = http.post(
                f"/v1/bundles/{bundle_id}/open",
                json={"deadline": deadline, "minimum_nations": 2},
                headers=dict([lead]),
            )
            opened.raise_for_status()
            bundles.append(bundle_id)
    return [
        Request(
            "POST",
            f"/v1/bundles/{bundle_id}/participation",
            (desk(nation),),
            as_json({"decision": "confirm", "quantity": 500 + turn}),
        )
        for turn in range(2)
        for nation in NATIONS
        for bundle_id in bundles
    ]


def call_off_requests(base: str) -> list[Request]:
    """Each desk's nation runs a framework of its own with one supplier; its desk calls off
    from it (a direct call-off at the framework's price)."""
    requests = []
    until = (date.today() + timedelta(days=3 * 365)).isoformat()
    with httpx.Client(base_url=base, timeout=30) as http:
        coordinator = dict([bearer(Role.COORDINATOR, nation=NATIONS[0])])
        supplier = {"organisation": "BENCH-MUNITIONS", "country": "NOR", "security_declaration_valid_until": until}
        registered = http.post("/v1/suppliers", json=supplier, headers=coordinator)
        registered.raise_for_status()
        supplier_id = registered.json()["id"]
        for nation in NATIONS:
            body = {
                "item_code": "AMMO-155MM",
                "participants": {nation: 1_000_000_000},
                "ceiling_quantity": 1_000_000_000,
                "start": date.today().isoformat(),
                "end": f"{THIS_YEAR + 6}-12-31",
            }
            answer = http.post("/v1/frameworks", json=body, headers=dict([desk(nation)]))
            answer.raise_for_status()
            framework_id = answer.json()["id"]
            priced = {"supplier_id": supplier_id, "unit_price_eur": "3200.00"}
            http.post(
                f"/v1/frameworks/{framework_id}/suppliers", json=priced, headers=dict([desk(nation)])
            ).raise_for_status()
            call_off = {"item_code": "AMMO-155MM", "quantity": 10, "delivery_due": f"{THIS_YEAR + 2}-06-30"}
            path = f"/v1/frameworks/{framework_id}/call-offs"
            requests.append(Request("POST", path, (desk(nation),), as_json(call_off)))
    return requests


WRITES = {
    "needs": Write("needs", "POST /v1/needs", "demand", needs_requests),
    "participation": Write("participation", "POST /v1/bundles/{id}/participation", "demand", participation_requests),
    "call-offs": Write("call-offs", "POST /v1/frameworks/{id}/call-offs", "contracts", call_off_requests),
}


# ----------------------------------------------------------------------- the servers
@dataclass(frozen=True)
class Running:
    port: int
    pid: int


@contextmanager
def platform(service: str, database_url: str, kafka_address: str, workdir: Path) -> Iterator[Running]:
    """The service as `python -m <service>` runs it in production (JSON logs at INFO, here
    to a file), on a database and topics of its own."""
    port = free_port()
    env = {
        f"{service.upper()}_DATABASE_URL": database_url,
        f"{service.upper()}_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_address,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:6]}.",
        "AUTH_MODE": "development",
        "AUTH_JWT_SECRET": JWT_SECRET,
    }
    log = workdir / f"{service}.log"
    with server(["-m", service], env=env, ready_url=f"http://127.0.0.1:{port}/ready", log=log) as process:
        yield Running(port, process.pid)


@contextmanager
def peer(kind: str, database_url: str, workdir: Path) -> Iterator[Running]:
    port = free_port()
    args = ["-m", "bench.peers", kind, "--port", str(port), "--database-url", database_url]
    with server(args, env={}, ready_url=f"http://127.0.0.1:{port}/health", log=workdir / f"{kind}.log") as process:
        yield Running(port, process.pid)


def database(postgres: str | None, workdir: Path, name: str) -> str:
    if postgres:
        return asyncio.run(fresh_database(postgres))
    return f"sqlite+aiosqlite:///{workdir / name}.db"


# ----------------------------------------------------------------------- measuring
def line(label: str, outcome: Outcome, cpu: float) -> str:
    """`cpu`: the server's CPU seconds over the whole run (warm-up included), per answer."""
    errors = f"  errors {outcome.errors} ({outcome.first_error[:120]})" if outcome.errors else ""
    answers = outcome.ok + outcome.warm_up_answers
    return (
        f"  {label:<9} {outcome.per_second:>8,.0f} req/s   p50 {outcome.percentile(50):>7.1f} ms"
        f"   p99 {outcome.percentile(99):>7.1f} ms   CPU {1000 * cpu / max(answers, 1):5.2f} ms/answer{errors}"
    )


def measure(
    write: Write, servers: Servers, requests: list[Request], levels: list[int], seconds: float, profile: Path | None
) -> None:
    print(f"\n{write.route}")
    for concurrency in levels:
        print(f" concurrency {concurrency}")
        outcomes: dict[str, Outcome] = {}
        for label, target in (("bare", servers.bare), ("minimal", servers.minimal), ("platform", servers.platform)):
            spied = target.pid if label == "platform" and profile else None
            with profiled(spied, seconds, profile, write, concurrency):
                cpu = cpu_seconds(target.pid)
                outcomes[label] = run_load("127.0.0.1", target.port, requests, concurrency=concurrency, seconds=seconds)
                cpu = cpu_seconds(target.pid) - cpu
            print(line(label, outcomes[label], cpu), flush=True)
            time.sleep(1.0)  # the platform's consumers and relay finish what the load left them
        ratio = outcomes["platform"].per_second / max(outcomes["minimal"].per_second, 1e-9)
        p99 = outcomes["platform"].percentile(99)
        print(f"  platform / minimal peer: {ratio:6.1%}   (target >= 70 %)   platform p99 {p99:.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL maintenance URL: databases of their own are created there")
    parser.add_argument("--writes", default=",".join(WRITES), help="which writes, comma-separated")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=6.0, help="counted seconds per measurement")
    parser.add_argument("--workdir", type=Path, help="keep the databases and the servers' logs in this folder")
    parser.add_argument("--profile", type=Path, help="sample the platform with py-spy, stacks kept in this folder")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    writes = [WRITES[name] for name in args.writes.split(",")]
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"write path on {where}, {os.cpu_count()} cores, {args.seconds:.0f} s per measurement after 1 s unmeasured")
    with tempfile.TemporaryDirectory(prefix="bench-write-") as tmp, kafka() as address:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for write in writes:
            with ExitStack() as stack:
                platform_port = stack.enter_context(
                    platform(write.service, database(args.postgres, workdir, write.service), address, workdir)
                )
                minimal = stack.enter_context(peer("minimal", database(args.postgres, workdir, "peer"), workdir))
                bare = stack.enter_context(peer("bare", "", workdir))
                requests = write.prepare(f"http://127.0.0.1:{platform_port.port}")
                servers = Servers(platform_port, minimal, bare)
                measure(write, servers, requests, levels, args.seconds, args.profile)


if __name__ == "__main__":
    main()
