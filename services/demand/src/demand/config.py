"""Settings of the demand service (prefix ``DEMAND_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings


class DemandSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEMAND_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/demand.db"
    port: int = 8001
    publish_quiet_seconds: float = Field(
        default=1.0, description="A bundle's update is published once it has been quiet this long."
    )
    publish_max_wait_seconds: float = Field(
        default=5.0, description="...or at the latest this long after its first unpublished change."
    )
    deadline_reminder_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="The nations asked to confirm an open bundle and still silent are reminded this many days before"
        " its accession deadline (`demand.bundle.deadline_nearing`), once per deadline.",
    )
    capacity_check_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often the demand for each item is compared with the minimum economic quantity of its"
        " production lines not yet unlocked.",
    )
