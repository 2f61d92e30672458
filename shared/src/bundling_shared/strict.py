"""Types for request bodies that take nothing on trust.

A request model of any service derives from ``StrictModel`` and spells its fields with
these types, so that every service refuses the same things in the same words: a field it
does not know (a misspelt ``quantitiy`` would otherwise drop the quantity silently), a
value of the wrong JSON type (``true`` is not a number, ``"5"`` is not a quantity), a
number that is not finite or beyond what the platform can hold, a date outside the
planning range, control characters in a name. Pydantic's model-wide strict mode is not
used: FastAPI validates bodies as Python objects, where strict mode would refuse an ISO
date string or an enum value; strictness is set on each scalar type instead.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_QUANTITY = 1_000_000_000
"""Units in one need, line, ceiling or call-off. A billion rounds of 155 mm is more than
the world makes in a decade; the bound keeps every sum of quantities far inside 64 bits."""

MAX_EUR = Decimal("1000000000000.00")
"""One trillion euros: above every defence budget, so a typo of many zeros is refused."""


def _year_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


EARLIEST_YEAR = _year_from_env("PLANNING_EARLIEST_YEAR", 2000)
LATEST_YEAR = _year_from_env("PLANNING_LATEST_YEAR", 2100)
"""The planning range every date and year of a request must fall in
(``PLANNING_EARLIEST_YEAR``, ``PLANNING_LATEST_YEAR``)."""


def _close_keyed_maps(schema: dict[str, Any]) -> None:
    """A map whose keys have a pattern (a nation's code, an id) refuses every other key, so
    its document says so: JSON Schema's patternProperties alone would admit any key that
    does not match."""
    for value in schema.values():
        _close(value)


def _close(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _close(item)
    elif isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)


class StrictModel(BaseModel):
    """A request body: unknown fields are refused, never dropped."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_close_keyed_maps)


def _no_control_characters(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise ValueError(f"control character U+{ord(ch):04X} is not allowed")
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\t" in value:
        raise ValueError("must be a single line")
    return value


def _iso_date_text(value: Any) -> Any:
    """A date comes as an ISO 8601 string (or a date object from Python callers); a
    number would otherwise be read as seconds since 1970."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("a date is written as an ISO 8601 string, e.g. 2027-03-31")
    return value


def _in_planning_range(value: date) -> date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"date must lie within the years {EARLIEST_YEAR}..{LATEST_YEAR}")
    return value


AMOUNT_TEXT = re.compile(r"^(?:[0-9]{1,12}(?:\.[0-9]{1,2})?|1000000000000(?:\.0{1,2})?)$")
"""An amount written as a string: digits with at most two decimals, up to ``MAX_EUR``; no
sign, exponent or padding that would hide its size."""

POSITIVE_AMOUNT_TEXT = re.compile(
    r"^(?:0*[1-9][0-9]{0,11}(?:\.[0-9]{1,2})?|0+\.(?:0[1-9]|[1-9][0-9]?)|1000000000000(?:\.0{1,2})?)$"
)
"""The same, above zero: at least one cent."""


def _money(text: re.Pattern[str]) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("an amount is a number or a decimal string, not a boolean")
        if isinstance(value, float) and value != value:  # NaN
            raise ValueError("an amount must be a finite number")
        if isinstance(value, str) and not text.fullmatch(value):
            raise PydanticCustomError(
                "decimal_format", "an amount is written as digits with at most two decimals, e.g. 250000000.00"
            )
        return value

    return BeforeValidator(check)


def _money_document(text: re.Pattern[str], lowest: dict[str, int]) -> WithJsonSchema:
    """The number and the string an amount may be written as, with every bound the model
    checks: cents as multipleOf (a number with a third decimal is refused), the string's
    form as a pattern."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **lowest, "maximum": int(MAX_EUR), "multipleOf": 0.01},
                {"type": "string", "pattern": text.pattern},
            ]
        }
    )


Quantity = Annotated[int, Strict(), Field(ge=1, le=MAX_QUANTITY)]
"""Units, at least one."""

QuantityOrNone = Annotated[int, Strict(), Field(ge=0, le=MAX_QUANTITY)]
"""Units where zero is meaningful (a nation pledging money, a partial delivery)."""

Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]
"""Small counts: days, nations, months."""

Year = Annotated[int, Strict(), Field(ge=EARLIEST_YEAR, le=LATEST_YEAR)]

Fraction = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
"""A share or rate between 0 and 1; finite."""

Weight = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
"""A published weighing criterion's weight; finite."""

Flag = Annotated[bool, Strict()]

Day = Annotated[date, Strict(False), BeforeValidator(_iso_date_text), AfterValidator(_in_planning_range)]
"""A calendar date within the planning range, written as an ISO 8601 string."""

EurAmount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_EUR, max_digits=15, decimal_places=2, allow_inf_nan=False),
    _money(AMOUNT_TEXT),
    _money_document(AMOUNT_TEXT, {"minimum": 0}),
]
"""Euros with cents: ``"250000000.00"`` or a number with at most two decimals."""

PositiveEurAmount = Annotated[
    Decimal,
    Field(gt=0, le=MAX_EUR, max_digits=15, decimal_places=2, allow_inf_nan=False),
    _money(POSITIVE_AMOUNT_TEXT),
    _money_document(POSITIVE_AMOUNT_TEXT, {"exclusiveMinimum": 0}),
]
"""A price or a budget: euros with cents, at least one cent."""


_Clean = AfterValidator(_no_control_characters)
_OneLine = AfterValidator(_single_line)

ONE_LINE_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""No control character (Unicode category Cc), no line break, no tab: what ``_Clean`` and
``_OneLine`` check, as the documents' pattern."""
TEXT = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
"""No control character but line breaks and tabs: what ``_Clean`` checks."""


def _text(max_length: int, pattern: str) -> Any:
    # The pattern reaches the document only: the validators refuse with a message that
    # names the character.
    return Field(min_length=1, max_length=max_length, json_schema_extra={"pattern": pattern})


Label = Annotated[str, Strict(), _text(80, ONE_LINE_TEXT), _Clean, _OneLine]
"""A short name or reference on one line: an organisation, a specification reference."""

Name = Annotated[str, Strict(), _text(200, ONE_LINE_TEXT), _Clean, _OneLine]
"""A title or name on one line."""

Reason = Annotated[str, Strict(), _text(500, TEXT), _Clean]
"""A reason or description in words; line breaks allowed."""

LongText = Annotated[str, Strict(), _text(5000, TEXT), _Clean]
"""Free text such as a specification's requirements."""

ALPHA3_PATTERN = re.compile(r"^[A-Z]{3}$")
"""A nation or country as ISO 3166-1 alpha-3 names it: what requests take and rows hold."""

Alpha3 = Annotated[str, Strict(), Field(pattern=ALPHA3_PATTERN.pattern, description="ISO 3166-1 alpha-3")]

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$")
Code = Annotated[str, Strict(), Field(pattern=CODE_PATTERN.pattern, description="An identifier such as AMMO-155MM")]
