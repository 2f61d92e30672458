"""One page of a long list, the same in every service's answers."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """`total` counts every item the caller may see, so a console can show how many pages
    there are without a second request."""

    items: list[T]
    limit: int
    offset: int
    total: int = Field(default=0, description="Items the caller may see in all.")
