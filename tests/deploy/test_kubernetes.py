"""The Kubernetes manifests (deploy/k8s), rendered per overlay as kustomize would and held
against the Kubernetes schemas and against the code: every setting the services read is
set, ports and probes agree, images are the ones the build makes, and consumers scale no
further than the partitions of the topics they consume."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from bundling_shared import topics
from bundling_shared.settings import ServiceSettings
from console.config import ConsoleSettings
from tests.deploy import kustomize
from tests.deploy.files import K8S, ROOT, built_images, schemastore
from tests.deploy.kustomize import Resource, containers, image_name, pod_spec, render
from tests.deploy.settings_env import (
    LEFT_UNSET,
    SERVICE_SETTINGS,
    TELEMETRY,
    read_by_service,
    read_by_topic_creation,
)

KUBERNETES_VERSION = "1.33"
OVERLAYS = sorted(path.name for path in (K8S / "overlays").iterdir() if path.is_dir())
SCHEMA_FREE_KINDS = {("keda.sh", "ScaledObject")}  # custom resources: checked below against SCALED_OBJECT


@functools.cache
def rendered(overlay: str) -> tuple[Resource, ...]:
    return tuple(render(K8S / "overlays" / overlay))


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def of_kind(resources: tuple[Resource, ...], kind: str) -> list[Resource]:
    return [r for r in resources if r["kind"] == kind]


def named(resources: tuple[Resource, ...], kind: str, name: str) -> Resource:
    matches = [r for r in of_kind(resources, kind) if r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def workloads(resources: tuple[Resource, ...]) -> Iterator[tuple[Resource, Resource]]:
    """(Deployment or Job, container) of the platform's own images."""
    for resource in resources:
        if resource["kind"] in {"Deployment", "Job"}:
            for container in containers(resource):
                if image_name(container["image"]).rpartition("/")[2] in built_images():
                    yield resource, container


def service_of(container: Resource) -> str:
    return image_name(container["image"]).rpartition("/")[2].removeprefix("bundling-")


def secret_values(resources: tuple[Resource, ...], name: str) -> dict[str, str] | None:
    secrets = [s for s in of_kind(resources, "Secret") if s["metadata"]["name"] == name]
    if not secrets:
        return None
    secret = secrets[0]
    values = {key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()}
    values.update(secret.get("stringData", {}))
    return values


def environment(resources: tuple[Resource, ...], container: Resource) -> dict[str, str | None]:
    """The variables a container gets; None: from a Secret the operator creates."""
    env: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(named(resources, "ConfigMap", source["configMapRef"]["name"])["data"])
        else:
            values = secret_values(resources, source["secretRef"]["name"])
            assert values is not None, f"envFrom names Secret {source['secretRef']['name']}, not in the overlay"
            env.update(values)
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = str(variable["value"])
        else:
            ref = variable["valueFrom"]["secretKeyRef"]
            values = secret_values(resources, ref["name"])
            if values is None:
                env[variable["name"]] = None
            else:
                assert ref["key"] in values, f"Secret {ref['name']} has no key {ref['key']}"
                env[variable["name"]] = values[ref["key"]]
    return env


def required_env(resource: Resource, container: Resource) -> set[str]:
    command = container.get("command", [])
    if "bundling_shared.messaging.create_topics" in command:
        return read_by_topic_creation()
    service = service_of(container)
    needed = read_by_service(service) - set(LEFT_UNSET)
    traced = resource["kind"] == "Deployment" and service != "console"  # the console sends no spans
    return needed | TELEMETRY if traced else needed


# ------------------------------------------------------------------ schemas


def test_every_resource_is_valid_for_kubernetes(overlay: str) -> None:
    checked = 0
    for resource in rendered(overlay):
        if kustomize.identity(resource)[:2] in SCHEMA_FREE_KINDS:
            continue
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{overlay}: {resource['kind']}/{resource['metadata']['name']}: {path}: {exc.message}")
        checked += 1
    assert checked >= 20


SCALED_OBJECT: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "minReplicaCount", "maxReplicaCount", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "kind": {"type": "string"}},
                },
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"const": "kafka"},
                            "metadata": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["consumerGroup", "topic", "lagThreshold"],
                                "oneOf": [
                                    {"required": ["bootstrapServers"]},
                                    {"required": ["bootstrapServersFromEnv"]},
                                ],
                                "properties": {
                                    "bootstrapServers": {"type": "string"},
                                    "bootstrapServersFromEnv": {"type": "string"},
                                    "consumerGroup": {"type": "string", "minLength": 1},
                                    "topic": {"type": "string", "minLength": 1},
                                    "lagThreshold": {"type": "string", "pattern": "^[1-9][0-9]*$"},
                                    "offsetResetPolicy": {"enum": ["earliest", "latest"]},
                                    "allowIdleConsumers": {"enum": ["true", "false"]},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_scaled_objects_hold_the_fields_keda_reads(overlay: str) -> None:
    scaled = of_kind(rendered(overlay), "ScaledObject")
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scaled} == set(SERVICE_SETTINGS)
    for resource in scaled:
        jsonschema.validate(resource, SCALED_OBJECT)


def test_kustomizations_match_their_schema() -> None:
    schema = schemastore("https://json.schemastore.org/kustomization.json")
    files = sorted(K8S.rglob("kustomization.yaml"))
    assert len(files) == 1 + len(OVERLAYS)
    for path in files:
        jsonschema.validate(kustomize.load_documents(path)[0], schema)


# ------------------------------------------------------------------ settings


def test_every_setting_the_code_reads_is_set(overlay: str) -> None:
    resources = rendered(overlay)
    seen = 0
    for resource, container in workloads(resources):
        env = environment(resources, container)
        missing = required_env(resource, container) - set(env)
        assert not missing, f"{overlay}: {resource['kind']}/{resource['metadata']['name']} lacks {sorted(missing)}"
        unset = set(LEFT_UNSET) & set(env)
        assert not unset, f"{overlay}: {resource['metadata']['name']} sets {sorted(unset)}"
        seen += 1
    assert seen == 9  # three services, the dispatcher, three migrations, the topics, the console


def placeholder(name: str) -> str:
    """A value for what the operator's Secret holds."""
    if name.endswith("_DATABASE_URL"):
        return "postgresql+asyncpg://bundling:secret@postgres.example.org:5432/bundling"
    return "a-secret-of-the-operator-0123456789abcdef"


