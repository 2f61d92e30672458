"""The AsyncAPI documents kept in the repository match what the code declares."""

import importlib
from pathlib import Path

import pytest

from bundling_shared.asyncapi import KeptDocument


@pytest.mark.parametrize("service", ["demand", "contracts", "notifications"])
def test_the_kept_asyncapi_document_matches_the_code(service: str) -> None:
    document: KeptDocument = importlib.import_module(f"{service}.entrypoints.asyncapi").KEPT
    kept = document.path
    assert kept == Path(__file__).resolve().parents[2] / "services" / service / "asyncapi.json"
    assert kept.exists(), f"{kept} is missing: run python -m {service}.entrypoints.asyncapi"
    assert document.render() == kept.read_text(), f"{kept} is stale: run python -m {service}.entrypoints.asyncapi"
