"""Demo webhook receiver: stands in for an industry organisation's system.

The notifications service POSTs Standard Webhooks to ``/webhooks/<org>``; this receiver
checks every signature with the organisation's endpoint secret, prints one line per
webhook and appends it as a JSON line to a log file.

    python deploy/demo/receiver.py          # 127.0.0.1:8099

Routes:
    POST /webhooks/<org>   a webhook; 204 when the signature verifies, 401 when it does not
    POST /_secrets/<org>   {"secret": "whsec_..."}: add a secret for <org> (admin)
    GET  /_received        the webhooks received so far, oldest first (admin); ?org=... filters
    GET  /health           liveness

Admin routes answer loopback clients only, unless ``RECEIVER_ADMIN_TOKEN`` is set: then
they answer anyone who sends ``Authorization: Bearer <token>`` (for docker-compose, where
the demo script reaches the receiver through the container network).

Environment:
    RECEIVER_HOST          listen address                        (default 127.0.0.1)
    RECEIVER_PORT          listen port                           (default 8099)
    RECEIVER_LOG_FILE      JSON lines, one per webhook           (default var/log/webhooks.jsonl)
    RECEIVER_SECRETS_FILE  JSON {"<org>": "whsec_..." or [...]}; read at start, and
                           secrets posted to /_secrets are added to it (default: none)
    RECEIVER_ADMIN_TOKEN   see above                             (default: none, loopback only)

An organisation may hold several secrets (one per endpoint it registered, or during a
rotation): a webhook verifies when any of them matches, as Standard Webhooks intends.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import os
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_BODY = 1024 * 1024
MAX_KEPT = 10_000
ORG_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class Store:
    """Secrets per organisation and the webhooks received, shared by all requests."""

    def __init__(self, log_file: Path, secrets_file: Path | None) -> None:
        self.log_file = log_file
        self.secrets_file = secrets_file
        self.secrets: dict[str, list[str]] = {}
        self.received: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT)
        self.seen_ids: set[str] = set()
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        if self.secrets_file is not None and self.secrets_file.exists():
            raw = json.loads(self.secrets_file.read_text() or "{}")
            for org, value in raw.items():
                for secret in [value] if isinstance(value, str) else value:
                    self._add_secret(org, secret)
        if self.log_file.exists():
            with self.log_file.open() as fh:
                for line in fh:
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    self.received.append(record)
                    if record.get("verified") and record.get("webhook_id"):
                        self.seen_ids.add(f"{record.get('org')}/{record['webhook_id']}")

    def _add_secret(self, org: str, secret: str) -> bool:
        _check_secret(secret)
        known = self.secrets.setdefault(org, [])
        if secret in known:
            return False
        known.append(secret)
        return True

    def add_secret(self, org: str, secret: str) -> bool:
        with self._lock:
            added = self._add_secret(org, secret)
            if added and self.secrets_file is not None:
                self.secrets_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.secrets_file.with_suffix(".tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as fh:
                    json.dump(self.secrets, fh, indent=2)
                os.replace(tmp, self.secrets_file)
            return added

    def verify(self, org: str, body: bytes, headers: dict[str, str]) -> tuple[bool, str, Any]:
        secrets = self.secrets.get(org, [])
        if not secrets:
            return False, f"no secret known for {org}", None
        error = "no secret matched"
        for secret in secrets:
            try:
                return True, "", Webhook(secret).verify(body, headers)
            except Exception as exc:  # WebhookVerificationError, or malformed headers
                error = f"{type(exc).__name__}: {exc}"
        return False, error, None

    def record(self, record: dict[str, Any]) -> None:
        with self._lock:
            if record["verified"]:
                key = f"{record['org']}/{record['webhook_id']}"
                record["duplicate"] = key in self.seen_ids
                self.seen_ids.add(key)
            self.received.append(record)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with self.log_file.open("a") as fh:
                fh.write(json.dumps(record, separators=(",", ":")) + "\n")


def _check_secret(secret: str) -> None:
    """A Standard Webhooks secret: ``whsec_`` and base64 of at least 16 bytes."""
    if not secret.startswith("whsec_"):
        raise ValueError("a webhook secret starts with whsec_")
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("a webhook secret is base64 after whsec_") from exc
    if len(key) < 16:
        raise ValueError("a webhook secret holds at least 16 bytes")
    Webhook(secret)


def _key_data(data: Any) -> str:
    """The few facts worth a human's eye, whatever shape the payload has."""
    if not isinstance(data, dict):
        return ""
    parts = []
    for key in (
        "contract_id",
        "bundle_id",
        "item_code",
        "contracting_authority",
        "total_quantity",
        "nation_count",
    ):
        if key in data:
            parts.append(f"{key}={data[key]}")
    lines = data.get("lines")
    if isinstance(lines, list) and lines:
        nations = [str(x.get("nation")) for x in lines if isinstance(x, dict) and x.get("nation")]
        if nations:
            parts.append("nations=" + ",".join(nations))
    return " ".join(parts)


