"""What promtool checks of a query, short of evaluating it: it lexes, its brackets
balance, every function is PromQL's, every range is a duration, every metric is one the
platform exports (`metrics.KNOWN`) and every label matcher names a label of its metric.

Grafana's variables (`$service`, `$__rate_interval`) stand where PromQL allows them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.deploy.metrics import KNOWN

AGGREGATIONS = frozenset(
    {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"}
)
FUNCTIONS = frozenset(
    {
        "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
        "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
        "floor", "histogram_avg", "histogram_count", "histogram_fraction", "histogram_quantile", "histogram_sum",
        "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace", "last_over_time", "ln",
        "log10", "log2", "max_over_time", "min_over_time", "minute", "month", "predict_linear", "present_over_time",
        "quantile_over_time", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc", "sqrt",
        "stddev_over_time", "stdvar_over_time", "sum_over_time", "time", "timestamp", "vector", "year",
    }
)  # fmt: skip
BINARY_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan"})
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<variable>\$\{\w+(?::\w+)?\}|\$\w+)
  | (?P<duration>(?:\d+(?:ms|s|m|h|d|w|y))+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+)
  | (?P<identifier>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<operator>=~|!~|==|!=|<=|>=|[-+*/%^<>=,:@])
  | (?P<open>[({\[])
  | (?P<close>[)}\]])
    """,
    re.VERBOSE,
)
PAIRS = {"(": ")", "[": "]", "{": "}"}
DURATION = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
RANGE_VARIABLES = frozenset({"$__rate_interval", "$__interval", "$__range"})
MATCH_OPERATORS = frozenset({"=", "!=", "=~", "!~"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(query: str) -> list[Token]:
    found, position = [], 0
    while position < len(query):
        match = TOKEN.match(query, position)
        if match is None:
            raise ValueError(f"cannot read {query[position : position + 20]!r} in {query!r}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            found.append(Token(kind, match.group()))
        position = match.end()
    return found


def problems(query: str) -> list[str]:
    """Everything wrong with `query`; empty when it passes."""
    return read(query)[1]


def metric_names(query: str) -> set[str]:
    """The metrics a query reads."""
    return read(query)[0]


def read(query: str) -> tuple[set[str], list[str]]:
    """The metrics `query` reads and what is wrong with it."""
    try:
        found = tokens(query)
    except ValueError as exc:
        return set(), [str(exc)]
    if not found:
        return set(), ["empty query"]
    names: set[str] = set()
    errors: list[str] = []
    stack: list[str] = []
    index = 0
    while index < len(found):
        token = found[index]
        after = found[index + 1] if index + 1 < len(found) else None
        if token.text == "[":
            index = _check_range(found, index, errors, query)
            continue
        if token.kind == "open":
            stack.append(token.text)
        elif token.kind == "close":
            if not stack or PAIRS[stack.pop()] != token.text:
                errors.append(f"unbalanced {token.text!r} in {query!r}")
                return names, errors
        elif token.kind == "identifier":
            if token.text in GROUPING:
                if after is not None and after.text == "(":
                    index = _skip_label_list(found, index + 1, errors, query)
                    continue
                if token.text not in {"group_left", "group_right"}:
                    errors.append(f"{token.text} without a label list in {query!r}")
            elif token.text in AGGREGATIONS and after is not None and after.text in {"(", "by", "without"}:
                pass  # `sum (...)`, `sum by (labels) (...)`
            elif after is not None and after.text == "(":
                if token.text not in FUNCTIONS:
                    errors.append(f"unknown function {token.text!r} in {query!r}")
            elif token.text not in BINARY_KEYWORDS:
                names.add(token.text)
                labels = KNOWN.get(token.text)
                if labels is None:
                    errors.append(f"unknown metric {token.text!r} in {query!r}")
                elif after is not None and after.text == "{":
                    index = _check_matchers(found, index + 1, labels, token.text, errors, query)
                    continue
        index += 1
    if stack:
        errors.append(f"unclosed {stack[-1]!r} in {query!r}")
    return names, errors


def _skip_label_list(found: list[Token], start: int, errors: list[str], query: str) -> int:
    """`found[start]` is the `(` after by/without/on/ignoring: label names up to `)`."""
    index = start + 1
    while index < len(found) and found[index].text != ")":
        if found[index].kind != "identifier" and found[index].text != ",":
            errors.append(f"{found[index].text!r} in a label list of {query!r}")
        index += 1
    if index == len(found):
        errors.append(f"unclosed label list in {query!r}")
    return index + 1


def _check_matchers(
    found: list[Token], start: int, labels: frozenset[str], metric: str, errors: list[str], query: str
) -> int:
    """`found[start]` is the `{` after a metric: `label op "value"` pairs up to `}`."""
    index = start + 1
    while index < len(found) and found[index].text != "}":
        name, operator, value = found[index : index + 3]
        if name.kind != "identifier" or operator.text not in MATCH_OPERATORS or value.kind not in {"string"}:
            errors.append(f"malformed label matcher near {name.text!r} in {query!r}")
            return len(found)
        if name.text not in labels:
            errors.append(f"{metric} has no label {name.text!r} (in {query!r})")
        index += 3
        if index < len(found) and found[index].text == ",":
            index += 1
    if index == len(found):
        errors.append(f"unclosed label matchers in {query!r}")
    return index + 1


def _check_range(found: list[Token], start: int, errors: list[str], query: str) -> int:
    """`found[start]` is `[`: a duration or Grafana's interval, a subquery step after `:`."""
    index = start + 1
    parts: list[str] = []
    while index < len(found) and found[index].text != "]":
        parts.append(found[index].text)
        index += 1
    if index == len(found):
        errors.append(f"unclosed range in {query!r}")
        return index
    text = "".join(parts)
    window, _, step = text.partition(":")
    if not _a_duration(window) or (step and not _a_duration(step)):
        errors.append(f"[{text}] is not a range in {query!r}")
    return index + 1


def _a_duration(text: str) -> bool:
    return bool(DURATION.match(text)) or text in RANGE_VARIABLES
