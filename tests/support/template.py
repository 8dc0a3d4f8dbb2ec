"""Read template.yaml with its CloudFormation short-form tags (!Ref, !Sub, ...) kept as plain data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Function resources keyed by logical id."""
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def function_folder(resource: dict[str, Any]) -> str:
    return resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]


def function_for_ref(template: dict[str, Any], reference: Any) -> str:
    """The function folder behind ``{"Ref": "<FunctionLogicalId>"}`` (an event source mapping's FunctionName)."""
    assert isinstance(reference, dict) and set(reference) == {"Ref"}, reference
    return function_folder(functions(template)[reference["Ref"]])


def kafka_mappings(template: dict[str, Any]) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(function folder, condition, properties) of every Kafka event source mapping, plain or as a SAM event."""
    found = []
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::EventSourceMapping" and "Topics" in props:
            found.append((function_for_ref(template, props["FunctionName"]), resource.get("Condition"), props))
    for resource in functions(template).values():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] in {"SelfManagedKafka", "MSK"}:
                found.append((function_folder(resource), None, event["Properties"]))
    return found


def queue_events(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function folder, queue logical id, properties) of every SQS event of a function."""
    found = []
    for resource in functions(template).values():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"]
                logical_id = queue[0] if isinstance(queue, list) else queue.split(".")[0]
                found.append((function_folder(resource), logical_id, event["Properties"]))
    return found


def queue_base_name(template: dict[str, Any], logical_id: str) -> str:
    """The registry name of a queue declared as ``!Sub "<name>-${Stage}"``."""
    name = template["Resources"][logical_id]["Properties"]["QueueName"]["Fn::Sub"]
    assert name.endswith("-${Stage}"), name
    return name.removesuffix("-${Stage}")


def for_translation(template: dict[str, Any]) -> dict[str, Any]:
    """A copy with local code locations replaced by the S3 URIs `sam package` would upload them to.

    The key of each URI is the local folder, so the translated template still says where the code lives.
    """
    copied = copy.deepcopy(template)
    for resource in copied["Resources"].values():
        props = resource.get("Properties", {})
        for field in ("CodeUri", "ContentUri"):
            if isinstance(props.get(field), str):
                props[field] = f"s3://gophertok-artifacts/{props[field].rstrip('/')}"
    return copied


def sam_translate(template: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The plain CloudFormation the SAM transform produces, computed offline (no AWS call)."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    translator = Translator(MANAGED_POLICIES, Parser(), boto_session=session)
    pseudo = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    return translator.translate(for_translation(template), {**pseudo, **parameters})


# The managed policies SAM attaches (logging, X-Ray, VPC, SQS polling), so the translator needs no IAM call.
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for name, path in (
        ("AWSLambdaBasicExecutionRole", "service-role/"),
        ("AWSXrayWriteOnlyAccess", ""),
        ("AWSLambdaVPCAccessExecutionRole", "service-role/"),
        ("AWSLambdaSQSQueueExecutionRole", "service-role/"),
    )
}


# The parameters a deployment passes (self-managed Kafka in a VPC with two brokers and two subnets), for the
# tests that translate the template offline.
SAMPLE_PARAMETERS = {
    "KafkaBootstrapServers": "b-1.kafka.internal:9092,b-2.kafka.internal:9092",
    "MskClusterArn": "",
    "MysqlHost": "db.internal",
    "MysqlSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    "JwtSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-AbCdEf",
    "RedisUrl": "rediss://cache.internal:6379/0",
    "SubnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "SecurityGroupIds": "sg-0123456789abcdef0",
}


def function_layers(template: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Function folder -> the layers template.yaml gives it: "shared" (Globals) plus "ffmpeg" where attached."""
    template = template or load_template()
    layers = {}
    for resource in functions(template).values():
        own = [ref["Ref"] for ref in resource["Properties"].get("Layers", [])]
        layers[function_folder(resource)] = ["shared"] + ["ffmpeg" for ref in own if ref == "FfmpegLayer"]
    return layers
