"""GitHub's OpenAPI component schemas (tests/data/github-api) as JSON Schema validators."""

from __future__ import annotations

from typing import Any

import jsonschema

from .conftest import load_api_file


def to_json_schema(node: Any, defs: dict | None = None) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable`` becomes a null type; a ``$ref`` to a component of the same
    file is resolved, any other accepts anything (the files do not carry it)."""
    defs = defs or {}
    if isinstance(node, list):
        return [to_json_schema(n, defs) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return to_json_schema(defs[name], defs) if name in defs else {}
    out = {k: to_json_schema(v, defs) for k, v in node.items() if k not in ("nullable", "example", "$comment", "format")}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def schema(file: str, key: str | None = None) -> dict:
    data = load_api_file(file)
    return to_json_schema(data[key] if key else data, data)


def validate(instance: Any, file: str, key: str | None = None) -> None:
    jsonschema.validate(instance, schema(file, key))


def validate_run(run: dict) -> None:
    validate(run, "workflow-run.schema.json")


def validate_job(job: dict) -> None:
    validate(job, "job.schema.json")