def test_each_service_starts_on_its_manifest(overlay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings load from what the manifest gives; in production they pass the checks
    a service makes before it starts (tokens verified against an issuer of its own)."""
    resources = rendered(overlay)
    for resource, container in workloads(resources):
        if "command" in container and "bundling_shared.messaging.create_topics" in container["command"]:
            continue
        for name in LEFT_UNSET:
            monkeypatch.delenv(name, raising=False)
        for name, value in environment(resources, container).items():
            monkeypatch.setenv(name, placeholder(name) if value is None else value)
        if service_of(container) == "console":
            console = ConsoleSettings()
            assert console.host == "0.0.0.0"
            console.check_safe()  # refuses the development sign-in or session key outside development
            assert overlay != "production" or (console.secure_cookies and not console.dev_sign_in)
            continue
        settings: ServiceSettings = SERVICE_SETTINGS[service_of(container)]()
        if resource["kind"] == "Deployment":
            assert settings.host == "0.0.0.0", f"{resource['metadata']['name']} listens on {settings.host} only"
            assert settings.run_migrations is False, "replicas starting together would race at the migrations"
        if settings.auth.mode == "production":
            settings.auth.check_safe()
        assert overlay != "production" or settings.auth.mode == "production"


def test_production_secrets_are_documented() -> None:
    """The production overlay ships no Secret: the README's table names every key the
    operator creates, and no key nothing reads."""
    resources = rendered("production")
    assert not of_kind(resources, "Secret")
    readme = (K8S / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    referenced = {
        (variable["valueFrom"]["secretKeyRef"]["name"], variable["valueFrom"]["secretKeyRef"]["key"])
        for _, container in workloads(resources)
        for variable in container.get("env", [])
        if "valueFrom" in variable
    }
    assert {name for name, _ in referenced} == {"bundling-secrets"}
    assert "bundling-secrets" in readme
    assert documented == {key for _, key in referenced}


# ------------------------------------------------------------------ ports, probes, images


def test_ports_probes_and_services_agree(overlay: str) -> None:
    """An API container listens where its settings say, is probed there (/health for
    liveness, /ready for readiness), reached there by its Service and scraped there."""
    resources = rendered(overlay)
    for deployment in of_kind(resources, "Deployment"):
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]["metadata"]
        labels = template["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        annotations = template.get("annotations", {})
        if annotations.get("prometheus.io/scrape") == "true":
            assert int(annotations["prometheus.io/port"]) in ports.values(), f"{name} is scraped on no port of its"
        if "http" not in ports:
            assert "livenessProbe" not in container and "readinessProbe" not in container
            continue
        env = environment(resources, container)
        assert int(env[f"{service_of(container).upper()}_PORT"] or 0) == ports["http"], f"{name}: port vs setting"
        for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
            get = container[probe]["httpGet"]
            assert get["path"] == path, f"{name}: {probe} on {get['path']}"
            assert get["port"] in ("http", ports["http"]), f"{name}: {probe} on port {get['port']}"
        assert int(annotations["prometheus.io/port"]) == ports["http"]
        services = [s for s in of_kind(resources, "Service") if s["spec"]["selector"].items() <= labels.items()]
        assert len(services) == 1, f"{name}: {len(services)} Services select it"
        for port in services[0]["spec"]["ports"]:
            assert port["targetPort"] in ("http", ports["http"]), f"{name}: Service targets {port['targetPort']}"


def test_the_console_reaches_each_service_at_its_service_and_port(overlay: str) -> None:
    resources = rendered(overlay)
    (container,) = containers(named(resources, "Deployment", "console"))
    env = environment(resources, container)
    for service in SERVICE_SETTINGS:
        url = env[f"CONSOLE_{service.upper()}_URL"] or ""
        host, _, port = url.removeprefix("http://").partition(":")
        ports = [p["port"] for p in named(resources, "Service", host)["spec"]["ports"]]
        assert int(port) in ports, f"{overlay}: the console calls {url}, not a port of Service {host}"
        (api,) = containers(named(resources, "Deployment", service))
        assert environment(resources, api)[f"{service.upper()}_PORT"] == port
    assert overlay != "production" or env["CONSOLE_SECURE_COOKIES"] == "true"
    secret = next(v for v in container["env"] if v["name"] == "CONSOLE_SESSION_SECRET")
    assert secret["valueFrom"]["secretKeyRef"]["name"] == "bundling-secrets", "the session key is a secret"


def test_images_are_the_ones_the_build_makes(overlay: str) -> None:
    builds = built_images()
    for resource, container in workloads(rendered(overlay)):
        image = image_name(container["image"]).rpartition("/")[2]
        build = builds[image]
        assert "target" not in build, f"{image} is not a service image"
        service = build["args"]["SERVICE"]
        assert (ROOT / "services" / service).is_dir()
        command = container.get("command")
        if command is None:
            continue  # the image's own start command
        assert command[:2] == ["python", "-m"], command
        module = command[2]
        assert module.partition(".")[0] in {service, "bundling_shared"}, f"{module} is not in the {image} image"
        module_path = module.replace(".", "/")
        sources = [ROOT / "shared" / "src", ROOT / "services" / service / "src"]
        assert any(
            (src / f"{module_path}.py").is_file() or (src / module_path / "__main__.py").is_file() for src in sources
        ), f"{resource['metadata']['name']} runs {module}, which does not exist"


def test_every_container_has_requests_and_limits(overlay: str) -> None:
    for resource in rendered(overlay):
        for container in containers(resource):
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container.get("resources", {}).get(bound, {})), (
                    f"{resource['metadata']['name']}/{container['name']} lacks {bound}"
                )


def test_every_deployment_has_a_disruption_budget(overlay: str) -> None:
    resources = rendered(overlay)
    budgets = of_kind(resources, "PodDisruptionBudget")
    for deployment in of_kind(resources, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, f"{deployment['metadata']['name']}: {len(covering)} budgets"


# ------------------------------------------------------------------ scaling


@functools.cache
def consumed() -> dict[str, dict[str, set[str]]]:
    """Service -> topic -> consumer groups, read from the subscribers each app declares."""
    from contracts.config import ContractsSettings
    from contracts.entrypoints.app import create_app as contracts_app
    from demand.config import DemandSettings
    from demand.entrypoints.app import create_app as demand_app
    from notifications.config import NotificationsSettings
    from notifications.entrypoints.app import create_app as notifications_app

    memory = "sqlite+aiosqlite:///:memory:"
    brokers = {
        "demand": demand_app(DemandSettings(database_url=memory)).state.service.broker,
        "contracts": contracts_app(ContractsSettings(database_url=memory)).state.service.broker,
        "notifications": notifications_app(NotificationsSettings(database_url=memory)).state.service.broker,
    }
    found: dict[str, dict[str, set[str]]] = {}
    for service, broker in brokers.items():
        for subscriber in broker.subscribers:
            for topic in subscriber.topic_names:
                found.setdefault(service, {}).setdefault(topic, set()).add(subscriber.group_id)
    return found


def test_consumers_scale_on_their_lag_within_the_partitions(overlay: str) -> None:
    resources = rendered(overlay)
    partitions = {topic.name.removeprefix(topics.PREFIX): topic.partitions for topic in topics.ALL}
    for scaled in of_kind(resources, "ScaledObject"):
        target = named(resources, "Deployment", scaled["spec"]["scaleTargetRef"]["name"])
        (container,) = containers(target)
        env = environment(resources, container)
        prefix = env["KAFKA_TOPIC_PREFIX"] or ""
        service = service_of(container)
        spec = scaled["spec"]
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        for trigger in spec["triggers"]:
            metadata = trigger["metadata"]
            assert metadata["bootstrapServersFromEnv"] in env
            topic = metadata["topic"].removeprefix(prefix)
            assert topic in partitions, f"{topic} is not a topic of the platform"
            assert spec["maxReplicaCount"] <= partitions[topic], (
                f"{overlay}: {service} scales to {spec['maxReplicaCount']} on {topic} of {partitions[topic]} partitions"
            )
            groups = consumed()[service].get(prefix + topic, set())
            assert metadata["consumerGroup"] in groups, f"{service} has no group {metadata['consumerGroup']} on {topic}"


# ------------------------------------------------------------------ order of application


def test_the_setup_phase_holds_what_the_jobs_need(overlay: str) -> None:
    """`kubectl apply -k <overlay> -l phase=setup` first: the Jobs with all they read."""
    resources = rendered(overlay)

    def in_setup(resource: Resource) -> bool:
        return bool(resource["metadata"].get("labels", {}).get("phase") == "setup")

    jobs = of_kind(resources, "Job")
    assert {j["metadata"]["name"] for j in jobs} == {"create-topics"} | {f"migrate-{s}" for s in SERVICE_SETTINGS}
    for job in jobs:
        assert in_setup(job)
        for container in containers(job):
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source["secretRef"]
                kind = "ConfigMap" if "configMapRef" in source else "Secret"
                assert in_setup(named(resources, kind, ref["name"])), f"{kind}/{ref['name']} is not in the setup phase"
            for variable in container.get("env", []):
                if "valueFrom" in variable:
                    name = variable["valueFrom"]["secretKeyRef"]["name"]
                    secrets = [s for s in of_kind(resources, "Secret") if s["metadata"]["name"] == name]
                    assert all(in_setup(s) for s in secrets)
    for namespace in of_kind(resources, "Namespace"):
        assert in_setup(namespace)
        assert all(r["metadata"].get("namespace", namespace["metadata"]["name"]) == namespace["metadata"]["name"]
                   for r in resources)  # fmt: skip


# ------------------------------------------------------------------ the renderer itself


def test_the_renderer_merges_named_lists_and_sets_images(tmp_path: Path) -> None:
    base, overlay_dir = tmp_path / "base", tmp_path / "overlay"
    base.mkdir()
    overlay_dir.mkdir()
    (base / "kustomization.yaml").write_text("resources: [app.yaml]\n")
    (base / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - {name: app, image: bundling-demand, env: [{name: A, value: '1'}]}\n"
        "        - {name: side, image: other:2}\n"
    )
    (overlay_dir / "kustomization.yaml").write_text(
        "namespace: here\nresources: [../base]\npatches: [{path: patch.yaml}]\n"
        "images: [{name: bundling-demand, newName: reg/bundling-demand, newTag: '7'}]\n"
    )
    (overlay_dir / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - {name: app, env: [{name: B, value: '2'}]}\n"
    )
    (deployment,) = render(overlay_dir)
    spec = pod_spec(deployment)
    assert spec is not None
    app, side = spec["containers"]
    assert app["image"] == "reg/bundling-demand:7"
    assert [e["name"] for e in app["env"]] == ["A", "B"]
    assert side["image"] == "other:2"
    assert deployment["metadata"]["namespace"] == "here"
    (overlay_dir / "kustomization.yaml").write_text("resources: [../base]\nconfigMapGenerator: []\n")
    with pytest.raises(kustomize.KustomizeError):
        render(overlay_dir)
