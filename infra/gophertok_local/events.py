"""Build the event payloads AWS sends to functions: API Gateway HTTP API (v2), Kafka (self-managed and
Amazon MSK) and SQS. The local API, the runners and the sample events in ``events/`` all use these."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode


def http_event(
    method: str,
    path: str,
    *,
    query: str | Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    route_path: str | None = None,
    source_ip: str = "127.0.0.1",
    request_id: str | None = None,
    time_epoch_ms: int | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2.0 event, with the body base64-encoded as API Gateway does
    for anything that may be binary. ``query`` as a string is passed through untouched (rawQueryString)."""
    raw_query = query if isinstance(query, str) else urlencode(query or {}, doseq=True)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    route_key = f"{method.upper()} {route_path or path}"
    now = time.time() if time_epoch_ms is None else time_epoch_ms / 1000
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": request_id or uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
    return event


def kafka_record(
    topic: str,
    partition: int,
    offset: int,
    value: bytes,
    key: bytes | None = None,
    headers: Iterable[tuple[str, bytes]] = (),
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """One record as Lambda's Kafka event source delivers it (base64 key/value, headers as byte arrays)."""
    record: dict[str, Any] = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "timestampType": "CREATE_TIME",
        "value": base64.b64encode(value).decode("ascii"),
        "headers": [{name: list(data)} for name, data in headers],
    }
    if key is not None:
        record["key"] = base64.b64encode(key).decode("ascii")
    return record


def kafka_event(records: Iterable[dict[str, Any]], bootstrap_servers: str = "127.0.0.1:19092") -> dict[str, Any]:
    """A self-managed Kafka event: records grouped under ``"<topic>-<partition>"`` keys."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return {"eventSource": "SelfManagedKafka", "bootstrapServers": bootstrap_servers, "records": grouped}


def msk_event(
    records: Iterable[dict[str, Any]],
    cluster_arn: str = "arn:aws:kafka:us-east-1:000000000000:cluster/gophertok/00000000-0000-0000-0000-000000000000-1",
    bootstrap_servers: str = "b-1.gophertok.kafka.us-east-1.amazonaws.com:9098",
) -> dict[str, Any]:
    """An Amazon MSK event: the self-managed shape with ``eventSource: aws:kafka`` and the cluster's ARN."""
    grouped = kafka_event(records)["records"]
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": cluster_arn,
        "bootstrapServers": bootstrap_servers,
        "records": grouped,
    }


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """One record of Lambda's SQS event, from a ReceiveMessage result (with all attributes requested)."""
    attributes = dict(message.get("Attributes") or {})
    attributes.setdefault("ApproximateReceiveCount", "1")
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(value["BinaryValue"]).decode("ascii") if "BinaryValue" in value else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(v).decode("ascii") for v in value.get("BinaryListValues", [])],
            "dataType": value.get("DataType", "String"),
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": list(records)}


def scheduled_event(rule_name: str, region: str = "us-east-1") -> dict[str, Any]:
    """An EventBridge "Scheduled Event", as a schedule rule delivers it to its target function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": region,
        "resources": [f"arn:aws:events:{region}:000000000000:rule/{rule_name}"],
        "detail": {},
    }
