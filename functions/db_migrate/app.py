"""Ops function: apply the pending schema migrations (shipped in the layer) with the database secret, inside the
VPC. The deploy workflow invokes it after every deploy; a second run applies nothing."""

from typing import Any

from gophertok.adapters.mysql import get_database
from gophertok.schema import migrate


def handler(event: dict[str, Any] | None = None, context: object = None) -> dict[str, Any]:
    run = migrate(get_database())
    return {"applied": run.applied, "total": run.total}
