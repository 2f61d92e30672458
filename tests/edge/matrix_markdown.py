"""The route matrix as the README's "Who may do what" tables, one per service:
``uv run python -m tests.edge.matrix_markdown`` prints them; the README carries them
verbatim, and a test holds the two together."""

from __future__ import annotations

from tests.edge.matrix import DESCRIBED, EXPECTED, RELATIONS, expected

SERVICES = ("demand", "contracts", "notifications")
OPERATIONS = {"/health", "/ready", "/metrics"}


def tables() -> str:
    header = "| route | " + " | ".join(DESCRIBED[r] for r in RELATIONS) + " |"
    rule = "|---|" + "---|" * len(RELATIONS)
    blocks = []
    for service in SERVICES:
        rows = [
            f"| `{method} {path}` | " + " | ".join(expected(route)[r] for r in RELATIONS) + " |"
            for route in EXPECTED
            for name, method, path in [route]
            if name == service and path not in OPERATIONS
        ]
        blocks.append("\n".join([f"### {service}", "", header, rule, *rows]))
    return "\n\n".join(blocks) + "\n"


if __name__ == "__main__":
    print(tables(), end="")