def create_app(store: Store, admin_token: str | None) -> Starlette:
    def admin_allowed(request: Request) -> bool:
        if admin_token:
            given = request.headers.get("authorization", "")
            return hmac.compare_digest(given.encode(), f"Bearer {admin_token}".encode())
        host = request.client.host if request.client else ""
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host == "localhost"

    def forbidden() -> JSONResponse:
        return JSONResponse({"detail": "admin routes answer local clients or the admin token only"}, 403)

    def valid_org(org: str) -> bool:
        return 0 < len(org) <= 100 and set(org) <= ORG_CHARS

    async def webhook(request: Request) -> Response:
        org = request.path_params["org"]
        if not valid_org(org):
            return JSONResponse({"detail": "bad organisation in path"}, 404)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"detail": "body too large"}, 413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        verified, error, payload = store.verify(org, body, headers)
        if payload is None:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
        data = payload.get("data") if isinstance(payload, dict) else None
        record = {
            "received_at": datetime.now(UTC).isoformat(),
            "org": org,
            "webhook_id": headers.get("webhook-id"),
            "webhook_timestamp": headers.get("webhook-timestamp"),
            "type": payload.get("type") if isinstance(payload, dict) else None,
            "verified": verified,
            "error": error or None,
            "data": data,
        }
        store.record(record)
        mark = "verified" if verified else f"NOT VERIFIED ({error})"
        dup = " (duplicate delivery)" if record.get("duplicate") else ""
        print(
            f"webhook for {org}: {record['type']} id={record['webhook_id']} "
            f"signature {mark}{dup} {_key_data(data)}".rstrip(),
            flush=True,
        )
        if not verified:
            return JSONResponse({"detail": "signature does not verify"}, 401)
        return Response(status_code=204)

    async def add_secret(request: Request) -> Response:
        if not admin_allowed(request):
            return forbidden()
        org = request.path_params["org"]
        if not valid_org(org):
            return JSONResponse({"detail": "bad organisation in path"}, 404)
        try:
            body = await request.json()
            secret = body["secret"]
            if not isinstance(secret, str):
                raise TypeError("secret must be a string")
            added = store.add_secret(org, secret)
        except Exception as exc:
            return JSONResponse({"detail": f'expected {{"secret": "whsec_..."}}: {exc}'}, 422)
        print(f"secret for {org} {'registered' if added else 'already known'}", flush=True)
        return JSONResponse({"org": org, "secrets": len(store.secrets[org])}, 201 if added else 200)

    async def received(request: Request) -> Response:
        if not admin_allowed(request):
            return forbidden()
        org = request.query_params.get("org")
        items = [r for r in list(store.received) if org is None or r.get("org") == org]
        return JSONResponse(items)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "alive"})

    return Starlette(
        routes=[
            Route("/webhooks/{org}", webhook, methods=["POST"]),
            Route("/_secrets/{org}", add_secret, methods=["POST"]),
            Route("/_received", received, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main() -> None:
    host = os.environ.get("RECEIVER_HOST", "127.0.0.1")
    port = int(os.environ.get("RECEIVER_PORT", "8099"))
    log_file = Path(os.environ.get("RECEIVER_LOG_FILE", "var/log/webhooks.jsonl"))
    secrets_env = os.environ.get("RECEIVER_SECRETS_FILE")
    store = Store(log_file, Path(secrets_env) if secrets_env else None)
    app = create_app(store, os.environ.get("RECEIVER_ADMIN_TOKEN") or None)
    print(
        f"demo webhook receiver on http://{host}:{port}/webhooks/<org>; "
        f"log {log_file}; {sum(len(v) for v in store.secrets.values())} secret(s) loaded",
        flush=True,
    )
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("RECEIVER_LOG_LEVEL", "warning"))


if __name__ == "__main__":
    main()
