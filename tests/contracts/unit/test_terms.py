"""A request hands its command on once, as its terms: each request's fields are keys of the
terms the aggregate takes, and it gives every one the aggregate requires, so that nothing
is renamed or lost on the way."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from contracts.domain.frameworks import CallOffTerms, FrameworkTerms
from contracts.domain.procurement import ProcurementTerms
from contracts.domain.specifications import SpecificationTerms
from contracts.domain.suppliers import SupplierTerms
from contracts.entrypoints.schemas import CallOffIn, FrameworkIn, ProcurementIn, SpecificationIn, SupplierIn


@pytest.mark.parametrize(
    ("request_model", "terms"),
    [
        (SupplierIn, SupplierTerms),
        (SpecificationIn, SpecificationTerms),
        (ProcurementIn, ProcurementTerms),
        (FrameworkIn, FrameworkTerms),
        (CallOffIn, CallOffTerms),
    ],
)
def test_a_request_names_its_fields_as_the_terms_do(request_model: type[BaseModel], terms: Any) -> None:
    fields = set(request_model.model_fields)
    assert fields <= terms.__required_keys__ | terms.__optional_keys__
    assert terms.__required_keys__ <= fields
