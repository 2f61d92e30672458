"""Settings of the contracts service (prefix ``CONTRACTS_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings
from contracts.domain.allocation import Criterion, priority_of
from contracts.domain.errors import ContractRuleViolation


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/contracts.db"
    port: int = 8002
    standstill_days: int = Field(
        default=10, ge=0, description="Standstill after an award, unless a procurement sets its own."
    )
    end_date_warning_days: int = Field(
        default=3 * 365, ge=0, description="Warn this long before a framework contract ends (new bundling round)."
    )
    delay_scan_seconds: float = Field(default=3600, gt=0, description="How often lots are checked for delays.")
    allocation_priority: str = Field(
        default="ukraine,stock_norm,order_date",
        description="How a supplier's output is shared over its open lots for an item, most important first, among"
        " ukraine (deliveries to Ukraine), stock_norm (the nation furthest below its NATO stock norm), order_date"
        " and due_date.",
    )

    @field_validator("allocation_priority")
    @classmethod
    def _known_criteria(cls, text: str) -> str:
        try:
            priority_of(text)
        except ContractRuleViolation as exc:
            raise ValueError(str(exc)) from exc
        return text

    @property
    def priority(self) -> tuple[Criterion, ...]:
        return priority_of(self.allocation_priority)

    ocds_prefix: str = Field(default="ocds-bndl01", description="OCID prefix of the OCDS releases exported.")
