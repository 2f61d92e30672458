"""Dashboards and alerts as code (deploy/observability), checked as promtool and Grafana
would before loading them: the files match their schemas, every query reads only metrics
the platform exports (tests/deploy/metrics.py) with their own labels, durations are
durations, and what operators are promised to see and be alerted on is there."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from tests.deploy import promql
from tests.deploy.files import OBSERVABILITY, load_yaml, schemastore
from tests.deploy.metrics import PLATFORM

ALERTS = OBSERVABILITY / "alerts.yml"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "bundling.json"
PROVISIONING = OBSERVABILITY / "grafana" / "provisioning"
SCRAPE_CONFIGS = ("prometheus.yml", "prometheus-kubernetes.yml")
DURATION = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
SEVERITIES = {"warning", "critical"}


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return document


def queries(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expression) of every panel, rows' nested panels included."""
    found: list[tuple[str, str]] = []
    for panel in document["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            found.extend((inner["title"], target["expr"]) for target in inner.get("targets", []))
    return found


# ------------------------------------------------------------------ the query checker


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("sum(rate(bundling_unknown_total[5m]))", "unknown metric"),
        ('sum(rate(http_requests_total{code="500"}[5m]))', "no label 'code'"),
        ("sum(rate(http_requests_total[5 minutes]))", "not a range"),
        ("sum(rate(http_requests_total[5m])) ; drop", "cannot read"),
        ("sum(rate(http_requests_total[5x]))", "not a range"),
        ("sum(rate(http_requests_total[5m])", "unclosed"),
        ("sum(rate(http_requests_total[5m])))", "unbalanced"),
        ("sum by (service) (rated(http_requests_total[5m]))", "unknown function"),
        ("", "empty"),
    ],
)
def test_the_query_checker_refuses(query: str, complaint: str) -> None:
    assert any(complaint in problem for problem in promql.problems(query)), promql.problems(query)


def test_the_query_checker_accepts_what_prometheus_does() -> None:
    for query in (
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{service=~"$service"}'
        "[$__rate_interval])))",
        "max by (group) (delta(bundling_consumer_lag[15m:1m])) > 0 and on (group) bundling_consumer_lag > 10",
        'up{job="demand"} == 0',
    ):
        assert promql.problems(query) == []


# ------------------------------------------------------------------ Prometheus


@pytest.mark.parametrize("name", SCRAPE_CONFIGS)
def test_scrape_configurations_match_prometheus_schema(name: str) -> None:
    config = load_yaml(OBSERVABILITY / name)
    jsonschema.validate(config, schemastore("https://json.schemastore.org/prometheus.json"))
    jobs = [job["job_name"] for job in config["scrape_configs"]]
    assert len(jobs) == len(set(jobs))
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    for key in ("scrape_interval", "scrape_timeout", "evaluation_interval"):
        assert DURATION.match(config["global"][key])


def test_alert_rules_match_prometheus_schema() -> None:
    jsonschema.validate(load_yaml(ALERTS), schemastore("https://json.schemastore.org/prometheus.rules.json"))


def test_every_alert_is_complete_and_reads_known_metrics() -> None:
    rules = alert_rules()
    assert len({rule["alert"] for rule in rules}) == len(rules)
    for rule in rules:
        name = rule["alert"]
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, f"{name}: {sorted(rule)}"
        assert DURATION.match(rule["for"]), f"{name}: for {rule['for']!r}"
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert {"summary", "description"} <= set(rule["annotations"]), name
        assert promql.problems(rule["expr"]) == [], name
        for text in rule["annotations"].values():
            assert text.count("{{") == text.count("}}"), f"{name}: unbalanced template in {text!r}"
            for variable in re.findall(r"\$labels\.(\w+)", text):
                assert variable in _labels_kept(rule["expr"]), f"{name}: annotation uses {variable}, not kept"


def _labels_kept(expr: str) -> set[str]:
    """The labels an alert's series carry: those its outermost aggregations keep (or all
    of its metric's labels when it aggregates nothing)."""
    kept = re.findall(r"\b(?:by|on)\s*\(([^)]*)\)", expr)
    if kept:
        return {label.strip() for group in kept for label in group.split(",")}
    from tests.deploy.metrics import KNOWN

    return {label for name in promql.metric_names(expr) for label in KNOWN[name]}


