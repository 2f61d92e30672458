"""``bundling-dlq``: look into a dead-letter topic and send its messages back.

Dead-lettered messages are kept, not dropped: once the cause is fixed (a consumer bug,
a missing reference), an operator replays them to the topic they came from. Replaying
twice is harmless because every consumer is idempotent on the event id.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import typer
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bundling_shared.settings import KafkaSettings
from bundling_shared.topics import DEAD_LETTER_SUFFIX

app = typer.Typer(add_completion=False, help=__doc__)

REPLAY_GROUP = "bundling-dlq-replay"


@dataclass(frozen=True)
class DeadLetter:
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def original_topic(self) -> str:
        return self.headers.get("dlq-original-topic", "")

    @property
    def original_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if not k.startswith("dlq-")}


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if not described or described[0].get("error_code", 0) != 0:
        return []
    return sorted(p["partition"] for p in described[0]["partitions"])


async def read_dead_letters(
    bootstrap: str, topic: str, *, group: str | None = None
) -> tuple[list[DeadLetter], dict[TopicPartition, int]]:
    """Everything in `topic` up to its end as of now (after `group`'s committed offsets, if
    a group is given), and the offsets it read up to."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
        if not partitions:
            raise typer.BadParameter(f"topic {topic} does not exist")
        consumer.assign(partitions)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        for tp in partitions:
            if group is None:
                await consumer.seek_to_beginning(tp)
            while await consumer.position(tp) < ends[tp]:
                for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                    if record.offset < ends[tp]:
                        headers = {k: v.decode(errors="replace") for k, v in record.headers}
                        letters.append(DeadLetter(record.offset, record.key, record.value or b"", headers))
        return letters, ends
    finally:
        await consumer.stop()


async def replay(bootstrap: str, topic: str) -> int:
    """Send every not-yet-replayed message of `topic` back to its original topic, then
    remember how far it got, so the next replay starts after it."""
    letters, ends = await read_dead_letters(bootstrap, topic, group=REPLAY_GROUP)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.original_topic or topic.removesuffix(DEAD_LETTER_SUFFIX),
                letter.value,
                key=letter.key,
                headers=[(k, v.encode()) for k, v in letter.original_headers.items()],
            )
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=REPLAY_GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.commit(ends)
    finally:
        await consumer.stop()
    return len(letters)


@app.command()
def show(topic: str, limit: int = typer.Option(50, help="most recent N")) -> None:
    """List what a dead-letter topic holds, with the error of each message."""
    letters, _ = asyncio.run(read_dead_letters(KafkaSettings().bootstrap_servers, topic))
    for letter in letters[-limit:]:
        typer.echo(
            f"offset={letter.offset} key={(letter.key or b'').decode(errors='replace')} "
            f"from={letter.original_topic}@{letter.headers.get('dlq-original-offset', '?')} "
            f"attempts={letter.headers.get('dlq-attempts', '?')} "
            f"error={letter.headers.get('dlq-error-type', '?')}: {letter.headers.get('dlq-error', '')[:200]}"
        )
    typer.echo(f"{len(letters)} message(s) in {topic}")


@app.command("replay")
def replay_command(topic: str) -> None:
    """Send the messages not replayed before back to the topic they came from."""
    count = asyncio.run(replay(KafkaSettings().bootstrap_servers, topic))
    typer.echo(f"replayed {count} message(s) from {topic}")


if __name__ == "__main__":
    app()
