"""Events of the notifications context."""

from __future__ import annotations

from pydantic import BaseModel

from bundling_shared.events.envelope import EventEnvelope, event_union


class EndpointDisabledPayload(BaseModel):
    """An endpoint that only failed for days, or answered 410, was switched off; its owner
    is told so it can fix and resume it."""

    endpoint_id: str
    organisation: str
    url: str
    reason: str


class EndpointDisabledV1(EventEnvelope[EndpointDisabledPayload], type="notifications.endpoint.disabled", version=1):
    pass


EndpointEvent = event_union(EndpointDisabledV1)