@pytest.mark.parametrize(
    ("watch", "metric"),
    [
        ("consumer lag growing", "bundling_consumer_lag"),
        ("outbox oldest pending too old", "bundling_outbox_oldest_pending_age_seconds"),
        ("dead letters arriving", "bundling_dead_letters_total"),
        ("a webhook endpoint disabled", "bundling_webhook_endpoints"),
        ("5xx answers", "http_requests_total"),
    ],
)
def test_operators_are_alerted_on(watch: str, metric: str) -> None:
    assert any(metric in promql.metric_names(rule["expr"]) for rule in alert_rules()), f"no alert on {watch}"


# ------------------------------------------------------------------ Grafana

DASHBOARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["uid", "title", "schemaVersion", "panels", "templating", "time"],
    "properties": {
        "uid": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{1,40}$"},
        "title": {"type": "string", "minLength": 1},
        "schemaVersion": {"type": "integer", "minimum": 36},
        "time": {"type": "object", "required": ["from", "to"]},
        "templating": {
            "type": "object",
            "required": ["list"],
            "properties": {
                "list": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "type", "query"],
                        "properties": {"refresh": {"enum": [0, 1, 2]}},
                    },
                }
            },
        },
        "panels": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/panel"}},
    },
    "$defs": {
        "gridPos": {
            "type": "object",
            "required": ["x", "y", "w", "h"],
            "properties": {
                "x": {"type": "integer", "minimum": 0, "maximum": 23},
                "y": {"type": "integer", "minimum": 0},
                "w": {"type": "integer", "minimum": 1, "maximum": 24},
                "h": {"type": "integer", "minimum": 1},
            },
        },
        "panel": {
            "type": "object",
            "required": ["id", "type", "title", "gridPos"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "title": {"type": "string", "minLength": 1},
                "gridPos": {"$ref": "#/$defs/gridPos"},
                "type": {"enum": ["row", "timeseries", "stat", "gauge", "bargauge", "table", "piechart", "text"]},
            },
            "if": {"properties": {"type": {"const": "row"}}},
            "then": {"required": ["panels", "collapsed"]},
            "else": {
                "required": ["datasource", "targets"],
                "properties": {
                    "datasource": {"type": "object", "required": ["type", "uid"]},
                    "targets": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["refId", "expr"]},
                    },
                },
            },
        },
    },
}


def test_dashboard_matches_its_schema() -> None:
    """SchemaStore's Grafana schema describes Grafana 5 and refuses what Grafana reads
    today (a variable's `refresh` is 1 or 2, no longer a boolean): the fields Grafana
    needs of a provisioned dashboard are checked here instead."""
    jsonschema.validate(dashboard(), DASHBOARD_SCHEMA)


def test_dashboard_panels_have_their_own_place() -> None:
    panels = dashboard()["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_every_panel_queries_known_metrics() -> None:
    found = queries(dashboard())
    assert len(found) >= 15
    for title, expr in found:
        assert promql.problems(expr) == [], title
    for variable in dashboard()["templating"]["list"]:
        (metric,) = re.findall(r"label_values\((\w+),", variable["query"]["query"])
        assert promql.problems(metric) == []


def test_dashboard_shows_every_metric_of_the_platform() -> None:
    shown = {name for _, expr in queries(dashboard()) for name in promql.metric_names(expr)}
    for metric in PLATFORM:
        assert set(metric.series()) & shown, f"the dashboard shows nothing of {metric.name}"
    for faststream in ("faststream_received_processed_messages_total", "faststream_published_messages_total"):
        assert faststream in shown


def test_dashboard_reads_the_provisioned_data_source() -> None:
    sources = load_yaml(PROVISIONING / "datasources" / "datasources.yml")["datasources"]
    uids = {source["uid"] for source in sources if source["type"] == "prometheus"}
    document = dashboard()
    for panel in document["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] in uids, panel["title"]
    for variable in document["templating"]["list"]:
        assert variable["datasource"]["uid"] in uids


def test_dashboards_are_provisioned_from_where_compose_mounts_them() -> None:
    (provider,) = load_yaml(PROVISIONING / "dashboards" / "dashboards.yml")["providers"]
    from tests.deploy.files import compose

    mounts = compose()["services"]["grafana"]["volumes"]
    assert f"./deploy/observability/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


# ------------------------------------------------------------------ OpenTelemetry collector


def test_collector_pipelines_use_what_it_defines() -> None:
    config = load_yaml(OBSERVABILITY / "otel-collector.yml")
    pipelines = config["service"]["pipelines"]
    assert "traces" in pipelines
    for pipeline in pipelines.values():
        for part in ("receivers", "processors", "exporters"):
            for component in pipeline.get(part, []):
                assert component in config[part], f"{component} is not among the {part}"
    for extension in config["service"].get("extensions", []):
        assert extension in config["extensions"]
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
