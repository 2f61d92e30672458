"""Answers and event payloads built from domain objects, with the field list written once.

An answer model names its fields; most are the domain object's attributes of the same
name. Only the fields that are renamed, combined or withheld are given by hand, so that
adding a field to the model is enough to answer it, and a field the object lacks fails
validation instead of going missing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def copied(model: type[ModelT], source: object, **given: Any) -> ModelT:
    """`model` with each field not `given` read from `source`'s attribute of that name.

    An attribute `source` holds itself is read from its `__dict__`: a mapped object's
    loaded columns are there, and going through the mapping's attribute for each of them
    cost a third of copying a need. One it does not hold (a property, a column not yet
    loaded) is read as an attribute."""
    values = dict(given)
    held = getattr(source, "__dict__", _NOTHING)
    for name in model.model_fields:
        if name in given:
            continue
        if name in held:
            values[name] = held[name]
        elif (value := getattr(source, name, _ABSENT)) is not _ABSENT:
            values[name] = value
    return model.model_validate(values)


_NOTHING: dict[str, Any] = {}


_ABSENT = object()  # an attribute `source` lacks: the model's default, or a validation error
