"""``python -m contracts``: serve the contracts service with uvicorn."""

from __future__ import annotations

import uvicorn

from bundling_shared.logging import configure_logging
from bundling_shared.observability import tracing
from contracts.config import ContractsSettings
from contracts.entrypoints.app import create_app


def main() -> None:
    settings = ContractsSettings()
    configure_logging("contracts", settings.log.level, settings.log.json_output)
    tracing.configure("contracts", settings.tracing)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
