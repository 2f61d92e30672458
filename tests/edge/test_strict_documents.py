"""What a request type publishes in the OpenAPI documents admits exactly what it accepts: a
client (or schemathesis) that follows the document is never refused for a type, a bound or
a format the document kept to itself, and what the document forbids is refused."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from pydantic import TypeAdapter, ValidationError

from bundling_shared.strict import Alpha3, EurAmount, Label, PositiveEurAmount, Quantity, Reason, StrictModel


def _document_admits(adapter: TypeAdapter[Any], value: object) -> bool:
    """Read as schemathesis reads it: patterns in ECMA-262's sense, where ``$`` is the end
    of the text (Python's ``re`` lets it match before a final line break)."""
    return bool(jsonschema_rs.Draft202012Validator(adapter.json_schema()).is_valid(value))


def _model_accepts(adapter: TypeAdapter[Any], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


AMOUNTS: list[object] = [
    0,
    5,
    "0",
    "0.00",
    "12.5",
    "12.34",
    "1000000000000",
    "1000000000000.00",
    "999999999999.99",
    1000000000000,
    12.34,
    0.01,
    "",
    "abc",
    "1e5",
    "+5",
    " 5",
    "5 ",
    "5\n",
    "-1",
    "12.345",
    "1000000000000.01",
    "9999999999999",
    12.345,
    -0.01,
    1000000000000.01,
    570645838555.6726,
    True,
]


@pytest.mark.parametrize("value", AMOUNTS, ids=repr)
def test_an_amount_is_documented_as_it_is_checked(value: object) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(EurAmount)
    assert _document_admits(adapter, value) == _model_accepts(adapter, value)


@pytest.mark.parametrize("value", [*AMOUNTS, "0.01", "00.10", "0.5", "0.05", "007"], ids=repr)
def test_a_positive_amount_is_documented_as_it_is_checked(value: object) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(PositiveEurAmount)
    assert _document_admits(adapter, value) == _model_accepts(adapter, value)


TEXTS = ["plain", "two\nlines", "ends\n", "tab\there", "bell\x07", "nul\x00", "del\x7f", "c1\x85", "ümlaut €", ""]


@pytest.mark.parametrize("value", TEXTS, ids=repr)
@pytest.mark.parametrize("kind", [Label, Reason], ids=["label", "reason"])
def test_text_is_documented_as_it_is_checked(kind: Any, value: str) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    assert _document_admits(adapter, value) == _model_accepts(adapter, value)


class Shares(StrictModel):
    by_nation: dict[Alpha3, Quantity]


@pytest.mark.parametrize("value", [{"NLD": 1}, {"0": 1}, {"nld": 1}, {"NLD": 1, "x": 2}, {}], ids=repr)
def test_a_map_with_patterned_keys_admits_no_other_key(value: dict[str, int]) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Shares)
    body = {"by_nation": value}
    assert _document_admits(adapter, body) == _model_accepts(adapter, body)
