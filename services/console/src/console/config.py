"""Settings of the console (prefix ``CONSOLE_``) plus the shared authentication ones.

The console keeps no data of its own: it needs where the three services answer, a key to
sign its session cookies with, and whether the development sign-in is offered."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bundling_shared.settings import (
    DEVELOPMENT_SECRET,
    AuthSettings,
    InsecureConfiguration,
    LogSettings,
    MetricsSettings,
)


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8004, ge=1, le=65535)
    demand_url: str = Field(default="http://127.0.0.1:8001", description="Where the demand service answers.")
    contracts_url: str = Field(default="http://127.0.0.1:8002", description="Where the contracts service answers.")
    notifications_url: str = Field(
        default="http://127.0.0.1:8003", description="Where the notifications service answers."
    )
    session_secret: str = Field(
        default=DEVELOPMENT_SECRET, description="Signs the session cookie; set a long random one in production."
    )
    secure_cookies: bool = Field(default=False, description="Send the session cookie over HTTPS only.")
    dev_sign_in: bool = Field(
        default=False,
        description="Offer a sign-in page that picks a role and mints a development token (AUTH_MODE=development"
        " only).",
    )
    live_poll_seconds: float = Field(
        default=1.0, gt=0, le=30, description="How often a live page asks the services whether its object changed."
    )
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    def check_safe(self) -> None:
        """The development sign-in mints tokens anyone could: never outside development."""
        if self.dev_sign_in and self.auth.mode != "development":
            raise InsecureConfiguration("CONSOLE_DEV_SIGN_IN is for development only (AUTH_MODE=development)")
        if self.auth.mode != "development" and self.session_secret == DEVELOPMENT_SECRET:
            raise InsecureConfiguration("CONSOLE_SESSION_SECRET must be set outside development")
