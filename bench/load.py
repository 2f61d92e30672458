"""A closed-loop HTTP/1.1 load driver for the benchmarks, run in a process of its own.

Each of `concurrency` workers keeps one keep-alive connection and sends its next request
as soon as the answer to the last one is read, for a fixed time: the same bounded load
for every server a benchmark compares. Requests are bytes built once; a request may carry
a header whose value is made fresh for each sending (an Idempotency-Key). The driver is a
plain asyncio loop on sockets, so that it takes little of the cores the servers share.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    fresh_header: str | None = None  # a header given a new value with each sending

    def head(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"host: {host}", f"content-length: {len(self.body)}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body:
            lines.append("content-type: application/json")
        return ("\r\n".join(lines) + "\r\n").encode()

    def encode(self, head: bytes) -> bytes:
        fresh = f"{self.fresh_header}: {uuid.uuid4().hex}\r\n".encode() if self.fresh_header else b""
        return head + fresh + b"\r\n" + self.body


@dataclass
class Outcome:
    """What one run of load gave: latencies of the answers in 2xx, and what was not."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    largest: int = 0
    first_error: str = ""
    warm_up_answers: int = 0

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300) + sum(self.failures.values())

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile of the latencies in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000 if self.latencies else float("nan")


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() == "close"


async def _drive(
    host: str, port: int, requests: Sequence[Request], concurrency: int, seconds: float, warm_up: float
) -> Outcome:
    heads = [r.head(f"{host}:{port}") for r in requests]
    turns = itertools.count()
    begin = time.perf_counter()
    counting_from = begin + warm_up
    stop = counting_from + seconds
    outcome = Outcome(seconds=seconds)

    async def worker() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while (now := time.perf_counter()) < stop:
            n = next(turns) % len(requests)
            sent = time.perf_counter()
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(requests[n].encode(heads[n]))
                status, body, close = await _answer(reader)
                took = time.perf_counter() - sent
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if sent >= counting_from:
                    outcome.failures[type(exc).__name__] += 1
                    outcome.first_error = outcome.first_error or repr(exc)
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
                continue
            if close:
                writer.close()
                reader = writer = None
            if now < counting_from:
                outcome.warm_up_answers += 1
                continue
            outcome.statuses[status] += 1
            if 200 <= status < 300:
                outcome.latencies.append(took)
                outcome.largest = max(outcome.largest, len(body))
            elif not outcome.first_error:
                outcome.first_error = f"{status} {body[:300]!r}"
        if writer is not None:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcome


def _child(
    queue: multiprocessing.Queue[Outcome],
    host: str,
    port: int,
    requests: Sequence[Request],
    concurrency: int,
    seconds: float,
    warm_up: float,
) -> None:
    queue.put(asyncio.run(_drive(host, port, requests, concurrency, seconds, warm_up)))


def run_load(
    host: str,
    port: int,
    requests: Sequence[Request],
    *,
    concurrency: int,
    seconds: float,
    warm_up: float = 1.0,
) -> Outcome:
    """Drive the server with the requests in turn for `warm_up` seconds (not counted), then
    `seconds` counted, from a process of its own; answers outside 2xx count as errors."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[Outcome] = context.Queue()
    process = context.Process(
        target=_child, args=(queue, host, port, list(requests), concurrency, seconds, warm_up), daemon=True
    )
    process.start()
    outcome = queue.get(timeout=warm_up + seconds + 120)
    process.join(timeout=30)
    return outcome
