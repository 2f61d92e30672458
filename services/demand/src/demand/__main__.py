"""``python -m demand``: serve the demand service with uvicorn."""

from __future__ import annotations

import uvicorn

from bundling_shared.logging import configure_logging
from bundling_shared.observability import tracing
from demand.config import DemandSettings
from demand.entrypoints.app import create_app


def main() -> None:
    settings = DemandSettings()
    configure_logging("demand", settings.log.level, settings.log.json_output)
    tracing.configure("demand", settings.tracing)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
