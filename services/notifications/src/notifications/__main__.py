"""``python -m notifications``: serve the notifications service with uvicorn;
``python -m notifications dispatch``: a process that only sends webhooks."""

from __future__ import annotations

import sys

import uvicorn

from bundling_shared.logging import configure_logging
from bundling_shared.observability import tracing
from notifications.config import NotificationsSettings
from notifications.entrypoints import dispatch
from notifications.entrypoints.app import create_app

USAGE = "usage: python -m notifications [dispatch]"


def main(argv: list[str]) -> int:
    settings = NotificationsSettings()
    if argv == ["dispatch"]:
        return dispatch.main(settings)
    if argv:
        print(USAGE, file=sys.stderr)
        return 2
    configure_logging("notifications", settings.log.level, settings.log.json_output)
    tracing.configure("notifications", settings.tracing)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
