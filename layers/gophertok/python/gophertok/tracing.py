"""X-Ray tracing hooks that cost nothing when no daemon is configured.

On Lambda with ``Tracing: Active`` the runtime sets ``AWS_XRAY_DAEMON_ADDRESS`` and the trace header;
locally a collector may set the same variable. Without it, ``subsegment`` is a null context and
aws_xray_sdk is never imported.
"""

from __future__ import annotations

import contextlib
import functools
import os
import traceback
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types-aws-xray-sdk, a dev-only stub package
    from aws_xray_sdk.core.recorder import AWSXRayRecorder

HEADER = "X-Amzn-Trace-Id"  # the name API Gateway uses; also carried in Kafka record headers


@functools.cache
def enabled() -> bool:
    if os.environ.get("TRACING", "").lower() in {"0", "off", "false"}:
        return False
    return bool(os.environ.get("AWS_XRAY_DAEMON_ADDRESS"))


def in_lambda() -> bool:
    return bool(os.environ.get("LAMBDA_TASK_ROOT") and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def opens_segments() -> bool:
    """Whether ``segment`` opens one: tracing is on and Lambda does not open it itself."""
    return enabled() and not in_lambda()


@functools.cache
def _recorder() -> AWSXRayRecorder:
    from aws_xray_sdk.core import xray_recorder

    options: dict[str, Any] = {"context_missing": "IGNORE_ERROR", "service": "gophertok"}
    if not in_lambda():
        options["sampling"] = False  # local collector: keep every trace
    xray_recorder.configure(**options)
    return xray_recorder


def parse_header(header: str | None) -> dict[str, str]:
    """``Root=1-...;Parent=...;Sampled=1`` -> {"Root": ..., "Parent": ..., "Sampled": ...}."""
    parts: dict[str, str] = {}
    for item in (header or "").split(";"):
        name, _, value = item.strip().partition("=")
        if name and value:
            parts[name] = value
    return parts


@contextlib.contextmanager
def segment(name: str, trace_header: str | None = None) -> Iterator[None]:
    """The invocation's segment. Lambda opens it itself (Tracing: Active); elsewhere, with a daemon
    address set (the local collector), open one that joins the caller's trace when a header is given."""
    if not opens_segments():
        yield
        return
    recorder = _recorder()
    header = parse_header(trace_header)
    recorder.begin_segment(name, traceid=header.get("Root"), parent_id=header.get("Parent"), sampling=True)
    try:
        yield
    except BaseException as exc:
        entity = recorder.current_segment()
        if entity is not None:
            # the SDK records any BaseException; its stub says Exception
            entity.add_exception(exc, traceback.StackSummary(), remote=False)  # type: ignore[arg-type]
        raise
    finally:
        recorder.end_segment()


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


def annotate(key: str, value: str | int | bool) -> None:
    """Index the current segment by ``key`` (e.g. the user id) so traces can be searched for it."""
    if not enabled():
        return
    entity = _recorder().current_segment() if not in_lambda() else _recorder().current_subsegment()
    if entity is not None:
        entity.put_annotation(key, value)


def current_trace_header() -> str | None:
    """The X-Ray trace header of the current segment, to propagate into Kafka record headers."""
    if not enabled():
        return os.environ.get("_X_AMZN_TRACE_ID")
    entity = _recorder().get_trace_entity()
    if entity is None:
        return os.environ.get("_X_AMZN_TRACE_ID")
    root = getattr(entity, "trace_id", None)
    return f"Root={root};Parent={entity.id};Sampled=1" if root else None
