"""Answers built from domain objects: the model names the fields, the object gives them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import BaseModel, ValidationError

from bundling_shared.copying import copied


@dataclass
class Order:
    id: str
    nation: str
    quantity: int
    secret_price: int


class OrderOut(BaseModel):
    id: str
    nation: str
    quantity: int
    label: str


def test_fields_of_the_same_name_are_copied_and_the_rest_given() -> None:
    answer = copied(OrderOut, Order("o-1", "NLD", 12, 999), label="12 x 155 mm")
    assert answer.model_dump() == {"id": "o-1", "nation": "NLD", "quantity": 12, "label": "12 x 155 mm"}


def test_a_given_value_wins_over_the_attribute() -> None:
    assert copied(OrderOut, Order("o-1", "NLD", 12, 999), quantity=0, label="none").quantity == 0


def test_a_field_neither_given_nor_on_the_object_fails_loudly() -> None:
    with pytest.raises(ValidationError, match="label"):
        copied(OrderOut, Order("o-1", "NLD", 12, 999))
