"""The need form's fields as the demand service's request: numbers as numbers, money as
text. The form, the spreadsheet import and the command line send the same request."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


class FormProblem(ValueError):
    """A field the desk filled in that cannot be sent as it is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def need_body(party: str, form: dict[str, str]) -> dict[str, Any]:
    """The form as the demand service's request: numbers as numbers, the money as text."""
    try:
        quantity = int(form.get("quantity", ""))
    except ValueError:
        raise FormProblem("quantity", "a whole number of units") from None
    body: dict[str, Any] = {
        "nation": party,
        "item_code": form.get("item_code", ""),
        "quantity": quantity,
        "delivery_window": {"start": form.get("window_start", ""), "end": form.get("window_end", "")},
        "end_user": form.get("end_user", "own_forces"),
    }
    if form.get("budget", "").strip():
        try:
            amount = Decimal(form["budget"].replace(",", "").strip())
        except InvalidOperation:
            raise FormProblem("budget", "an amount in euros, e.g. 250000000.00") from None
        body["budget_ceiling"] = {"amount": f"{amount:.2f}", "currency": "EUR"}
    return body
