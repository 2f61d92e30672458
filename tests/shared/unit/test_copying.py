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


class LabelledOrder(Order):
    @property
    def label(self) -> str:
        return f"{self.quantity} x 155 mm"


class Slotted:
    __slots__ = ("id", "label", "nation", "quantity")

    def __init__(self) -> None:
        self.id, self.nation, self.quantity, self.label = "o-2", "NOR", 3, "3 x CV90"


def test_what_the_object_computes_or_keeps_in_slots_is_copied_as_what_it_holds() -> None:
    computed = copied(OrderOut, LabelledOrder("o-1", "NLD", 12, 999))
    assert (computed.label, computed.quantity) == ("12 x 155 mm", 12)
    assert copied(OrderOut, Slotted()).model_dump() == {
        "id": "o-2",
        "nation": "NOR",
        "quantity": 3,
        "label": "3 x CV90",
    }


def test_a_mapped_objects_columns_are_copied_as_loaded_and_an_unloaded_one_is_loaded() -> None:
    """The mapping's instrumented attributes: what it holds, and what it reads on access."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine
    from sqlalchemy.orm import Session, registry

    class Row:
        pass

    table = Table("orders", MetaData(), Column("id", String, primary_key=True), Column("nation", String),
                  Column("quantity", Integer), Column("label", String))  # fmt: skip
    registry().map_imperatively(Row, table)
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(table.insert(), [{"id": "o-3", "nation": "DNK", "quantity": 7, "label": "7 x NLAW"}])
        row = session.get_one(Row, "o-3")
        session.expire(row, ["label"])
        assert "label" not in vars(row)
        assert copied(OrderOut, row).model_dump() == {"id": "o-3", "nation": "DNK", "quantity": 7, "label": "7 x NLAW"}
