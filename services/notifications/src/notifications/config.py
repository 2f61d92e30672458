"""Settings of the notifications service (prefix ``NOTIFICATIONS_``) plus the shared ones."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from bundling_shared.settings import ServiceSettings
from notifications.domain.url_safety import UrlPolicy
from notifications.service_layer.messages import Links


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/notifications.db"
    port: int = 8003
    allow_http: bool = Field(default=False, description="Accept http:// webhook URLs (development only).")
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names, IP addresses or networks exempt from the public-address "
        "check, e.g. 127.0.0.1,localhost for local development.",
    )
    request_timeout_seconds: float = Field(default=15.0, gt=0, description="Whole attempt, DNS to last byte.")
    per_endpoint_concurrency: int = Field(default=4, ge=1, description="Attempts in flight to one endpoint.")
    max_in_flight: int = Field(default=100, ge=1, description="Attempts in flight in all; bounds each claim.")
    poll_seconds: float = Field(default=0.5, gt=0, description="Dispatcher poll when nothing wakes it.")
    dispatcher_metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="A dispatcher process (`python -m notifications dispatch`) serves its Prometheus metrics at "
        "/metrics on this port; unset: none. The service process serves them on its own port.",
    )
    run_dispatcher: bool = Field(
        default=True,
        description="Send webhooks from the service process too; false leaves sending to dispatcher processes "
        "(`python -m notifications dispatch`, PostgreSQL only).",
    )
    claim_lease_seconds: float = Field(
        default=60.0, gt=0, description="How long a claimed delivery is left alone before it is tried again."
    )
    secret_rotation_overlap_hours: float = Field(
        default=24.0, ge=0, description="How long the previous secret still signs after a rotation."
    )
    disable_after_failing_days: float = Field(
        default=5.0,
        gt=0,
        description="An endpoint whose attempts have only failed for this long is disabled and its owner told.",
    )
    contract_link_template: str = Field(
        default=Links.contract,
        description="Link put in contract messages; the receiver fetches details there, with its own token.",
    )
    bundle_link_template: str = Field(default=Links.bundle, description="Link in opportunity notices.")
    award_link_template: str = Field(default=Links.award, description="Link in award notices.")
    framework_link_template: str = Field(default=Links.framework, description="Link in framework notices.")
    call_off_link_template: str = Field(default=Links.call_off, description="Link in call-off messages.")
    specification_link_template: str = Field(
        default=Links.specification, description="Link in harmonised-specification messages."
    )
    need_link_template: str = Field(default=Links.need, description="Link in a nation's unplaceable-need notices.")
    pledge_link_template: str = Field(default=Links.pledge, description="Link in the nations' pledge notices.")
    fund_link_template: str = Field(default=Links.fund, description="Link in fund notices.")
    line_link_template: str = Field(
        default=Links.line, description="Link in a company's notice that demand unlocked its production line."
    )
    tender_link_template: str = Field(
        default=Links.tender, description="Link in a tender notice: the open tender as companies read it."
    )

    @model_validator(mode="after")
    def _lease_outlasts_attempt(self) -> Self:
        if self.claim_lease_seconds <= self.request_timeout_seconds:
            raise ValueError("claim_lease_seconds must exceed request_timeout_seconds, or attempts would overlap")
        return self

    @property
    def url_policy(self) -> UrlPolicy:
        return UrlPolicy.from_setting(allow_http=self.allow_http, allowed_hosts=self.allowed_hosts)

    @property
    def rotation_overlap(self) -> timedelta:
        return timedelta(hours=self.secret_rotation_overlap_hours)

    @property
    def disable_after(self) -> timedelta:
        return timedelta(days=self.disable_after_failing_days)

    @property
    def links(self) -> Links:
        return Links(**{link.name: getattr(self, f"{link.name}_link_template") for link in fields(Links)})

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.claim_lease_seconds)
