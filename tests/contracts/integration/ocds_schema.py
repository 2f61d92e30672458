"""Validate OCDS release packages offline: against the OCDS 1.1.5 schema, and with the OCDS
community's own validator (libcoveocds), both kept outside the project.

The package schema refers to the release schema by URL; that URL is served from the local
file through a `referencing` registry, so nothing is fetched from the network. libcoveocds
reads the standard from a ZIP built in memory from the same files, and the extensions a
package declares from `../shared/ocds-extensions`: their URLs are answered from the local
folders, and any other URL is refused, so a validation never depends on the network.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import requests
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from libcoveocds.api import ocds_json_output  # type: ignore[import-untyped]
from libcoveocds.config import LibCoveOCDSConfig  # type: ignore[import-untyped]
from libcoveocds.schema import SchemaOCDS  # type: ignore[import-untyped]
from ocdsextensionregistry import util as registry_util  # type: ignore[import-untyped]
from ocdsextensionregistry.versioned_release_schema import (  # type: ignore[import-untyped]
    get_versioned_release_schema,
)
from ocdsmerge import Merger  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from requests.adapters import BaseAdapter
from urllib3.response import HTTPResponse

from tests.support.infra import ROOT

RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
STANDARD_TAG = "1__1__5"
SCHEMA_DIR = Path(os.environ.get("OCDS_SCHEMA_DIR", ROOT.parent / "shared" / "ocds-1.1.5"))
EXTENSIONS_DIR = Path(os.environ.get("OCDS_EXTENSIONS_DIR", ROOT.parent / "shared" / "ocds-extensions"))
# An extension's file, https://raw.githubusercontent.com/open-contracting-extensions/ocds_<folder>_extension/<ref>/<file>,
# and its archive, https://github.com/open-contracting-extensions/ocds_<folder>_extension/archive/<ref>.zip
EXTENSION_FILE = re.compile(
    r"^https://raw\.githubusercontent\.com/open-contracting-extensions/ocds_(?P<folder>\w+?)_extension/"
    r"[^/]+/(?P<file>[\w./-]+)$"
)
EXTENSION_ARCHIVE = re.compile(
    r"^https://github\.com/open-contracting-extensions/ocds_(?P<folder>\w+?)_extension/archive/[^/]+\.zip$"
)


def _path(name: str) -> Path:
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"OCDS schema file {path} is missing: put OCDS 1.1.5 there or point OCDS_SCHEMA_DIR at its directory"
        )
    return path


def _load(name: str) -> Any:
    return json.loads(_path(name).read_text())


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


@cache
def _standard_zip(schema_dir: Path) -> bytes:
    """The standard's schema folder as libcoveocds expects to download it; the versioned
    release schema (for record packages) is derived from the release schema, as the standard does."""
    release_schema = _load("release-schema.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard/", "")
        for name in ("release-schema.json", "release-package-schema.json"):
            archive.writestr(f"standard/schema/{name}", _path(name).read_text())
        archive.writestr(
            "standard/schema/versioned-release-validation-schema.json",
            json.dumps(get_versioned_release_schema(release_schema, STANDARD_TAG)),
        )
        codelists = schema_dir / "codelists"
        if not codelists.is_dir():
            raise FileNotFoundError(f"OCDS codelists {codelists} are missing: point OCDS_SCHEMA_DIR at OCDS 1.1.5")
        for csv in sorted(codelists.glob("*.csv")):
            archive.writestr(f"standard/schema/codelists/{csv.name}", csv.read_text())
    return buffer.getvalue()


def _archive(folder: Path) -> bytes:
    """The folder as the ZIP of a repository at one ref: every file under one top folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{folder.name}/", "")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.writestr(f"{folder.name}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    return buffer.getvalue()


class _LocalExtensions(BaseAdapter):
    """Answers an extension's files from its local folder; refuses every other URL."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        found = EXTENSION_FILE.match(url) or EXTENSION_ARCHIVE.match(url)
        if found is None:
            raise requests.ConnectionError(f"the OCDS validation runs offline and does not fetch {url}")
        folder = EXTENSIONS_DIR / found["folder"]
        if not folder.is_dir():
            raise FileNotFoundError(
                f"OCDS extension folder {folder} is missing: put the extension there or point OCDS_EXTENSIONS_DIR at it"
            )
        if "file" in found.groupdict():
            path = folder / found["file"]
            content = path.read_bytes() if path.is_file() else None
        else:
            content = _archive(folder)
        status, reason = (200, "OK") if content is not None else (404, "Not Found")
        response = requests.Response()
        response.url = url
        response.request = request
        response.status_code = status
        response.reason = reason
        response.encoding = "utf-8"
        response.raw = HTTPResponse(
            body=io.BytesIO(content or b""),
            status=status,
            reason=reason,
            preload_content=False,
            request_url=url,
        )
        return response

    def close(self) -> None:
        pass


@contextmanager
def _offline() -> Iterator[None]:
    session: requests.Session = registry_util.session
    kept = dict(session.adapters)
    local = _LocalExtensions()
    session.mount("https://", local)
    session.mount("http://", local)
    try:
        yield
    finally:
        session.adapters.clear()
        session.adapters.update(kept)


def _config() -> Any:
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = _standard_zip(SCHEMA_DIR)
    return config


def cove(package: Mapping[str, Any]) -> dict[str, Any]:
    """What libcoveocds, the validator behind the OCDS Data Review Tool, says about the package."""
    with _offline(), tempfile.TemporaryDirectory() as scratch:
        report: dict[str, Any] = ocds_json_output(scratch, json_data=dict(package), lib_cove_ocds_config=_config())
    return report


def problems(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything in a libcoveocds report that a conforming package does not have."""
    extensions = report.get("extensions") or {}
    found = {
        "validation_errors": report.get("validation_errors"),
        "json_deref_error": report.get("json_deref_error"),
        "invalid_extensions": extensions.get("invalid_extensions"),
        "unapplied_extensions": None if not extensions or extensions.get("is_extended_schema") else "not applied",
        "additional_fields": report.get("additional_fields"),
        "deprecated_fields": report.get("deprecated_fields"),
        "additional_closed_codelist_values": report.get("additional_closed_codelist_values"),
        "additional_open_codelist_values": report.get("additional_open_codelist_values"),
        "conformance_errors": report.get("conformance_errors"),
        "additional_checks": report.get("additional_checks"),
    }
    return {key: value for key, value in found.items() if value}


def assert_conforms(package: Mapping[str, Any]) -> dict[str, Any]:
    """Both checks pass, libcoveocds with nothing to report; returns its report."""
    validate_package(dict(package))
    report = cove(package)
    found = problems(report)
    assert not found, f"libcoveocds finds the OCDS package wanting:\n{json.dumps(found, indent=2, default=str)}"
    return report


def patched_release_schema(package: Mapping[str, Any]) -> dict[str, Any]:
    """The release schema with the package's extensions applied, from the local files."""
    with _offline():
        schema: dict[str, Any] = SchemaOCDS(package.get("version"), dict(package), _config()).get_schema_obj()
    return schema


def compiled_releases(package: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One compiled release per ocid (the heart of an OCDS record), merged by ocdsmerge."""
    merger = Merger(schema=patched_release_schema(package))
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for release in package["releases"]:
        by_ocid.setdefault(release["ocid"], []).append(release)
    return {ocid: merger.create_compiled_release(releases) for ocid, releases in by_ocid.items()}
