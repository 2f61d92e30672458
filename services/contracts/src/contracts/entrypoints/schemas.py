"""Response bodies of the contracts API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from contracts.domain.model import Contract


class ContractLineOut(BaseModel):
    nation: str
    quantity: int


class ContractOut(BaseModel):
    id: str
    bundle_id: str
    item_code: str
    contracting_authority: str
    delivery_window_start: date
    delivery_window_end: date
    total_quantity: int
    lines: list[ContractLineOut]
    created_at: datetime

    @classmethod
    def of(cls, contract: Contract) -> ContractOut:
        return cls(
            id=contract.id,
            bundle_id=contract.bundle_id,
            item_code=contract.item_code,
            contracting_authority=contract.contracting_authority,
            delivery_window_start=contract.window_start,
            delivery_window_end=contract.window_end,
            total_quantity=contract.total_quantity,
            lines=[ContractLineOut(nation=x.nation, quantity=x.quantity) for x in contract.lines],
            created_at=contract.created_at,
        )


class ContractPage(BaseModel):
    items: list[ContractOut]
    limit: int
    offset: int
