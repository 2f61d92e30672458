"""``python -m console``: serve the console with uvicorn."""

from __future__ import annotations

import sys

import uvicorn

from bundling_shared.logging import configure_logging
from console.config import ConsoleSettings
from console.entrypoints.app import create_app


def main() -> int:
    settings = ConsoleSettings()
    configure_logging("console", settings.log.level, settings.log.json_output)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
