"""The peers the write benchmark compares the platform with, served by uvicorn as the
services are (`python -m <service>`):

- `bare`: parses the request body with the service's own request model and answers it;
- `minimal`: the same, then inserts one row with SQLAlchemy async on the same database and
  commits: SQLAlchemy's own engine for the URL (aiosqlite or asyncpg as they come), with
  the database settings the platform uses (SQLite in WAL mode with the same busy timeout;
  the same PostgreSQL pool size), and none of the platform's own changes to the driver.

Each write the benchmark measures has its route here with the same request model, so
the platform and its peers parse the same bytes in the same way.

    python bench/peers.py {bare|minimal} --port 18001 --database-url sqlite+aiosqlite:///x.db
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import JSON, DateTime, String, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts.entrypoints.schemas import CallOffIn
from demand.entrypoints.schemas import NeedIn, ParticipationIn


class Base(DeclarativeBase):
    pass


class Written(Base):
    """One row per request: what a minimal endpoint keeps of it."""

    __tablename__ = "peer_writes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/needs", status_code=201)
    async def need(body: NeedIn) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, **body.model_dump(mode="json")}

    @app.post("/v1/bundles/{bundle_id}/participation")
    async def participation(bundle_id: str, body: ParticipationIn) -> dict[str, Any]:
        return {"id": bundle_id, **body.model_dump(mode="json")}

    @app.post("/v1/frameworks/{framework_id}/call-offs", status_code=201)
    async def call_off(framework_id: str, body: CallOffIn) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, "framework_id": framework_id, **body.model_dump(mode="json")}

    return app


def engine_for(url: str) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def minimal_app(database_url: str) -> FastAPI:
    engine = engine_for(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    async def insert(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        row = Written(id=uuid.uuid4().hex, kind=kind, body=body, created_at=datetime.now(UTC))
        session: AsyncSession
        async with sessions() as session:
            session.add(row)
            await session.commit()
        return {"id": row.id, **body}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/needs", status_code=201)
    async def need(body: NeedIn) -> dict[str, Any]:
        return await insert("need", body.model_dump(mode="json"))

    @app.post("/v1/bundles/{bundle_id}/participation")
    async def participation(bundle_id: str, body: ParticipationIn) -> dict[str, Any]:
        return await insert("participation", {"bundle_id": bundle_id, **body.model_dump(mode="json")})

    @app.post("/v1/frameworks/{framework_id}/call-offs", status_code=201)
    async def call_off(framework_id: str, body: CallOffIn) -> dict[str, Any]:
        return await insert("call-off", {"framework_id": framework_id, **body.model_dump(mode="json")})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["bare", "minimal"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    app = bare_app() if args.kind == "bare" else minimal_app(args.database_url)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None)


if __name__ == "__main__":
    main()
