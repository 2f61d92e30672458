"""Events of the demand context: needs registered by nations, bundles, joint orders."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from bundling_shared.events.envelope import EventEnvelope, event_union


class DeliveryWindow(BaseModel):
    start: date
    end: date


class NeedRegisteredPayload(BaseModel):
    need_id: str
    nation: str
    item_code: str
    quantity: int = Field(gt=0)
    delivery_window: DeliveryWindow
    end_user: Literal["own_forces", "ukraine"] = "own_forces"


class NeedRegisteredV1(EventEnvelope[NeedRegisteredPayload]):
    TYPE = "demand.need.registered"
    VERSION = 1
    event_type: Literal["demand.need.registered"] = "demand.need.registered"
    schema_version: Literal[1] = 1


class BundleLine(BaseModel):
    need_id: str
    nation: str
    quantity: int


class BundleUpdatedPayload(BaseModel):
    bundle_id: str
    item_code: str
    status: str
    total_quantity: int
    nations: list[str]
    lines: list[BundleLine]
    delivery_window: DeliveryWindow
    revision: int = Field(description="Increases with every change of the bundle.")
    reason: str = Field(description="Why the bundle changed, for people reading the trail.")


class BundleUpdatedV1(EventEnvelope[BundleUpdatedPayload]):
    TYPE = "demand.bundle.updated"
    VERSION = 1
    event_type: Literal["demand.bundle.updated"] = "demand.bundle.updated"
    schema_version: Literal[1] = 1


class JointOrderLine(BaseModel):
    nation: str
    quantity: int = Field(gt=0)
    need_ids: list[str]


class JointOrderCommittedPayload(BaseModel):
    bundle_id: str
    item_code: str
    lead: str = Field(description="Lead nation (alpha-3) or agency (e.g. NSPA) contracting for all.")
    lines: list[JointOrderLine]
    total_quantity: int
    delivery_window: DeliveryWindow
    committed_by: str


class JointOrderCommittedV1(EventEnvelope[JointOrderCommittedPayload]):
    TYPE = "demand.joint_order.committed"
    VERSION = 1
    event_type: Literal["demand.joint_order.committed"] = "demand.joint_order.committed"
    schema_version: Literal[1] = 1


NeedEvent = event_union(NeedRegisteredV1)
BundleEvent = event_union(BundleUpdatedV1, JointOrderCommittedV1)
