"""The AsyncAPI documents kept in the repository match what the code declares."""

import importlib
from pathlib import Path

import pytest


@pytest.mark.parametrize("service", ["demand", "contracts", "notifications"])
def test_the_kept_asyncapi_document_matches_the_code(service: str) -> None:
    module = importlib.import_module(f"{service}.entrypoints.asyncapi")
    kept: Path = module.DOCUMENT
    assert kept.exists(), f"{kept} is missing: run python -m {service}.entrypoints.asyncapi"
    assert module.document() == kept.read_text(), f"{kept} is stale: run python -m {service}.entrypoints.asyncapi"
