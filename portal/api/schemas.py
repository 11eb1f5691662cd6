"""JSON schemas of the API document, generated from pydantic models: the request models of pipeline/ (what a
view validates a body with, and each kind's `Data`) and the answer models of portal/api/responses.py.

Every model becomes one entry of `components/schemas`, named by its class (a kind's data: `Data.<kind>`);
operations refer to them with `$ref`.
"""
from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from pipeline.applications import CounterEntry, Submission
from pipeline.counter import counter_data
from pipeline.kinds import KINDS, Kind

REF = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


class OpenApiSchema(GenerateJsonSchema):
    """Requests: an optional field is described as what it takes when given (a client leaves it out rather than
    send null). Titles come from the fields' rules; a model's docstring is for its developers, not the document."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        return inner if schema.get("default") is None else {**inner, "default": schema["default"]}

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        doc = schema["cls"].__doc__
        if doc and generated.get("description") == inspect.cleandoc(doc):
            del generated["description"]
        return generated


class ResponseSchema(GenerateJsonSchema):
    """Answers: a field that can be null is nullable (`anyOf [..., null]`); a field that may be absent is one with
    a default (not required; the default is not shown, as the server never fills it in). The docstrings of
    portal/api/responses.py are written for the document and kept as descriptions."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def model_schema(model: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """One model's request schema on its own (its nested models inline), with `extra` keys added."""
    schema = model.model_json_schema(schema_generator=OpenApiSchema, mode="validation")
    schema.pop("$defs", None)
    return {**schema, **extra}


def component_schemas(models: Iterable[type[BaseModel]], generator: type[GenerateJsonSchema]) -> dict[str, Any]:
    """The schemas of `models` and of every model they contain, by class name, referring to each other by `$ref`."""
    models = list(dict.fromkeys(models))
    names = [model.__name__ for model in models]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"two models share a name in the API document: {sorted(duplicates)}")
    _, defined = models_json_schema([(model, "validation") for model in models], ref_template=REF, schema_generator=generator)
    found: dict[str, Any] = defined.get("$defs", {})
    missing = set(names) - set(found)
    if missing:
        raise RuntimeError(f"models named otherwise in the API document (a name clash?): {sorted(missing)}")
    return found


# --- the kinds: what `data` holds for each, and the submissions that choose one by `kind` -------------------


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


def submission_variants() -> dict[str, dict[str, Any]]:
    """`Submission.<kind>`: {"kind": that kind, "data": `Data.<kind>`}."""
    return {
        f"Submission.{name}": {
            "type": "object", "title": kind.label, "description": kind.label, **kind_facts(kind),
            "properties": {"kind": {"const": name}, "data": ref(f"Data.{name}")}, "required": ["kind", "data"],
            "additionalProperties": False,
        }
        for name, kind in KINDS.items()
    }


def counter_variants() -> dict[str, dict[str, Any]]:
    """`Counter.<kind>`: what a clerk enters at the counter for each kind — its data and whom it is for."""
    schemas: dict[str, dict[str, Any]] = {}
    for name, kind in KINDS.items():
        data = ref(f"Data.{name}") if kind.counter else model_schema(
            counter_data(kind), title=f"{kind.label}（窗口代办）",
            description="该业务的 data，另加办理对象：人员以 identifier，或 id_type、id_number 和 name 指明（首次注册的新登记人员"
                        "另填 sex、birth_date、mobile）；机构业务以 institution_id 指明机构。")
        schemas[f"Counter.{name}"] = {
            "type": "object", "title": kind.label, "description": kind.label, **kind_facts(kind),
            "properties": {"kind": {"const": name}, "data": data}, "required": ["kind", "data"],
            "additionalProperties": False,
        }
    return schemas


def one_of_kinds(model: type[BaseModel], kinds: Iterable[str], variant: str = "Submission") -> dict[str, Any]:
    """A submission model as the document shows it: one of the kinds' submissions, chosen by `kind`. The model
    itself checks the kind; the kind's `Data` checks the data, once the service knows the account may submit it."""
    names = list(kinds)
    title = model.model_config.get("title")
    return {
        **({"title": title} if title else {}),
        "description": "kind 选择 data 的结构（见各 Data.<kind>）。",
        "oneOf": [ref(f"{variant}.{name}") for name in names],
        "discriminator": {"propertyName": "kind", "mapping": {name: REF.format(model=f"{variant}.{name}") for name in names}},
    }


def kind_schemas() -> dict[str, dict[str, Any]]:
    """Every schema the kinds give: their data, their submissions, and the two submission models over them."""
    return {
        **kind_data_schemas(),
        **submission_variants(),
        **counter_variants(),
        Submission.__name__: one_of_kinds(Submission, KINDS),
        CounterEntry.__name__: one_of_kinds(CounterEntry, KINDS, variant="Counter"),
    }
