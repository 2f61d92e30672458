"""Events of the contracts context."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bundling_shared.events.demand import DeliveryWindow
from bundling_shared.events.envelope import EventEnvelope, event_union


class ContractLine(BaseModel):
    nation: str
    quantity: int = Field(gt=0)


class ContractCreatedPayload(BaseModel):
    contract_id: str
    bundle_id: str
    item_code: str
    contracting_authority: str = Field(description="Lead nation or agency that signs for all.")
    lines: list[ContractLine]
    total_quantity: int
    delivery_window: DeliveryWindow


class ContractCreatedV1(EventEnvelope[ContractCreatedPayload]):
    TYPE = "contracts.contract.created"
    VERSION = 1
    event_type: Literal["contracts.contract.created"] = "contracts.contract.created"
    schema_version: Literal[1] = 1


ContractEvent = event_union(ContractCreatedV1)
