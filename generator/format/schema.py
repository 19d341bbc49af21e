"""JSON Schemas for editors, derived from the models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.format.model import Client, Provider


def json_schema(
    kind: str = "client", acknowledgeable: Sequence[str] | None = None
) -> dict[str, Any]:
    """The schema of a client (or provider) file.

    `acknowledgeable`, the codes of the findings a client can acknowledge, come
    from the rules; given, editors offer them for `acknowledged[].check`.
    """
    model = Client if kind == "client" else Provider
    schema = model.model_json_schema(mode="validation")
    if kind == "client" and acknowledgeable is not None:
        properties = schema["$defs"]["Acknowledgement"]["properties"]
        # The codes replace the pattern of an id; keys stay sorted, as pydantic writes them.
        code = {k: v for k, v in properties["check"].items() if k not in ("pattern", "maxLength")}
        properties["check"] = dict(sorted({**code, "enum": list(acknowledgeable)}.items()))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }
