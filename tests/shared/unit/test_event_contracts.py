import json
from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from bundling_shared.events.demand import (
    BundleEvent,
    DeliveryWindow,
    JointOrderCommittedPayload,
    JointOrderCommittedV1,
    JointOrderLine,
    NeedEvent,
    NeedRegisteredPayload,
    NeedRegisteredV1,
    NeedWithdrawnV1,
)
from bundling_shared.events.envelope import EventEnvelope, event_union
from bundling_shared.logging import bind_correlation_id
from bundling_shared.messaging.outbox import event_headers


def registered() -> NeedRegisteredV1:
    event: NeedRegisteredV1 = NeedRegisteredV1.create(
        NeedRegisteredPayload(
            need_id="need-1",
            nation="NLD",
            item_code="VSRAT",
            quantity=12,
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2025, 12, 31)),
        ),
        aggregate_id="need-1",
        producer="demand",
        nation="NLD",
    )
    return event


def test_the_envelope_round_trips_with_all_metadata() -> None:
    event = registered()
    parsed = TypeAdapter(NeedEvent).validate_json(event.model_dump_json())
    assert parsed == event
    assert parsed.event_type == "demand.need.registered" and parsed.schema_version == 1
    assert parsed.producer == "demand" and parsed.nation == "NLD" and parsed.aggregate_id == "need-1"


def test_an_unknown_schema_version_is_rejected_not_guessed() -> None:
    body = registered().model_dump(mode="json")
    body["schema_version"] = 2
    with pytest.raises(ValidationError, match="schema_version"):
        TypeAdapter(NeedEvent).validate_python(body)
    with pytest.raises(ValidationError, match="schema_version"):
        TypeAdapter(NeedEvent).validate_json(json.dumps(body))


def test_a_message_without_its_version_is_rejected_not_defaulted() -> None:
    body = registered().model_dump(mode="json")
    del body["schema_version"]
    with pytest.raises(ValidationError, match="schema_version"):
        TypeAdapter(NeedEvent).validate_json(json.dumps(body))


def test_a_message_without_its_type_is_rejected_even_where_one_type_is_expected() -> None:
    body = registered().model_dump(mode="json")
    del body["event_type"]
    for union in (NeedEvent, event_union(NeedRegisteredV1)):
        with pytest.raises(ValidationError, match="event_type"):
            TypeAdapter(union).validate_json(json.dumps(body))


class NeedRegisteredV2(EventEnvelope[NeedRegisteredPayload], type="demand.need.registered", version=2):
    """A second version of one type, as a breaking change would bring."""


def test_an_event_names_its_type_and_version_once_for_class_fields_and_schema() -> None:
    assert (NeedRegisteredV2.TYPE, NeedRegisteredV2.VERSION) == ("demand.need.registered", 2)
    properties = NeedRegisteredV2.model_json_schema()["properties"]
    assert properties["event_type"]["const"] == "demand.need.registered"
    assert properties["schema_version"]["const"] == 2
    event = NeedRegisteredV2.create(registered().payload, aggregate_id="need-1", producer="demand")
    assert (event.event_type, event.schema_version) == ("demand.need.registered", 2)


def test_an_event_with_a_type_but_no_version_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="both its type and its version"):

        class Halfway(EventEnvelope[NeedRegisteredPayload], type="demand.need.registered"):
            pass


def test_two_versions_of_one_type_are_told_apart() -> None:
    both = TypeAdapter(event_union(NeedRegisteredV1, NeedRegisteredV2, NeedWithdrawnV1))
    body = registered().model_dump(mode="json")
    assert type(both.validate_json(json.dumps(body))) is NeedRegisteredV1
    body["schema_version"] = 2
    assert type(both.validate_json(json.dumps(body))) is NeedRegisteredV2
    body["schema_version"] = 3
    with pytest.raises(ValidationError, match="schema_version"):
        both.validate_json(json.dumps(body))


def test_an_unknown_event_type_is_rejected() -> None:
    body = registered().model_dump(mode="json")
    body["event_type"] = "demand.need.teleported"
    with pytest.raises(ValidationError):
        TypeAdapter(NeedEvent).validate_python(body)


def test_a_union_tells_its_members_apart() -> None:
    event = JointOrderCommittedV1.create(
        JointOrderCommittedPayload(
            bundle_id="b-1",
            item_code="VSRAT",
            lead="NSPA",
            lines=[JointOrderLine(nation="NLD", quantity=4, need_ids=["n"])],
            total_quantity=4,
            delivery_window=DeliveryWindow(start=date(2025, 1, 1), end=date(2025, 6, 1)),
            committed_by="c",
        ),
        aggregate_id="b-1",
        producer="demand",
    )
    assert isinstance(TypeAdapter(BundleEvent).validate_json(event.model_dump_json()), JointOrderCommittedV1)


def test_events_inherit_the_correlation_id_of_the_request() -> None:
    bind_correlation_id("corr-42")
    try:
        event = registered()
    finally:
        bind_correlation_id(None)
    assert event.correlation_id == "corr-42"
    assert event_headers(event)["correlation-id"] == "corr-42"
    assert event_headers(event)["event-type"] == "demand.need.registered"
