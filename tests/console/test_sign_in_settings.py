"""The console refuses to start on a sign-in that would not be safe: outside development
only through an OpenID Connect provider, asked for an ID token, over HTTPS, and never with
the development sign-in."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from bundling_shared.settings import DEVELOPMENT_SECRET, AuthSettings, InsecureConfiguration
from console.config import ConsoleSettings

PRODUCTION = AuthSettings(mode="production", jwks_url="https://idp.example/jwks", issuer="https://idp.example")
SAFE: dict[str, Any] = {
    "session_secret": "a-long-random-secret-for-the-console-0123456789",
    "oidc_issuer": "https://idp.example",
    "oidc_client_id": "console",
    "public_url": "https://console.example",
    "auth": PRODUCTION,
}


def test_production_with_the_provider_configured_starts() -> None:
    ConsoleSettings(**SAFE).check_safe()
    ConsoleSettings(**{**SAFE, "oidc_client_secret": "shh"}).check_safe()
    ConsoleSettings(**{**SAFE, "public_url": "http://127.0.0.1:8004"}).check_safe()  # on the machine itself


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"oidc_issuer": None}, "CONSOLE_OIDC_ISSUER must be set"),
        ({"oidc_issuer": ""}, "CONSOLE_OIDC_ISSUER must be set"),  # a manifest's empty value is no provider
        ({"public_url": ""}, "CONSOLE_PUBLIC_URL is not set"),
        ({"oidc_client_id": None}, "CONSOLE_OIDC_CLIENT_ID is not set"),
        ({"public_url": None}, "CONSOLE_PUBLIC_URL is not set"),
        ({"oidc_scopes": "profile email"}, "must include openid"),
        ({"public_url": "http://console.example"}, "CONSOLE_PUBLIC_URL must be an https"),
        ({"oidc_issuer": "http://idp.example"}, "CONSOLE_OIDC_ISSUER must be an https"),
        ({"oidc_discovery_url": "http://idp.example/.well-known/openid-configuration"}, "DISCOVERY_URL must be"),
        ({"dev_sign_in": True}, "CONSOLE_DEV_SIGN_IN is for development only"),
        ({"session_secret": DEVELOPMENT_SECRET}, "CONSOLE_SESSION_SECRET must be set"),
    ],
)
def test_an_unsafe_sign_in_is_refused(change: dict[str, Any], refusal: str) -> None:
    with pytest.raises(InsecureConfiguration, match=refusal):
        ConsoleSettings(**{**SAFE, **change}).check_safe()


def test_development_may_offer_both_sign_ins() -> None:
    development = AuthSettings(mode="development")
    ConsoleSettings(dev_sign_in=True, auth=development).check_safe()
    ConsoleSettings(**{**SAFE, "dev_sign_in": True, "auth": development}).check_safe()
    with pytest.raises(InsecureConfiguration, match="CONSOLE_OIDC_CLIENT_ID"):
        ConsoleSettings(oidc_issuer="https://idp.example", auth=development).check_safe()


def test_the_discovery_document_defaults_to_the_issuers() -> None:
    settings = ConsoleSettings(**{**SAFE, "oidc_issuer": "https://idp.example/realms/nato/"})
    assert settings.oidc_metadata_url == "https://idp.example/realms/nato/.well-known/openid-configuration"
    assert settings.callback_url == "https://console.example/auth/callback"


def test_the_console_does_not_start_in_production_without_a_provider() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "CONSOLE_"))}
    env |= {"AUTH_JWKS_URL": "https://idp.example/jwks", "AUTH_ISSUER": "https://idp.example"}
    env |= {"CONSOLE_SESSION_SECRET": SAFE["session_secret"], "CONSOLE_PORT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "console"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "CONSOLE_OIDC_ISSUER must be set outside development" in result.stdout + result.stderr
