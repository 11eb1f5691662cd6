"""JSON schemas of the API document generated from the pydantic models the requests are validated with."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from pipeline.kinds import KINDS, Kind

REF = "#/components/schemas/{model}"


class OpenApiSchema(GenerateJsonSchema):
    """Optional fields are described as what they take when given: a client leaves them out rather than send null."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        return inner if schema.get("default") is None else {**inner, "default": schema["default"]}


def model_schema(model: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """The model's schema (its nested models inline), with `extra` keys added."""
    schema = model.model_json_schema(schema_generator=OpenApiSchema, mode="validation")
    schema.pop("$defs", None)
    return {**schema, **extra}


def kind_facts(kind: Kind) -> dict[str, Any]:
    return {
        "x-label": kind.label,
        "x-submitted-by": sorted(kind.applicants),
        "x-institution-confirms": kind.institution_confirms,
        "x-commission-approves": kind.commission_approves,
        "x-counter-only": kind.counter,
        **({"x-time-limit-working-days": kind.time_limit.working_days} if kind.time_limit else {}),
    }


def kind_data_schemas() -> dict[str, dict[str, Any]]:
    """`Data.<kind>`: what each kind's `data` takes, with the kind's Chinese label and who takes part."""
    return {
        f"Data.{name}": model_schema(kind.data, title=kind.label, description=kind.page.intro or kind.label, **kind_facts(kind))
        for name, kind in KINDS.items()
    }
