"""Needs imported from a spreadsheet, row by row: each row is sent to the demand service as
the form's request, with an Idempotency-Key made of the file's digest and the row's
number, so a row accepted is registered once however often the same file comes again,
and a row refused is reported with the service's reason. The console's import page and
the command line both import through here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from console.adapters.platform_api import ApiError, PlatformApi
from console.views.need_form import FormProblem, need_body
from console.views.spreadsheets import form_of


@dataclass(frozen=True)
class RowOutcome:
    row: int  # as a spreadsheet counts it: the header is row 1
    accepted: bool
    need: dict[str, Any] | None
    why: str


def digest_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:40]


async def import_rows(
    api: PlatformApi,
    token: str,
    party: str,
    rows: Sequence[dict[str, str]],
    digest: str,
    done: Callable[[RowOutcome], None] | None = None,
) -> list[RowOutcome]:
    outcomes = []
    for number, row in enumerate(rows, start=2):
        try:
            body = need_body(party, form_of(row))
            need = await api.call(
                "demand", "POST", "/v1/needs", token, json=body, headers={"idempotency-key": f"{digest}-{number}"}
            )
            outcome = RowOutcome(number, True, need, "")
        except FormProblem as problem:
            outcome = RowOutcome(number, False, None, f"{problem.field}: {problem}")
        except ApiError as refused:
            outcome = RowOutcome(number, False, None, refused.detail)
        outcomes.append(outcome)
        if done is not None:
            done(outcome)
    return outcomes
