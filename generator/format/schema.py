"""JSON Schemas for editors, derived from the models."""

from __future__ import annotations

from typing import Any

from generator.format.model import Client, Provider


def json_schema(kind: str = "client") -> dict[str, Any]:
    model = Client if kind == "client" else Provider
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }
