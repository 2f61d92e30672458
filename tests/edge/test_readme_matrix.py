"""The README's "Who may do what" section is the route matrix, word for word: what the
documentation promises is what the matrix test checks."""

from __future__ import annotations

from pathlib import Path

from tests.edge.matrix_markdown import tables

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Who may do what"


def test_the_readme_authorisation_tables_are_the_matrix() -> None:
    text = README.read_text()
    assert SECTION in text, (
        f"README.md has no '{SECTION}' section; its tables: uv run python -m tests.edge.matrix_markdown"
    )
    section = text.split(SECTION, 1)[1]
    following = section.find("\n## ")
    section = section if following < 0 else section[:following]
    assert tables() in section, (
        f"the tables under '{SECTION}' differ from tests/edge/matrix.py; "
        "regenerate them with: uv run python -m tests.edge.matrix_markdown"
    )
