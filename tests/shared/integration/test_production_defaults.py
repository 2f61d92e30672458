"""A service outside development mode never runs on what the documentation publishes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bundling_shared.auth import Role
from bundling_shared.auth.tokens import InvalidToken, TokenVerifier, mint_token
from bundling_shared.settings import DEVELOPMENT_SECRET, AuthSettings, InsecureConfiguration


def test_production_is_the_default_mode() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    code = "from bundling_shared.settings import AuthSettings; print(AuthSettings().mode)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "production"


def test_production_without_jwks_or_own_issuer_is_refused() -> None:
    with pytest.raises(InsecureConfiguration, match=r"AUTH_JWKS_URL is not set.*AUTH_ISSUER"):
        AuthSettings(mode="production").check_safe()
    with pytest.raises(InsecureConfiguration, match="AUTH_ISSUER"):
        AuthSettings(mode="production", jwks_url="https://idp.example/jwks.json").check_safe()
    AuthSettings(mode="production", jwks_url="https://idp.example/jwks.json", issuer="https://idp.example").check_safe()
    AuthSettings(mode="development").check_safe()


async def test_a_token_signed_with_the_public_development_secret_is_refused_in_production() -> None:
    development = AuthSettings(mode="development", jwt_secret=DEVELOPMENT_SECRET)
    token = mint_token(development, role=Role.ADMIN, subject="admin:anyone")
    assert (await TokenVerifier(development).verify(token)).role is Role.ADMIN
    production = AuthSettings(mode="production", jwt_secret=DEVELOPMENT_SECRET)
    with pytest.raises(InvalidToken, match="refused outside development mode"):
        await TokenVerifier(production).verify(token)


@pytest.mark.parametrize("service", ["demand", "contracts", "notifications"])
def test_a_service_started_without_settings_refuses_to_run(service: str, tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"  # never reached: the service stops before
    env[f"{service.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
    result = subprocess.run(
        [sys.executable, "-m", service], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "refusing to start in production mode" in result.stdout + result.stderr
