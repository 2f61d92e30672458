"""A small OpenID Connect provider for tests, served over HTTP on loopback.

It publishes a discovery document and an RSA key (JWKS), approves every authorisation
request for the one user it is told about (at once, or on a consent page when asked to),
and exchanges a code for an ID token and an access token carrying the platform's claims
(audience, role, nation or organisation), as an organisation's provider configured for
the platform would. It holds to the protocol where a client could cut corners: an
authorisation request without a PKCE challenge (S256) is refused, a code is exchanged
once, by its client, for the redirect address it was issued for and with the verifier
matching its challenge. Tests may make it misbehave (`deny`, `wrong_nonce`,
`foreign_key`, `opaque_access_token`, `access_audience`) to see that the console refuses
what it must."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bundling_shared.auth import Role

AUDIENCE = "bundling-platform"


@dataclass
class User:
    subject: str
    role: Role
    nation: str | None = None
    organisation: str | None = None

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.subject, "role": self.role.value}
        if self.nation:
            claims["nation"] = self.nation
        if self.organisation:
            claims["org"] = self.organisation
        return claims


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    user: User


@dataclass
class IdentityProvider:
    host: str = "127.0.0.1"
    client_id: str = "console"
    client_secret: str | None = None
    user: User = field(default_factory=lambda: User("desk-nld-1", Role.NATION_DESK, nation="NLD"))
    access_ttl_seconds: int = 300
    ask_consent: bool = False  # a page with an "Allow" button first, as a person would meet
    # misbehaviour, for the tests that the console refuses it
    deny: bool = False
    wrong_nonce: bool = False
    foreign_key: bool = False
    opaque_access_token: bool = False
    access_audience: str = AUDIENCE
    # what happened, for the tests to look at
    signed_out: list[dict[str, str]] = field(default_factory=list)
    exchanges: list[int] = field(default_factory=list)  # status of each code exchange

    def __post_init__(self) -> None:
        self._key: RSAPrivateKey = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._other_key: RSAPrivateKey = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": "test-key", "use": "sig", "alg": "RS256"}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": self.jwks_url,
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        }

    def sign(self, claims: dict[str, Any], *, foreign: bool = False) -> str:
        key = self._other_key if foreign else self._key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "test-key"})

    def access_token(self, user: User, ttl_seconds: int | None = None) -> str:
        """An access token for `user` as the console would get it (tests call the services with it)."""
        now = int(time.time())
        ttl = self.access_ttl_seconds if ttl_seconds is None else ttl_seconds
        claims = {**user.claims(), "iss": self.issuer, "aud": self.access_audience, "iat": now, "exp": now + ttl}
        return self.sign(claims)

    # -- the protocol -------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
        if query.get("client_id") != self.client_id or not redirect_uri.startswith(("http://", "https://")):
            return 400, {}, b"unknown client or redirect address"

        def back(**params: str) -> tuple[int, dict[str, str], bytes]:
            return 302, {"location": f"{redirect_uri}?{urlencode({**params, 'state': state})}"}, b""

        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return back(error="unsupported_response_type")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return back(error="invalid_request", error_description="PKCE with S256 is required")
        if self.deny:
            return back(error="access_denied", error_description="the user declined")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = Grant(
                self.client_id, redirect_uri, query["code_challenge"], query.get("nonce"), self.user
            )
        return back(code=code)

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        status, answer = self._token(form, authorization)
        self.exchanges.append(status)
        return status, answer

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        if not self._client_authenticated(form, authorization):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(digest, grant.challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match the challenge"}
        now = int(time.time())
        id_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.user.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-one-sent" if self.wrong_nonce else grant.nonce,
        }
        access = secrets.token_urlsafe(32) if self.opaque_access_token else self.access_token(grant.user)
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_ttl_seconds,
            "id_token": self.sign(id_claims, foreign=self.foreign_key),
        }

    def _client_authenticated(self, form: dict[str, str], authorization: str | None) -> bool:
        if self.client_secret is None:
            return form.get("client_id") == self.client_id
        if not authorization or not authorization.lower().startswith("basic "):
            return False
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return hmac.compare_digest(authorization[6:].strip(), expected)

    def consent_page(self, query: dict[str, str]) -> bytes:
        """The user approves on the provider's own page: the way back then starts from it."""
        fields = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
        )
        return (
            f"<!doctype html><title>Test Identity</title><h1>Sign in to the console as {self.user.subject}?</h1>"
            f'<form method="post" action="/authorize">{fields}<button type="submit">Allow</button></form>'
        ).encode()

    # -- serving ------------------------------------------------------------------------

    @contextmanager
    def serving(self) -> Iterator[IdentityProvider]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif parts.path == "/jwks":
                    self._json(200, provider.jwks())
                elif parts.path == "/authorize" and provider.ask_consent:
                    self._send(200, {"content-type": "text/html"}, provider.consent_page(query))
                elif parts.path == "/authorize":
                    self._send(*provider.authorize(query))
                elif parts.path == "/logout":
                    provider.signed_out.append(query)
                    after = query.get("post_logout_redirect_uri")
                    self._send(302, {"location": after}, b"") if after else self._send(200, {}, b"signed out")
                else:
                    self._send(404, {}, b"not found")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if path == "/token":
                    self._json(*provider.token(form, self.headers.get("authorization")))
                elif path == "/authorize":  # the consent page's "Allow"
                    self._send(*provider.authorize(form))
                else:
                    self._send(404, {}, b"not found")

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._send(status, {"content-type": "application/json"}, json.dumps(body).encode())

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in {**headers, "content-length": str(len(body)), "cache-control": "no-store"}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server = server
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
