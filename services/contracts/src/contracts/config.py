"""Settings of the contracts service (prefix ``CONTRACTS_``) plus the shared ones."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings
from contracts.domain.allocation import Criterion, priority_of
from contracts.domain.errors import ContractRuleViolation
from contracts.domain.expiry import Horizons


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/contracts.db"
    port: int = 8002
    standstill_days: int = Field(
        default=10, ge=0, description="Standstill after an award, unless a procurement sets its own."
    )
    expiry_horizons: list[int] = Field(
        default=[5, 2, 1],
        min_length=1,
        description="Years ahead of its end at which a contract or framework is told to its parties"
        " (`contracts.contract.expiring`, each horizon once) and a framework read warns of its end; JSON,"
        " e.g. `[5, 2, 1]`.",
    )
    expiry_horizons_by_category: dict[str, list[int]] = Field(
        default_factory=dict,
        description="Per item category (the code up to the first hyphen: AMMO for AMMO-155MM), horizons in place"
        ' of `expiry_horizons`; JSON, e.g. `{"AMMO": [5, 2, 1], "RADAR": [3, 1]}`.',
    )
    expiry_scan_seconds: float = Field(
        default=3600, gt=0, description="How often contracts and frameworks are looked at for a horizon reached."
    )
    offer_days: int = Field(
        default=40,
        ge=1,
        le=366,
        description="Days after the tender opens that offers are due, unless a procurement sets its own "
        "`offers_due` (Directive 2009/81/EC, Article 33(3): 40 days for tenders in the restricted procedure).",
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

    def horizons(self) -> Horizons:
        return Horizons.of(self.expiry_horizons, self.expiry_horizons_by_category)

    @model_validator(mode="after")
    def _horizons_hold(self) -> ContractsSettings:
        """Horizons that cannot be told refuse the service's start, not a reader's request."""
        try:
            self.horizons()
        except ContractRuleViolation as exc:
            raise ValueError(str(exc)) from exc
        return self
