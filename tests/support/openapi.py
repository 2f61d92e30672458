"""Reads an OpenAPI document for input left lax: what a client or a fuzzer may send
without the document saying where it ends."""

from __future__ import annotations

from typing import Any

_BOUNDED_FORMATS = {"date", "date-time", "uuid"}


def lax_spots(document: dict[str, Any]) -> list[str]:
    """Every request body, path and query parameter whose schema leaves something open:
    an object taking unknown fields, a number without both bounds, a string without a
    length, pattern or choice, a list or map without a largest size."""
    components = document.get("components", {}).get("schemas", {})
    found: list[str] = []
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("path", "query"):
                    _check(
                        parameter["schema"], f"{where} {parameter['in']}.{parameter['name']}", components, found, set()
                    )
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                _check(body["schema"], f"{where} body", components, found, set())
    return found


def _check(schema: dict[str, Any], at: str, components: dict[str, Any], found: list[str], seen: set[str]) -> None:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            _check(components[name], at, components, found, seen | {name})
        return
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        bounded_number = any(v.get("type") in ("number", "integer") and _bounded_number(v) for v in variants)
        for variant in variants:
            if variant.get("type") == "null":
                continue
            if variant.get("type") == "string" and bounded_number and not _bounded_string(variant):
                continue  # a bounded number written as a decimal string
            _check(variant, at, components, found, seen)
        return
    for sub in schema.get("allOf", []):
        _check(sub, at, components, found, seen)
    if "enum" in schema or "const" in schema:
        return
    kind = schema.get("type")
    if kind in ("integer", "number") and not _bounded_number(schema):
        found.append(f"{at}: {kind} without a lower and an upper bound")
    elif kind == "string" and not _bounded_string(schema):
        found.append(f"{at}: string without maxLength, pattern or choices")
    elif kind == "array":
        if "maxItems" not in schema:
            found.append(f"{at}: list without maxItems")
        _check(schema.get("items", {}), f"{at}[]", components, found, seen)
    elif kind == "object":
        properties = schema.get("properties", {})
        keyed = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", not keyed)
        if properties and extra is not False:
            found.append(f"{at}: object takes unknown fields")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(f"{at}: map without maxProperties")
            _check(schema.get("propertyNames", {"type": "string"}), f"{at}{{key}}", components, found, seen)
            _check(extra, f"{at}{{}}", components, found, seen)
        elif not properties and extra is True:
            found.append(f"{at}: object of any shape")
        if keyed and "maxProperties" not in schema:
            found.append(f"{at}: map without maxProperties")
        for pattern, sub in keyed.items():
            _check(sub, f"{at}{{{pattern}}}", components, found, seen)
        for name, sub in properties.items():
            _check(sub, f"{at}.{name}", components, found, seen)


def _bounded_number(schema: dict[str, Any]) -> bool:
    low = "minimum" in schema or "exclusiveMinimum" in schema
    high = "maximum" in schema or "exclusiveMaximum" in schema
    return low and high


def _bounded_string(schema: dict[str, Any]) -> bool:
    return "maxLength" in schema or "pattern" in schema or schema.get("format") in _BOUNDED_FORMATS
