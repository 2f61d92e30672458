"""The Compose path (docker-compose.yml) without an engine: the file matches the Compose
specification, and what it wires together exists: images and build targets, mounted
files, dependencies, published ports, and the observability around the services."""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]

from tests.deploy.files import OBSERVABILITY, ROOT, compose, compose_spec, dockerfile_stages, load_yaml
from tests.deploy.settings_env import SERVICE_SETTINGS

COLLECTOR = "otel-collector"


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def test_compose_file_matches_the_compose_specification() -> None:
    jsonschema.validate(compose(), compose_spec())


def test_every_service_has_an_image_the_build_makes_or_pulls() -> None:
    stages = dockerfile_stages()
    for name, service in services().items():
        assert "image" in service or "build" in service, name
        build = service.get("build")
        if build is None:
            assert ":" in service["image"], f"{name}: pin the image's version"
            continue
        assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
        assert build.get("target", "service") in stages, f"{name}: no stage {build.get('target')}"
        assert (ROOT / "services" / build["args"]["SERVICE"]).is_dir(), name
    built = {s["image"] for s in services().values() if "build" in s}
    for name, service in services().items():
        if "build" not in service and service["image"].startswith("bundling-"):
            assert service["image"] in built, f"{name} runs {service['image']}, which nothing builds"


def test_dependencies_and_mounts_exist() -> None:
    for name, service in services().items():
        depends = service.get("depends_on", [])
        for dependency in depends if isinstance(depends, list) else depends.keys():
            assert dependency in services(), f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose()["volumes"], f"{name} mounts undeclared volume {source}"


def test_published_ports_are_local_and_distinct() -> None:
    published: list[str] = []
    for name, service in services().items():
        for port in service.get("ports", []):
            host, _, rest = port.partition(":")
            assert host == "127.0.0.1", f"{name} publishes {port} beyond this machine"
            published.append(rest.split(":")[0])
    assert len(published) == len(set(published)), published


def environment(name: str) -> dict[str, Any]:
    env: dict[str, Any] = services()[name].get("environment", {})
    return env


def test_services_send_traces_to_the_collector() -> None:
    collector = load_yaml(OBSERVABILITY / "otel-collector.yml")
    http_port = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].rpartition(":")[2]
    assert COLLECTOR in services()
    for name in [*SERVICE_SETTINGS, "notifications-dispatcher"]:
        env = environment(name)
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://{COLLECTOR}:{http_port}", name
        assert env["OTEL_SERVICE_NAME"] == name


def test_prometheus_scrapes_every_process_where_it_listens() -> None:
    prometheus = services()["prometheus"]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in prometheus["volumes"]}
    config = load_yaml(ROOT / mounts["/etc/prometheus/prometheus.yml"])
    for rule_file in config["rule_files"]:
        assert rule_file in mounts, f"{rule_file} is not mounted"
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name in [*SERVICE_SETTINGS, "notifications-dispatcher"]:
        variable = f"{name.partition('-')[0].upper()}_HOST"
        assert environment(name)[variable] == "0.0.0.0", f"{name} listens in its container only"
    for name in SERVICE_SETTINGS:
        (static,) = jobs[name]["static_configs"]
        assert static["targets"] == [f"{name}:{environment(name)[f'{name.upper()}_PORT']}"]
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"
    (dispatchers,) = jobs["notifications-dispatcher"]["dns_sd_configs"]
    assert dispatchers["names"] == ["notifications-dispatcher"]
    assert dispatchers["port"] == environment("notifications-dispatcher")["NOTIFICATIONS_DISPATCHER_METRICS_PORT"]
    for job in jobs.values():
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host = target.partition(":")[0]
                assert host == "localhost" or host in services(), f"{job['job_name']} scrapes unknown {host}"


def test_grafana_reads_the_data_sources_compose_runs() -> None:
    sources = load_yaml(OBSERVABILITY / "grafana" / "provisioning" / "datasources" / "datasources.yml")
    for source in sources["datasources"]:
        host = source["url"].removeprefix("http://").partition(":")[0]
        assert host in services(), f"{source['name']} points at {host}"
        assert host in services()["grafana"]["depends_on"]
