"""The one event the notifications service emits, built from the endpoint it concerns:
its owner hears that the endpoint was switched off, and why, without having to poll."""

from __future__ import annotations

from bundling_shared.events.notifications import EndpointDisabledPayload, EndpointDisabledV1
from notifications.domain.endpoint import Endpoint

PRODUCER = "notifications"


def endpoint_disabled(endpoint: Endpoint) -> EndpointDisabledV1:
    """Keyed by the endpoint, so that its events stay in order."""
    return EndpointDisabledV1.create(
        EndpointDisabledPayload(
            endpoint_id=endpoint.id,
            organisation=endpoint.organisation,
            url=endpoint.url,
            reason=endpoint.disabled_reason or "disabled",
        ),
        aggregate_id=endpoint.id,
        producer=PRODUCER,
        organisation=endpoint.organisation,
    )
