"""Settings of the contracts service (prefix ``CONTRACTS_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/contracts.db"
    port: int = 8002
    standstill_days: int = Field(
        default=10, ge=0, description="Standstill after an award, unless a procurement sets its own."
    )
    offer_days: int = Field(
        default=40,
        ge=1,
        le=366,
        description="Days after the tender opens that offers are due, unless a procurement sets its own "
        "`offers_due` (Directive 2009/81/EC, Article 33(3): 40 days for tenders in the restricted procedure).",
    )
    end_date_warning_days: int = Field(
        default=3 * 365, ge=0, description="Warn this long before a framework contract ends (new bundling round)."
    )
    delay_scan_seconds: float = Field(default=3600, gt=0, description="How often lots are checked for delays.")
    ocds_prefix: str = Field(default="ocds-bndl01", description="OCID prefix of the OCDS releases exported.")
