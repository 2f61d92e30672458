"""The call-off form's fields as the contracts service's request: the quantity as a number,
the supplier only when one is named (without one, the framework's only supplier delivers)."""

from __future__ import annotations

from typing import Any

from console.views.need_form import FormProblem


def call_off_body(form: dict[str, str]) -> dict[str, Any]:
    try:
        quantity = int(form.get("quantity", ""))
    except ValueError:
        raise FormProblem("quantity", "a whole number of units") from None
    body: dict[str, Any] = {
        "item_code": form.get("item_code", ""),
        "quantity": quantity,
        "delivery_due": form.get("delivery_due", ""),
    }
    if form.get("supplier_id"):
        body["supplier_id"] = form["supplier_id"]
    return body
