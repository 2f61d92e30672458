"""``python -m notifications``: serve the notifications service with uvicorn."""

from __future__ import annotations

import uvicorn

from bundling_shared.logging import configure_logging
from notifications.config import NotificationsSettings
from notifications.entrypoints.app import create_app


def main() -> None:
    settings = NotificationsSettings()
    configure_logging("notifications", settings.log.level, settings.log.json_output)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
