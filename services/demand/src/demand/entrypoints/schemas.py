"""Request and response bodies of the demand API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from demand.domain.model import Bundle, EndUser, Need

T = TypeVar("T")


class DeliveryWindowIn(BaseModel):
    start: date
    end: date


class NeedIn(BaseModel):
    nation: str = Field(description="ISO 3166-1 alpha-3; must be the token's nation.", examples=["NLD"])
    item_code: str = Field(min_length=1, max_length=80, examples=["AMMO-155MM"])
    quantity: int = Field(description="Units (rounds, systems, vehicles).", examples=[10000])
    delivery_window: DeliveryWindowIn
    end_user: EndUser = EndUser.OWN_FORCES


class NeedOut(BaseModel):
    id: str
    nation: str
    item_code: str
    quantity: int
    delivery_window: DeliveryWindowIn
    end_user: EndUser
    status: str
    created_at: datetime

    @classmethod
    def of(cls, need: Need) -> NeedOut:
        return cls(
            id=need.id,
            nation=need.nation,
            item_code=need.item_code,
            quantity=need.quantity,
            delivery_window=DeliveryWindowIn(start=need.window_start, end=need.window_end),
            end_user=need.end_user,
            status=need.status.value,
            created_at=need.created_at,
        )


class BundleLineOut(BaseModel):
    need_id: str
    nation: str
    quantity: int


class BundleOut(BaseModel):
    """A bundle as one viewer may see it: a nation desk gets totals and its own lines only."""

    id: str
    item_code: str
    status: str
    lead: str | None
    revision: int
    total_quantity: int
    nations: list[str]
    delivery_window: DeliveryWindowIn | None
    lines: list[BundleLineOut]

    @classmethod
    def of(cls, bundle: Bundle, viewer_nation: str | None) -> BundleOut:
        window = bundle.window if bundle.lines else None
        return cls(
            id=bundle.id,
            item_code=bundle.item_code,
            status=bundle.status.value,
            lead=bundle.lead,
            revision=bundle.revision,
            total_quantity=bundle.total_quantity,
            nations=bundle.nations,
            delivery_window=DeliveryWindowIn(start=window[0], end=window[1]) if window else None,
            lines=[
                BundleLineOut(need_id=x.need_id, nation=x.nation, quantity=x.quantity)
                for x in bundle.lines
                if viewer_nation is None or x.nation == viewer_nation
            ],
        )


class CommitIn(BaseModel):
    lead: str | None = Field(
        default=None,
        description="Lead nation (alpha-3) or agency (e.g. NSPA); defaults to the largest share.",
        examples=["CZE", "NSPA"],
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
