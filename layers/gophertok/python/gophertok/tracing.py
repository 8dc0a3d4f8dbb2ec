"""X-Ray tracing hooks that cost nothing when no daemon is configured.

On Lambda with ``Tracing: Active`` the runtime sets ``AWS_XRAY_DAEMON_ADDRESS`` and the trace header;
locally a collector may set the same variable. Without it, ``subsegment`` is a null context and
aws_xray_sdk is never imported.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator


@functools.cache
def enabled() -> bool:
    if os.environ.get("TRACING", "").lower() in {"0", "off", "false"}:
        return False
    return bool(os.environ.get("AWS_XRAY_DAEMON_ADDRESS"))


@functools.cache
def _recorder():
    from aws_xray_sdk.core import xray_recorder

    xray_recorder.configure(context_missing="IGNORE_ERROR", service="gophertok")
    return xray_recorder


@contextlib.contextmanager
def subsegment(name: str, namespace: str = "remote", **metadata: object) -> Iterator[None]:
    """Time a call to a backing service. Metadata must never hold passwords, tokens or bodies."""
    if not enabled():
        yield
        return
    recorder = _recorder()
    with recorder.in_subsegment(name) as sub:
        if sub is not None:
            sub.namespace = namespace
            for key, value in metadata.items():
                sub.put_metadata(key, value, "gophertok")
        yield


def current_trace_header() -> str | None:
    """The X-Ray trace header of the current segment, to propagate into Kafka record headers."""
    if not enabled():
        return os.environ.get("_X_AMZN_TRACE_ID")
    entity = _recorder().get_trace_entity()
    if entity is None:
        return os.environ.get("_X_AMZN_TRACE_ID")
    root = getattr(entity, "trace_id", None)
    return f"Root={root};Parent={entity.id};Sampled=1" if root else None
