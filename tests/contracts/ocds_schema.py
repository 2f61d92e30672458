"""Validate OCDS release packages against the OCDS 1.1.5 schema kept outside the project.

The package schema refers to the release schema by URL; that URL is served from the local
file through a `referencing` registry, so nothing is fetched from the network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support.infra import ROOT

RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
SCHEMA_DIR = Path(os.environ.get("OCDS_SCHEMA_DIR", ROOT.parent / "shared" / "ocds-1.1.5"))


def _load(name: str) -> Any:
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"OCDS schema file {path} is missing: put OCDS 1.1.5 there or point OCDS_SCHEMA_DIR at its directory"
        )
    return json.loads(path.read_text())


def validate_package(package: dict[str, Any]) -> None:
    """Raises jsonschema.ValidationError (with every problem listed) when the package is invalid."""
    release = Resource.from_contents(_load("release-schema.json"), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(RELEASE_SCHEMA_URL, release)
    validator = Draft4Validator(
        _load("release-package-schema.json"), registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    if errors:
        problems = "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        raise AssertionError(f"the OCDS package is invalid:\n{problems}")
