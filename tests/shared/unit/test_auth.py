import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bundling_shared.auth import Role
from bundling_shared.auth.tokens import InvalidToken, TokenVerifier, mint_token
from bundling_shared.settings import AuthSettings

SETTINGS = AuthSettings(jwt_secret="test-secret-0123456789abcdef0123456789")


async def test_a_minted_token_carries_role_and_nation() -> None:
    token = mint_token(SETTINGS, role=Role.NATION_DESK, subject="desk:NLD", nation="NLD")
    principal = await TokenVerifier(SETTINGS).verify(token)
    assert principal.role is Role.NATION_DESK and principal.nation == "NLD" and principal.party == "NLD"


async def test_a_token_signed_with_another_key_is_refused() -> None:
    other = AuthSettings(jwt_secret="another-secret-0123456789abcdef012345")
    token = mint_token(other, role=Role.ADMIN, subject="x")
    with pytest.raises(InvalidToken, match="Signature"):
        await TokenVerifier(SETTINGS).verify(token)


async def test_an_expired_token_is_refused() -> None:
    token = mint_token(SETTINGS, role=Role.ADMIN, subject="x", ttl=timedelta(seconds=-5))
    with pytest.raises(InvalidToken, match="expired"):
        await TokenVerifier(SETTINGS).verify(token)


async def test_a_nation_desk_token_without_nation_is_refused() -> None:
    token = jwt.encode(
        {
            "sub": "x",
            "role": "nation_desk",
            "iss": SETTINGS.issuer,
            "aud": SETTINGS.audience,
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        SETTINGS.jwt_secret,
        algorithm="HS256",
    )
    with pytest.raises(InvalidToken, match="must name its nation"):
        await TokenVerifier(SETTINGS).verify(token)


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()


async def test_production_tokens_are_verified_against_the_issuers_jwks(
    jwks_server: tuple[str, rsa.RSAPrivateKey],
) -> None:
    url, key = jwks_server
    settings = AuthSettings(jwks_url=url, issuer="https://idp.example", audience="bundling-platform")
    claims = {
        "sub": "desk",
        "role": "coordinator",
        "org": "NSPA",
        "iss": "https://idp.example",
        "aud": "bundling-platform",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    good = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    principal = await TokenVerifier(settings).verify(good)
    assert principal.role is Role.COORDINATOR and principal.organisation == "NSPA"
    # An HS256 token made with the development secret must not pass in production mode.
    forged = mint_token(AuthSettings(issuer="https://idp.example"), role=Role.ADMIN, subject="x")
    with pytest.raises(InvalidToken):
        await TokenVerifier(settings).verify(forged)


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per token whose signature and claims were checked."""
    checked: list[int] = []
    real_decode = jwt.decode

    def counting_decode(*args: object, **kwargs: object) -> object:
        checked.append(1)
        return real_decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting_decode)
    return checked


async def test_a_verified_token_is_answered_from_memory_until_it_expires(decoded: list[int]) -> None:
    verifier = TokenVerifier(SETTINGS)
    token = mint_token(SETTINGS, role=Role.NATION_DESK, subject="desk:NLD", nation="NLD", ttl=timedelta(seconds=2))
    first, again = await verifier.verify(token), await verifier.verify(token)
    assert first == again and len(decoded) == 1

    expires = jwt.api_jwt.decode_complete(token, options={"verify_signature": False})["payload"]["exp"]
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


async def test_a_remembered_token_is_checked_again_after_the_remembering_time() -> None:
    """A key the issuer withdraws stops being honoured: here the secret changes."""
    clock = [time.time()]
    settings = AuthSettings(jwt_secret="test-secret-0123456789abcdef0123456789")
    verifier = TokenVerifier(settings, remember_seconds=60, now=lambda: clock[0])
    token = mint_token(settings, role=Role.ADMIN, subject="x")
    await verifier.verify(token)
    settings.jwt_secret = "rotated-secret-0123456789abcdef01234567"
    assert (await verifier.verify(token)).subject == "x"
    clock[0] += 61
    with pytest.raises(InvalidToken, match="Signature"):
        await verifier.verify(token)


async def test_the_least_recently_used_token_is_forgotten_first(decoded: list[int]) -> None:
    verifier = TokenVerifier(SETTINGS, remember=2)
    a, b, c = (mint_token(SETTINGS, role=Role.ADMIN, subject=s) for s in "abc")
    for token in (a, b, a, c):  # a used again after b: b is the one forgotten when c comes
        await verifier.verify(token)
    assert len(decoded) == 3
    await verifier.verify(a)
    assert len(decoded) == 3
    await verifier.verify(b)
    assert len(decoded) == 4
