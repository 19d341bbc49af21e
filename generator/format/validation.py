"""Validation problems as findings: pydantic's errors in a person's words, at their place."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.findings import Finding
from generator.format import model
from generator.format.reader import Path_, SourceMap, dotted
from generator.format.secrets import redact
from generator.format.units import shown

PLACEHOLDER = re.compile(r"<[^<>\n]*>")
"""An unfilled placeholder of the starter file, such as `<name of the system>`."""


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {getattr(value, 'source', value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple | list):
        return "a list"
    return shown(str(value))


_CUSTOM = {
    "unit": "schema/bad-unit",
    "range": "schema/out-of-range",
    "zero": "schema/zero",
    "date": "schema/bad-date",
    "future_date": "schema/future-date",
}
"""The codes of the errors the models raise themselves."""

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "list_type": "a list",
    "tuple_type": "a list",
}


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as `tuple[Copy, ...] | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg)
        if found is not None:
            return found
    if isinstance(annotation, types.UnionType):
        return None
    return None


def _model_at(root: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    current: type[BaseModel] | None = root
    for part in path:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _unwrap_model(info.annotation) if info else None
        if info and current is None:
            for meta in info.metadata:
                current = _unwrap_model(meta)
    return current


def _fields_hint(root: type[BaseModel], parent: Path_, wrong: str) -> str | None:
    cls = _model_at(root, parent)
    if cls is None:
        return None
    names = list(cls.model_fields)
    close = difflib.get_close_matches(wrong, names, n=1, cutoff=0.6)
    listing = ", ".join(names)
    return (
        f"did you mean {close[0]!r}? fields here: {listing}" if close else f"fields here: {listing}"
    )


def findings(
    error: ValidationError, root: type[BaseModel], source: SourceMap, file: str
) -> Iterator[Finding]:
    for err in error.errors(include_url=False):
        value = err.get("input")
        if isinstance(value, str) and PLACEHOLDER.fullmatch(value.strip()):
            continue  # reported as a placeholder already
        loc: Path_ = tuple(p for p in err["loc"] if p not in model.UNION_TAGS)
        kind = err["type"]
        where = dotted(loc)
        hint: str | None = None
        position = source.locate(loc)
        if kind == "extra_forbidden":
            code, position = "schema/unknown-field", source.key(loc)
            name = str(loc[-1])
            message = f"unknown field {name!r}" + (
                f" in {dotted(loc[:-1])}" if len(loc) > 1 else ""
            )
            hint = _fields_hint(root, loc[:-1], name)
        elif kind == "missing":
            code, position = "schema/missing-field", source.key(loc)  # `key:` left blank
            message = f"missing required field {loc[-1]!r}" + (
                f" in {dotted(loc[:-1])}" if len(loc) > 1 else ""
            )
        elif kind in _CUSTOM:
            code = _CUSTOM[kind]
            message = f"{where}: {err['msg']}"
            hint = err.get("ctx", {}).get("hint")
        elif kind in ("greater_than_equal", "less_than_equal"):
            code = "schema/out-of-range"
            context = err.get("ctx", {})
            if kind == "greater_than_equal":
                message = f"{where}: {describe(value)} is less than {context.get('ge')}"
            else:
                message = f"{where}: {describe(value)} is more than {context.get('le')}"
        elif kind in _EXPECTED:
            code = "schema/wrong-type"
            message = f"{where}: expected {_EXPECTED[kind]}, got {describe(value)}"
            if kind.startswith("bool") and isinstance(value, str):
                hint = "only true and false are booleans (YAML 1.2)"
            elif kind == "string_type" and isinstance(value, bool):
                hint = "quote it if it is meant as text"
        elif (
            kind == "string_pattern_mismatch"
            and err.get("ctx", {}).get("pattern") == model.SLUG_PATTERN
        ):
            code = "schema/bad-id"
            message = f"{where}: {describe(value)} is not an id"
            hint = "ids are lowercase letters, digits and single hyphens, like pms-image"
        elif kind == "literal_error":
            code = "schema/bad-value"
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{where}: expected {expected}, got {describe(value)}"
        elif (
            kind == "too_short"
            and isinstance(value, tuple)
            and len(value) >= err.get("ctx", {}).get("min_length", 1)
        ):
            continue  # every entry is invalid; those errors say so
        elif kind in ("too_short", "string_too_short"):
            code = "schema/empty"
            message = f"{where}: must not be empty"
        else:
            code = "schema/invalid"
            message = f"{where}: {err['msg'][0].lower()}{err['msg'][1:]}"
        line, column = position
        yield Finding(file, line, column, code, "error", redact(message), hint and redact(hint))
