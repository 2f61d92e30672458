"""Schemathesis over every operation of the three OpenAPI documents, with its default
checks, as each role: no input makes a service fail (5xx), and every answer is one the
document declares, in the declared media type and shape.

It runs against the services of the edge package (separate processes on the real broker
and PostgreSQL), bounded to fit the CI budget (about two minutes on two cores): for every
operation, role (nation desk, coordinator, industry, admin) and generation mode (input the
document admits, and input it forbids), the document's own examples and then
``EDGE_SCHEMATHESIS_EXAMPLES`` (default 5) generated ones, no deadline, derandomised, so
every run sends the same ~3,300 requests. Every failure is collected with a request that
reproduces it, and the test fails with the whole list; the counts are printed at the end."""

from __future__ import annotations

import contextlib
import os
import time
from collections import defaultdict
from typing import Any, cast, get_args

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from pydantic_core.core_schema import ErrorType
from schemathesis import GenerationMode

from bundling_shared.auth import Role
from tests.support.api import bearer
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.e2e

ROLES = {
    role: {"Authorization": headers["authorization"]}
    for role, headers in {
        "desk": bearer(Role.NATION_DESK, nation="NLD"),
        "coordinator": bearer(Role.COORDINATOR, org="NSPA"),
        "industry": bearer(Role.INDUSTRY, org="NAMMO"),
        "admin": bearer(Role.ADMIN, org="platform"),
    }.items()
}
REFUSED_VALID = "Schema-valid request rejected"
# Per operation, role and mode (valid and invalid input): 4 roles x 2 modes x this.
EXAMPLES = int(os.environ.get("EDGE_SCHEMATHESIS_EXAMPLES", "5"))
FINDINGS = os.environ.get("EDGE_SCHEMATHESIS_REPORT")


def test_no_input_makes_a_service_answer_outside_its_document(services: dict[str, ServiceProcess]) -> None:
    started = time.monotonic()
    failures: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    operations = examples = 0
    session = requests.Session()
    for name, service in services.items():
        document = httpx.get(f"{service.url}/openapi.json", timeout=30).json()
        schema = schemathesis.openapi.from_dict(document)
        for result in schema.get_all_operations():
            operation = cast(Any, result).ok()
            operations += 1
            for role, headers in ROLES.items():
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    examples += _run(operation, mode, service.url, headers, session, failures, f"{name} as {role}")
    session.close()
    lines = []
    for (who, label, title), reproductions in sorted(failures.items()):
        lines.append(f"- {who} {label}: {title} ({len(reproductions)}x)\n    {reproductions[0]}")
    report = "\n".join(lines)
    if FINDINGS:
        with open(FINDINGS, "w") as out:
            out.write(report + "\n")
    print(
        f"\nschemathesis: {operations} operations x {len(ROLES)} roles, {examples} examples, "
        f"{sum(map(len, failures.values()))} failing examples in {len(failures)} kinds, "
        f"{time.monotonic() - started:.0f}s"
    )
    assert not failures, f"{len(failures)} kinds of failure:\n{report}"


def _run(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    failures: dict[tuple[str, str, str], list[str]],
    who: str,
) -> int:
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(base_url=base_url, session=session, headers=headers)
        try:
            case.validate_response(
                response, headers=headers, transport_kwargs={"base_url": base_url, "session": session}
            )
        except (Exception, BaseExceptionGroup) as exc:  # every failure is recorded; the run goes on
            for failure in getattr(exc, "exceptions", [exc]):
                title = str(getattr(failure, "title", type(failure).__name__))
                if title == REFUSED_VALID and _a_rule_of_the_domain(response):
                    continue
                failures[(who, operation.label, title)].append(_reproduce(case, base_url, failure, response))

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: no parameter, no body
        one()
    return sent


def _a_rule_of_the_domain(response: Any) -> bool:
    """A 422 that names a rule of the domain (a window in the past, a nation that is not the
    token's, at least one positive weight) refuses input no JSON Schema can describe; a 422
    for a type or a bound the request model checks means the document and the model
    disagree, and that is a finding."""
    if response.status_code != 422:
        return False
    try:
        problem = response.json()
    except ValueError:
        return False
    if problem.get("type") != "validation-error":
        return True
    return all(_domain_rule(error.get("rule")) for error in problem.get("errors", []))


PYDANTIC_RULES = frozenset(get_args(ErrorType))
STRICT_WHOLE_NUMBERS = "int_type"
"""JSON Schema's integer admits 2.0; the request models take a whole number only as one
written without a fraction. A schema-valid value refused as int_type is such a number."""


def _domain_rule(rule: str | None) -> bool:
    """A rule of the service's own (a known nation, a planning range, a model validator's
    value_error) rather than a type or bound the document should have declared."""
    return rule in ("value_error", STRICT_WHOLE_NUMBERS) or rule not in PYDANTIC_RULES


def _reproduce(case: Any, base_url: str, failure: BaseException, response: Any) -> str:
    try:
        command = case.as_curl_command(base_url=base_url)
    except Exception:
        command = f"{case.method} {case.formatted_path}"
    command = command.replace("-H 'User-Agent: python-requests/2.34.2' -H 'Accept-Encoding: gzip, deflate' ", "")
    command = command.replace("-H 'Accept: */*' -H 'Connection: keep-alive' ", "")
    message = " ".join(str(getattr(failure, "message", failure)).split())[:300]
    answer = " ".join(response.text.split())[:300]
    return f"{command[:600]}\n    -> {message}\n    <- {response.status_code} {answer}"
