"""AsyncAPI documents generated from each service's FastStream broker.

The documents are kept in the repository beside each service; a test regenerates them
and fails when code and document disagree, so the published contract cannot drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
