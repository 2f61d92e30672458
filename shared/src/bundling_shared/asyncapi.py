"""AsyncAPI documents generated from each service's FastStream broker.

The documents are kept in the repository beside each service; a test regenerates them
and fails when code and document disagree, so the published contract cannot drift.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI


def render(broker: KafkaBroker, *, title: str, description: str) -> str:
    spec = AsyncAPI(broker, title=title, version="1.0.0", description=description, schema_version="3.0.0")
    document = spec.to_specification().to_jsonable()
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def write_or_check(text: str, path: Path, argv: list[str] | None = None) -> int:
    """``--check`` compares with the kept document; otherwise writes it."""
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        if not path.exists() or path.read_text() != text:
            print(f"{path} is out of date: regenerate it with the service's asyncapi module")
            return 1
        return 0
    path.write_text(text)
    print(f"wrote {path}")
    return 0


@dataclass(frozen=True)
class KeptDocument:
    """A service's document, kept as ``asyncapi.json`` beside the service's package: built
    from the broker its bootstrap wires and its entrypoint subscribes (no database is
    opened, none is needed to describe the topics)."""

    bootstrap: Callable[[], Any]
    subscribe: Callable[[Any], None]
    module_file: str
    description: str

    @property
    def path(self) -> Path:
        return Path(self.module_file).resolve().parents[3] / "asyncapi.json"

    def render(self) -> str:
        service = self.bootstrap()
        self.subscribe(service)
        name = self.bootstrap.__module__.split(".")[0]
        return render(service.broker, title=f"{name.capitalize()} service", description=self.description)

    def write_or_check(self) -> int:
        return write_or_check(self.render(), self.path)
