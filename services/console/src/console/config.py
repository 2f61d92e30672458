"""Settings of the console (prefix ``CONSOLE_``) plus the shared authentication ones.

The console keeps no data of its own: it needs where the three services answer, a key to
sign its session cookies with, and how users sign in: through the organisation's OpenID
Connect provider (the issuer whose access tokens the services trust), or in development
through a page that mints development tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator
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
    oidc_issuer: str | None = Field(
        default=None,
        description="The OpenID Connect provider users sign in with (its `iss`); required outside development.",
    )
    oidc_discovery_url: str | None = Field(
        default=None, description="Its discovery document; by default the issuer's /.well-known/openid-configuration."
    )
    oidc_client_id: str | None = Field(default=None, description="The console's client id at the provider.")
    oidc_client_secret: str | None = Field(
        default=None, description="The console's client secret; leave unset for a public client (PKCE alone)."
    )
    oidc_scopes: str = Field(
        default="openid profile",
        description="Scopes asked for, space-separated; `openid` is required. Add the one your provider needs to put"
        " the platform's audience and role claims into the access token.",
    )
    oidc_provider_name: str = Field(
        default="your organisation", description="Shown on the sign-in button: Sign in with <name>."
    )
    public_url: str | None = Field(
        default=None,
        description="Where users reach the console (e.g. https://console.example.org); the provider sends them back"
        " to its /auth/callback. Required with OIDC_ISSUER; HTTPS unless on loopback.",
    )
    live_poll_seconds: float = Field(
        default=1.0, gt=0, le=30, description="How often a live page asks the services whether its object changed."
    )
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @field_validator("oidc_issuer", "oidc_discovery_url", "oidc_client_id", "oidc_client_secret", "public_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        """A manifest sets every variable; an empty one there means the setting is not used."""
        return value or None

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def oidc_metadata_url(self) -> str:
        if self.oidc_discovery_url:
            return self.oidc_discovery_url
        return f"{(self.oidc_issuer or '').rstrip('/')}/.well-known/openid-configuration"

    @property
    def callback_url(self) -> str:
        return f"{(self.public_url or '').rstrip('/')}/auth/callback"

    def check_safe(self) -> None:
        """The development sign-in mints tokens anyone could: never outside development.
        Outside development users can only sign in through the provider, so a console
        that could not send them there does not start."""
        if self.dev_sign_in and self.auth.mode != "development":
            raise InsecureConfiguration("CONSOLE_DEV_SIGN_IN is for development only (AUTH_MODE=development)")
        if self.auth.mode != "development" and self.session_secret == DEVELOPMENT_SECRET:
            raise InsecureConfiguration("CONSOLE_SESSION_SECRET must be set outside development")
        if self.auth.mode != "development" and not self.oidc_enabled:
            raise InsecureConfiguration("CONSOLE_OIDC_ISSUER must be set outside development: users sign in through it")
        if self.oidc_enabled:
            self._check_oidc()

    def _check_oidc(self) -> None:
        problems = []
        if not self.oidc_client_id:
            problems.append("CONSOLE_OIDC_CLIENT_ID is not set")
        if "openid" not in self.oidc_scopes.split():
            problems.append("CONSOLE_OIDC_SCOPES must include openid (the ID token proves who signed in)")
        if not self.public_url:
            problems.append("CONSOLE_PUBLIC_URL is not set (the provider sends users back to it)")
        addresses = {
            "CONSOLE_PUBLIC_URL": self.public_url,
            "CONSOLE_OIDC_ISSUER": self.oidc_issuer,
            "CONSOLE_OIDC_DISCOVERY_URL": self.oidc_discovery_url,
        }
        for name, url in addresses.items():
            if url and not _https_or_loopback(url):
                problems.append(f"{name} must be an https:// address (plain http only on loopback)")
        if problems:
            raise InsecureConfiguration("refusing to start the OpenID Connect sign-in: " + "; ".join(problems))


def _https_or_loopback(url: str) -> bool:
    """Codes and tokens travel over these addresses: in clear only within the machine."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
