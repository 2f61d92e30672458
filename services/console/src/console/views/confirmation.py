"""An act that cannot be undone (closing or cancelling a bundle, awarding or signing a
procurement) is sent only with its confirmation box ticked; the script's dialog is a
courtesy, the server's check is the rule, so a page without the script is held to it too."""

from __future__ import annotations

from collections.abc import Mapping


def unticked(form: Mapping[str, str], what: str) -> str | None:
    """What to tell a user who did not tick the box; None once ticked."""
    return None if form.get("confirm") == "yes" else f"tick the box to confirm: {what}"
