"""The envelope every event travels in, and the rules for telling versions apart."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, Self, TypeVar, Union
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from bundling_shared.ids import time_ordered_uuid
from bundling_shared.logging import current_correlation_id

PayloadT = TypeVar("PayloadT", bound=BaseModel)


class EventEnvelope(BaseModel, Generic[PayloadT]):
    """Metadata shared by all events; `payload` is the versioned, typed body."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    schema_version: int
    occurred_at: datetime
    producer: str = Field(description="Service that emitted the event.")
    aggregate_id: str = Field(description="Kafka message key: per-aggregate order holds.")
    correlation_id: str = Field(description="Ties together every event of one user action.")
    causation_id: str | None = Field(default=None, description="The event or request that caused this one.")
    nation: str | None = Field(default=None, description="ISO 3166-1 alpha-3 code where one nation is concerned.")
    organisation: str | None = Field(default=None, description="Agency or company where one is concerned.")
    payload: PayloadT

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]

    def __init_subclass__(cls, *, type: str | None = None, version: int | None = None, **kwargs: Any) -> None:
        """`class XV1(EventEnvelope[P], type="...", version=1)` names the pair once.

        The pair becomes the class's `TYPE`/`VERSION` and the literal types of its
        `event_type`/`schema_version` fields, on which consumers discriminate; pydantic
        reads the fields after this hook, so they are part of the model and its schema.
        """
        if (type is None) != (version is None):
            raise TypeError(f"{cls.__name__}: an event names both its type and its version")
        if type is not None and version is not None:
            cls.TYPE, cls.VERSION = type, version
            annotations = inspect.get_annotations(cls)
            annotations["event_type"] = Literal[type]
            annotations["schema_version"] = Literal[version]
            cls.__annotations__ = annotations
            cls.event_type, cls.schema_version = type, version
        super().__init_subclass__(**kwargs)

    @classmethod
    def create(
        cls,
        payload: Any,
        *,
        aggregate_id: str,
        producer: str,
        nation: str | None = None,
        organisation: str | None = None,
        causation_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Self:
        """Build an event with fresh id and time, inheriting the current correlation id."""
        return cls(
            event_id=time_ordered_uuid(),
            event_type=cls.TYPE,
            schema_version=cls.VERSION,
            occurred_at=datetime.now(UTC),
            producer=producer,
            aggregate_id=aggregate_id,
            correlation_id=correlation_id or current_correlation_id() or str(uuid4()),
            causation_id=causation_id,
            nation=nation,
            organisation=organisation,
            payload=payload,
        )


def event_union(*classes: type[EventEnvelope[Any]]) -> Any:
    """A pydantic type accepting exactly these (type, version) pairs; anything else is invalid.

    Consumers annotate their handler with it, so an unknown type or version fails
    validation and is dead-lettered instead of being half-understood. The type selects a
    union of its versions, the version selects the schema: both are discriminators on a
    field, which pydantic resolves while parsing the JSON, without building a dict first.
    Type and version are always read from the message, never taken from a model's default
    (with one type too).
    """
    versions: dict[str, list[type[EventEnvelope[Any]]]] = {}
    for cls in classes:
        versions.setdefault(cls.TYPE, []).append(cls)
    by_type = [
        Annotated[Union[tuple(members)], Field(discriminator="schema_version")]  # noqa: UP007
        for members in versions.values()
    ]
    return Annotated[Union[tuple(by_type)], Field(discriminator="event_type")]  # noqa: UP007
