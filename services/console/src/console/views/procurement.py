"""A procurement in words: its weights as shares of the whole, and the decisions taken on
it as the procurement itself records them (opened, offers closed, awarded, signed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

CRITERIA = {
    "price": "price",
    "delivery": "delivery time",
    "origin": "origin",
    "industrial_participation": "industrial participation",
}


def weights_in_percent(weights: Mapping[str, float]) -> list[tuple[str, int]]:
    """Each criterion's share of the weighing, in whole percent, in the published order."""
    whole = sum(weights.values()) or 1
    return [(CRITERIA.get(c, c), round(100 * weights.get(c, 0) / whole)) for c in CRITERIA]


def decisions(procurement: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What was decided and when, oldest first, each said in a sentence."""
    p = procurement
    said = [
        (
            str(p["tender_date"]),
            f"{p['contracting_authority']} opened the {p['procedure'].replace('_', ' ')} procedure for "
            f"{p['quantity']:,} {p['item_code']} for {', '.join(p['nations'])}"
            + (f" under {p['funding_instrument']}" if p.get("funding_instrument") else ""),
        ),
    ]
    if p.get("justification"):
        said.append((str(p["tender_date"]), f"justified as: {p['justification']}"))
    said.append((str(p["offers_due"]), "offers taken until the end of this day"))
    if p.get("standstill_until"):
        awarded = date.fromisoformat(p["standstill_until"]) - timedelta(days=int(p["standstill_days"]))
        winner = p.get("awarded_supplier") or "the best-ranked offer"
        said.append((awarded.isoformat(), f"awarded to {winner}; the standstill runs until {p['standstill_until']}"))
    if p["status"] == "signed":
        said.append(("", f"signed with {p.get('awarded_supplier') or 'the winner'} once the standstill ended"))
    return said
