"""What an operator sees of one flow through the three service processes on the real
broker: a coordinator commits a joint order; demand publishes it through its outbox,
contracts makes the contract and publishes that through its own, notifications sends a
company the webhook. That is one trace (each service writes its spans to a file,
`TRACING_FILE`, read here), and each service's `/metrics` counted its part."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import bundled, commit, contracted, eventually, register_endpoint, register_need

pytestmark = pytest.mark.e2e

Span = dict[str, Any]

WEBHOOK = "webhook attempt"


def spans_of(platform: Platform) -> list[Span]:
    found = []
    for service in platform.services:
        path = Path(service.env["TRACING_FILE"])
        if path.exists():
            found += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return found


COMMIT_REQUEST = "POST /v1/bundles/{bundle_id}/commit"


def whole_trace(platform: Platform, prefix: str) -> list[Span] | None:
    """Every span, once the commit request's trace holds a span of each hop: each service
    writes its spans to its file in batches, in its own time, so the webhook's span can
    be written before the spans of contracts, which ended earlier."""
    spans = spans_of(platform)
    requests = [s for s in spans if s["service"] == "demand" and s["name"] == COMMIT_REQUEST]
    if len(requests) != 1:
        return None
    hops = {(s["service"], s["name"]) for s in spans if s["trace_id"] == requests[0]["trace_id"]}
    bundles, contracts = f"{prefix}demand.bundles", f"{prefix}contracts.contracts"
    needed = {
        ("demand", f"{bundles} create"),
        ("contracts", f"{bundles} process"),
        ("contracts", f"{contracts} create"),
        ("notifications", f"{contracts} process"),
        ("notifications", WEBHOOK),
    }
    return spans if needed <= hops else None


def one(spans: Iterable[Span], what: str, **fields: Any) -> Span:
    matching = [s for s in spans if all(s[k] == v for k, v in fields.items())]
    assert len(matching) == 1, f"{what}: {len(matching)} spans match {fields}"
    return matching[0]


def ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span["parent_span_id"] in by_id:
        span = by_id[span["parent_span_id"]]
        chain.append(span)
    return chain


def sample(url: str, name: str, **labels: str) -> float | None:
    """The value of one series of the service's `/metrics`, scraped as Prometheus does."""
    text = httpx.get(f"{url}/metrics").text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def test_a_committed_joint_order_is_one_trace_from_the_request_to_the_companys_webhook_and_counted(
    traced_platform: Platform,
) -> None:
    platform = traced_platform
    prefix = platform.demand.env["KAFKA_TOPIC_PREFIX"]
    register_endpoint(platform, "NAMMO", ["contract.created"])
    register_need(platform, "NLD", "AMMO-155MM", 10_000)
    register_need(platform, "CZE", "AMMO-155MM", 25_000)
    bundle = bundled(platform, "AMMO-155MM", {"NLD", "CZE"})
    commit(platform, bundle["id"], lead="CZE")
    contracted(platform, bundle["id"], lead="CZE")
    assert len(platform.receiver.wait_for(1)) == 1

    spans = eventually(lambda: whole_trace(platform, prefix), what="a span of each hop of the commit's trace")
    request = one(spans, "the commit request", service="demand", kind="SERVER", name=COMMIT_REQUEST)
    trace = [s for s in spans if s["trace_id"] == request["trace_id"]]
    by_id = {s["span_id"]: s for s in trace}
    assert {s["service"] for s in trace} == {"demand", "contracts", "notifications"}

    # demand: the relay's later publish of the joint order continues the request's trace
    committed_topic = f"{prefix}demand.bundles"
    produced = one(trace, "demand's publish", service="demand", kind="PRODUCER", name=f"{committed_topic} create")
    assert request in ancestors(produced, by_id)

    # contracts: its consumer's parent is demand's producer span; the contract it makes
    # is published in the same trace, from its own outbox
    consumed = one(trace, "contracts' consumer", service="contracts", name=f"{committed_topic} process")
    assert consumed["kind"] == "CONSUMER"
    assert consumed["parent_span_id"] == produced["span_id"]
    contract_topic = f"{prefix}contracts.contracts"
    created = one(trace, "contracts' publish", service="contracts", kind="PRODUCER", name=f"{contract_topic} create")
    assert consumed in ancestors(created, by_id)
    assert any(s["service"] == "contracts" and s["kind"] == "CLIENT" for s in trace), "its database statements"

    # notifications: consumes the contract, then the webhook attempt to the company
    told = one(trace, "notifications' consumer", service="notifications", name=f"{contract_topic} process")
    assert told["parent_span_id"] == created["span_id"]
    attempt = one(trace, "the webhook attempt", service="notifications", name=WEBHOOK)
    assert told in ancestors(attempt, by_id)
    assert attempt["attributes"]["http.response.status_code"] == 204  # as the receiver answers

    # each service's metrics counted its part of the flow
    demand, contracts, notifications = (s.url for s in platform.services)
    assert sample(demand, "bundling_needs_registered_total", service="demand") == 2
    assert sample(demand, "http_requests_total", method="POST", route="/v1/needs", status="201") == 2
    assert (sample(demand, "bundling_aggregator_batch_size_count") or 0) >= 1
    received = {"app_name": "contracts", "handler": committed_topic, "status": "acked"}
    assert (sample(contracts, "faststream_received_processed_messages_total", **received) or 0) >= 1
    assert sample(notifications, "bundling_webhook_deliveries_total", outcome="delivered") == 1
    assert sample(notifications, "bundling_webhook_endpoints", health="healthy") == 1
    assert sample(demand, "bundling_bundles", status="committed") == 1
    eventually(lambda: sample(contracts, "bundling_outbox_pending") == 0, what="contracts' outbox emptied")
    lag = {"group": f"{prefix}notifications-contracts", "topic": contract_topic}
    eventually(lambda: sample(notifications, "bundling_consumer_lag", **lag) == 0, what="no lag once all is read")
