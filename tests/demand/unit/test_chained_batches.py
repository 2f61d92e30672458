"""The aggregator's subscriber takes one batch after another while the one before is
applied: a batch's offsets are committed only after its transaction, and a batch that
fails rewinds every partition to its first record not committed. Against a consumer in
memory; the real broker is in tests/demand/integration/test_batch_aggregation.py."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from bundling_shared.events.demand import DeliveryWindow, NeedRegisteredPayload, NeedRegisteredV1
from demand.entrypoints.subscribers import _chained
from demand.service_layer.aggregator import Before, NeedChange, Relay


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    value: bytes


@dataclass
class Consumer:
    """Hands out the batches given, one per poll, then nothing."""

    batches: list[list[Record]]
    committed: list[dict[TopicPartition, int]] = field(default_factory=list)
    sought: dict[TopicPartition, int] = field(default_factory=dict)

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[Record]]:
        if not self.batches:
            return {}
        polled: dict[TopicPartition, list[Record]] = {}
        for record in self.batches.pop(0):
            polled.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        return polled

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(offsets)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.sought[partition] = offset


def batch(need: str, *at: tuple[int, int]) -> list[Record]:
    """Records at (partition, offset), each naming `need`."""
    return [Record("needs", partition, offset, need.encode()) for partition, offset in at]


def event(need_id: str) -> NeedChange:
    payload = NeedRegisteredPayload(
        need_id=need_id,
        nation="NLD",
        item_code="NLAW",
        quantity=1,
        delivery_window=DeliveryWindow(start=date(2027, 1, 1), end=date(2027, 12, 31)),
    )
    registered: NeedRegisteredV1 = NeedRegisteredV1.create(payload, aggregate_id=need_id, producer="test")
    return registered


async def read(records: Any, values: Any) -> list[NeedChange]:
    return [event(value.decode()) for value in values]


def tp(partition: int) -> TopicPartition:
    return TopicPartition("needs", partition)


async def test_each_batch_is_begun_while_the_one_before_is_applied_and_committed_after_it() -> None:
    first = batch("a", (0, 10), (1, 20))
    consumer = Consumer([batch("b", (0, 11), (1, 21)), batch("b", (0, 12)), batch("c", (1, 22))])
    applied: list[tuple[str, bool]] = []
    commits_seen: list[int] = []

    async def apply(events: list[NeedChange], before: Before | None, relay: Relay) -> None:
        need = events[0].payload.need_id
        applied.append((need, before is not None and not before.applied.done()))  # begun before that one ended
        commits_seen.append(len(consumer.committed))
        await asyncio.sleep(0.01)

    values = [record.value for record in first]
    await _chained(cast(AIOKafkaConsumer, consumer), list(first), values, read, apply, overlapping=True)

    # "b" twice in a row: the second is begun once the first is done, the others before.
    assert applied == [("a", False), ("b", True), ("b", False), ("c", True)]
    # The offsets of every batch but the last (FastStream commits those), each after its
    # transaction: when a batch begins, the one two before it is committed.
    assert consumer.committed == [{tp(0): 11, tp(1): 21}, {tp(0): 12, tp(1): 22}, {tp(0): 13}]
    assert all(seen >= n - 1 for n, seen in enumerate(commits_seen))
    assert consumer.sought == {}


async def test_a_batch_that_fails_rewinds_every_partition_to_its_first_record_not_committed() -> None:
    first = batch("a", (0, 10))
    consumer = Consumer([batch("b", (0, 11), (1, 20)), batch("c", (1, 21), (2, 5)), batch("d", (0, 13))])

    async def apply(events: list[NeedChange], before: Before | None, relay: Relay) -> None:
        if before is not None:
            await before.applied
        if events[0].payload.need_id == "b":
            raise ConnectionError("database restarting")

    values = [record.value for record in first]
    with pytest.raises(ConnectionError):
        await _chained(cast(AIOKafkaConsumer, consumer), list(first), values, read, apply, overlapping=True)

    assert consumer.committed == [{tp(0): 11}]  # "a" only
    assert consumer.sought == {tp(0): 11, tp(1): 20, tp(2): 5}  # "b" and "c", read but not applied
    assert consumer.batches == [batch("d", (0, 13))]  # nothing read after the failure


async def test_without_a_consumer_only_the_batch_given_is_applied() -> None:
    applied: list[str] = []

    async def apply(events: list[NeedChange], before: Before | None, relay: Relay) -> None:
        applied.append(events[0].payload.need_id)

    first = batch("a", (0, 1))
    await _chained(None, list(first), [record.value for record in first], read, apply, overlapping=True)
    assert applied == ["a"]
