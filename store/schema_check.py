"""Checking a record against the published export schema, without a runtime dependency.

The export record's JSON Schema (``store/schemas/export-record.schema.json``) is the
contract a merge holds a colleague's file to. It uses a small part of JSON Schema;
this module compiles exactly that part into one check function, once, and refuses a
schema that uses anything else, so a keyword added to the schema later can never be
skipped in silence. tests/test_merge_trust.py holds it to the same answers as the
``jsonschema`` package on generated records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any, str], str | None]
"""(value, where) -> None when it conforms, else one line saying where and why."""

_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "version", "title", "description"})
_KEYWORDS = frozenset(
    {"type", "enum", "const", "oneOf", "$ref", "pattern", "minLength", "minimum"}
    | {"items", "properties", "required"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class SchemaError(ValueError):
    """The schema uses JSON Schema this module does not check."""


def _same_json(a: Any, b: Any) -> bool:
    # JSON's true is not 1 and "1" is not 1, whatever Python's == says.
    return type(a) is type(b) and a == b


def compile_schema(schema: dict[str, Any], *, required: tuple[str, ...] | None = None) -> Check:
    """One check function for *schema*; *required* replaces the top level's ``required``."""
    defs = schema.get("$defs", {})
    compiled_defs: dict[str, Check] = {}

    def ref(name: str) -> Check:
        def check(value: Any, where: str) -> str | None:
            return compiled_defs[name](value, where)

        return check

    def build(node: dict[str, Any]) -> Check:
        unknown = set(node) - _KEYWORDS - _ANNOTATIONS
        if unknown:
            raise SchemaError(f"schema keywords not checked here: {sorted(unknown)}")
        checks: list[Check] = []
        if "$ref" in node:
            target = node["$ref"]
            if not target.startswith("#/$defs/") or target[8:] not in defs:
                raise SchemaError(f"unsupported $ref {target!r}")
            checks.append(ref(target[8:]))
        if "type" in node:
            names = node["type"] if isinstance(node["type"], list) else [node["type"]]
            tests = [_TYPES[name] for name in names]
            wanted = " or ".join(names)

            def check_type(value: Any, where: str) -> str | None:
                if any(test(value) for test in tests):
                    return None
                return f"{where}: must be {wanted}, not {_json_type(value)}"

            checks.append(check_type)
        if "const" in node:
            const = node["const"]
            checks.append(lambda v, w: None if _same_json(v, const) else f"{w}: must be {const!r}")
        if "enum" in node:
            allowed = node["enum"]
            shown = ", ".join(json.dumps(a, ensure_ascii=False) for a in allowed)

            def check_enum(value: Any, where: str) -> str | None:
                if any(_same_json(value, a) for a in allowed):
                    return None
                return f"{where}: {_short(value)} is not one of {shown}"

            checks.append(check_enum)
        if "oneOf" in node:
            options = [build(option) for option in node["oneOf"]]

            def check_one_of(value: Any, where: str) -> str | None:
                problems = [option(value, where) for option in options]
                if sum(p is None for p in problems) == 1:
                    return None
                return next((p for p in problems if p), f"{where}: matches more than one form")

            checks.append(check_one_of)
        if "pattern" in node:
            pattern = re.compile(node["pattern"])
            checks.append(
                lambda v, w: (
                    None
                    if not isinstance(v, str) or pattern.search(v)
                    else f"{w}: {_short(v)} is not of the form {pattern.pattern}"
                )
            )
        if "minLength" in node:
            least = node["minLength"]
            checks.append(
                lambda v, w: (
                    None if not isinstance(v, str) or len(v) >= least else f"{w}: must not be empty"
                )
            )
        if "minimum" in node:
            floor = node["minimum"]
            checks.append(
                lambda v, w: (
                    None
                    if not _TYPES["number"](v) or v >= floor
                    else f"{w}: must be at least {floor}"
                )
            )
        if "items" in node:
            item = build(node["items"])

            def check_items(value: Any, where: str) -> str | None:
                if not isinstance(value, list):
                    return None
                for index, element in enumerate(value):
                    if problem := item(element, f"{where}[{index}]"):
                        return problem
                return None

            checks.append(check_items)
        if "required" in node or "properties" in node:
            needed = tuple(node.get("required", ()))
            properties = {name: build(sub) for name, sub in node.get("properties", {}).items()}
            checks.append(_object_check(needed, properties))
        return _all(checks)

    for name, node in defs.items():
        compiled_defs[name] = build(node)
    top = dict(schema)
    if required is not None:
        top["required"] = list(required)
    top.pop("$defs", None)
    return build(top)


def _object_check(needed: tuple[str, ...], properties: dict[str, Check]) -> Check:
    def check(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return None
        for name in needed:
            if name not in value:
                return f"{_join(where, name)}: missing"
        for name, sub in properties.items():
            if name in value and (problem := sub(value[name], _join(where, name))):
                return problem
        return None

    return check


def _all(checks: list[Check]) -> Check:
    def check(value: Any, where: str) -> str | None:
        for one in checks:
            if problem := one(value, where):
                return problem
        return None

    return check


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _json_type(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
