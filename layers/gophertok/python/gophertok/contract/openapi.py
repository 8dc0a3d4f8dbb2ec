"""Build the OpenAPI 3.1 document from registry.ROUTES, contract.operations and errors.ERROR_TABLE.

``python -m gophertok.contract.openapi > docs/openapi.json`` (``make openapi``) writes the committed copy;
a test fails when that copy and this builder disagree, or when a route has no Operation.
"""

from __future__ import annotations

import json
from typing import Any

from gophertok import errors, registry
from gophertok.contract.objects import OBJECTS, Schema, ref
from gophertok.contract.operations import OPERATIONS, Operation

TITLE = "GopherTok API"
VERSION = "1.0.0"
SECURITY_SCHEMES = {
    "token": {"type": "apiKey", "in": "query", "name": "token", "description": "also accepted as a form field"},
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
}
DESCRIPTION = """The Douyin "simple" client's HTTP contract as GopherTok serves it (docs/api.md explains the
decisions). Every parameter may arrive in the query string or in the body (urlencoded or multipart), GET
included; the query wins. A trailing slash is optional. Every answer is the JSON envelope
`{status_code, status_msg, ...}`; business and validation errors are HTTP 200 with a non-zero status_code.

"""


class MissingOperation(LookupError):
    """A route in the registry has no Operation in contract.operations."""


def error_codes(http_status: int | None = None) -> list[int]:
    """Documented non-zero status codes (all, or those answered with ``http_status``)."""
    return sorted({spec.status_code for spec in errors.ERROR_TABLE.values() if http_status in (None, spec.http_status)})


def _envelope_schemas() -> dict[str, Schema]:
    return {
        "Envelope": {
            "type": "object",
            "required": ["status_code", "status_msg"],
            "properties": {"status_code": {"type": "integer"}, "status_msg": {"type": "string"}},
        },
        "Error": {
            "type": "object",
            "description": "A rejection or fault; the API description lists every status_code.",
            "required": ["status_code", "status_msg"],
            "properties": {
                "status_code": {"type": "integer", "enum": error_codes()},
                "status_msg": {"type": "string", "minLength": 1, "description": "for people: show it"},
                "request_id": {"type": "string", "description": "present on 5xx, quote it when reporting"},
            },
        },
    }


def success_schema(operation: Operation) -> Schema:
    required = ["status_code", "status_msg"] + [
        name for name in operation.fields if name not in operation.optional_fields
    ]
    return {
        "type": "object",
        "required": required,
        "properties": {
            "status_code": {"const": 0},
            "status_msg": {"type": "string"},
            **operation.fields,
        },
    }


def _schema_name(function: str) -> str:
    return "".join(part.capitalize() for part in function.split("_")) + "Response"


def _form_body(operation: Operation) -> dict[str, Any]:
    properties = {
        param.name: dict(param.schema, description=param.description) if param.description else param.schema
        for param in operation.params
    }
    schema = {
        "type": "object",
        "properties": properties,
        "required": [param.name for param in operation.params if param.required],
    }
    media_types = (
        ["multipart/form-data"]
        if operation.multipart_files
        else [
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
    )
    return {"required": bool(schema["required"]), "content": {media: {"schema": schema} for media in media_types}}


def _query_params(operation: Operation) -> list[dict[str, Any]]:
    return [
        {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "schema": param.schema,
            **({"description": param.description} if param.description else {}),
        }
        for param in operation.params
    ]


def _security(operation: Operation) -> list[dict[str, list[str]]]:
    if operation.auth == "none":
        return []
    schemes: list[dict[str, list[str]]] = [{"token": []}, {"bearer": []}]
    return schemes + ([{}] if operation.auth == "optional" else [])


def _responses(function: str) -> dict[str, Any]:
    envelope = {"oneOf": [ref(_schema_name(function)), ref("Error")]}
    return {
        "200": {
            "description": "success (status_code 0) or a documented rejection (non-zero status_code)",
            "content": {"application/json": {"schema": envelope}},
        },
        **{
            str(status): {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
            for status, text in ((500, "a fault of the server"), (503, "a backing service is unavailable"))
        },
    }


def _operation_object(route: registry.Route, operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": route.function,
        "summary": operation.summary,
        "tags": [route.path.split("/")[2]],
        "security": _security(operation),
        "responses": _responses(route.function),
    }
    if operation.description:
        document["description"] = operation.description
    if operation.extension:
        document["x-gophertok-extension"] = True
    if route.method == "GET":
        document["parameters"] = _query_params(operation)
    else:
        document["requestBody"] = _form_body(operation)
    return document


def operation_for(function: str) -> Operation:
    try:
        return OPERATIONS[function]
    except KeyError:
        raise MissingOperation(
            f"route function {function!r} has no Operation in gophertok.contract.operations"
        ) from None


def build_spec() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Schema] = {**OBJECTS, **_envelope_schemas()}
    for route in registry.ROUTES:
        operation = operation_for(route.function)
        paths.setdefault(route.path + "/", {})[route.method.lower()] = _operation_object(route, operation)
        schemas[_schema_name(route.function)] = success_schema(operation)
    not_found = {"content": {"application/json": {"schema": ref("Error")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION + errors.markdown_table()},
        "servers": [{"url": "/", "description": "this server"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
            "responses": {
                "NotFound": {"description": "unknown path (40400)", **not_found},
                "MethodNotAllowed": {"description": "the path exists with other methods (40500)", **not_found},
            },
        },
    }


def render() -> str:
    return json.dumps(build_spec(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
