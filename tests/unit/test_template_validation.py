"""template.yaml validated offline: cfn-lint, then the SAM transform to plain CloudFormation, whose functions,
routes, layers and triggers are walked and checked against the code and the registry."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from gophertok import registry
from support.template import SAMPLE_PARAMETERS, TEMPLATE, load_template, sam_translate

REPO_ROOT = TEMPLATE.parent


@pytest.fixture(scope="module")
def translated() -> dict:
    return sam_translate(load_template(), SAMPLE_PARAMETERS)


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def code_folder(function: dict) -> str:
    """The local folder a translated function's code comes from (see support.template.for_translation)."""
    return function["Properties"]["Code"]["S3Key"]


def test_cfn_lint_finds_nothing():
    matches = lint_file(TEMPLATE)
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches] == []


def test_cfn_lint_would_report_a_broken_template(tmp_path):
    # Guards the test above: the same call does report problems.
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("Type: AWS::SQS::Queue\n", "Type: AWS::SQS::Queeue\n", 1))
    assert lint_file(broken)


def test_sam_translates_every_sam_resource_into_plain_cloudformation(translated):
    assert "Transform" not in translated
    assert not [r["Type"] for r in translated["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]
    assert len(of_type(translated, "AWS::Lambda::Function")) == len(registry.all_functions())
    assert len(of_type(translated, "AWS::Lambda::LayerVersion")) == 2


def _top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_each_translated_function_runs_an_existing_handler_on_python_312_with_tracing(translated):
    folders = []
    for name, function in of_type(translated, "AWS::Lambda::Function").items():
        props = function["Properties"]
        module, symbol = props["Handler"].split(".")
        source = REPO_ROOT / code_folder(function) / f"{module}.py"
        assert source.is_file(), (name, source)
        assert symbol in _top_level_names(source), (name, source)
        assert props["Runtime"] == "python3.12" and props["TracingConfig"] == {"Mode": "Active"}, name
        assert props["Timeout"] <= 120 and 128 <= props["MemorySize"] <= 4096, name
        folders.append(code_folder(function).removeprefix("functions/"))
    assert sorted(folders) == registry.all_functions()


def _function_folders(translated: dict) -> dict[str, str]:
    return {
        name: code_folder(r).removeprefix("functions/")
        for name, r in of_type(translated, "AWS::Lambda::Function").items()
    }


def test_each_translated_route_invokes_the_registry_function(translated):
    folders = _function_folders(translated)
    (api,) = of_type(translated, "AWS::ApiGatewayV2::Api").values()
    routes = set()
    for path, methods in api["Properties"]["Body"]["paths"].items():
        for method, operation in methods.items():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            # the function itself, or (AutoPublishAlias: live, for SnapStart) its published alias
            (function,) = re.findall(r"\$\{(\w+?)(?:\.Arn|Aliaslive)\}", uri)
            routes.add((method.upper(), path, folders[function]))
    expected = {(r.method, r.path + slash, r.function) for r in registry.ROUTES for slash in ("", "/")}
    expected.add(("X-AMAZON-APIGATEWAY-ANY-METHOD", "$default", registry.FALLBACK_FUNCTION))
    assert routes == expected
    permissions = of_type(translated, "AWS::Lambda::Permission").values()
    allowed = {p["Properties"]["FunctionName"]["Ref"].removesuffix("Aliaslive") for p in permissions}
    assert {name for name, folder in folders.items() if folder in registry.http_functions()} <= allowed


def test_each_translated_consumer_has_its_topic_or_queue(translated):
    folders = _function_folders(translated)
    kafka: dict[str, dict[str, list[str]]] = defaultdict(dict)
    queues = {}
    for mapping in of_type(translated, "AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        function = folders[props["FunctionName"]["Ref"]]
        if "Topics" in props:
            kafka[function][mapping["Condition"]] = props["Topics"]
        else:
            queue = props["EventSourceArn"]["Fn::GetAtt"]
            queues[function] = translated["Resources"][queue.split(".")[0]]["Properties"]["QueueName"]["Fn::Sub"]
    assert dict(kafka) == {
        c.function: {"UseMsk": [c.topic], "UseSelfManagedKafka": [c.topic]} for c in registry.CONSUMERS
    }
    assert queues == {c.function: f"{c.queue}-${{Stage}}" for c in registry.QUEUE_CONSUMERS}


def test_only_the_functions_that_decode_video_carry_the_ffmpeg_layer(translated):
    folders = _function_folders(translated)
    with_ffmpeg = set()
    for name, function in of_type(translated, "AWS::Lambda::Function").items():
        layers = [layer["Ref"] for layer in function["Properties"]["Layers"] if "Ref" in layer]
        assert layers[0].startswith("SharedLayer"), (name, layers)
        if any(layer.startswith("FfmpegLayer") for layer in layers):
            with_ffmpeg.add(folders[name])
    assert with_ffmpeg == {"video_publish", "video_ingest"}


def test_every_function_can_read_its_secrets_through_the_secrets_extension(translated):
    """With SecretsExtensionLayerArn set, every function gets the extension's layer and the port it listens on
    (gophertok/adapters/secrets.py then reads through it); with "" neither (AWS::NoValue)."""
    extension = {"Fn::If": ["UseSecretsExtension", {"Ref": "SecretsExtensionLayerArn"}, {"Ref": "AWS::NoValue"}]}
    port = {"Fn::If": ["UseSecretsExtension", "2773", {"Ref": "AWS::NoValue"}]}
    for name, function in of_type(translated, "AWS::Lambda::Function").items():
        assert extension in function["Properties"]["Layers"], name
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"] == port, name


def _statements(node) -> list[dict]:
    """Every IAM statement under ``node`` (inside Fn::If branches too)."""
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            return [node]
        return [s for value in node.values() for s in _statements(value)]
    if isinstance(node, list):
        return [s for item in node for s in _statements(item)]
    return []


def test_no_function_role_grants_wildcard_s3_or_secrets_access(translated):
    roles = of_type(translated, "AWS::IAM::Role")
    assert len([name for name in roles if name.endswith("FunctionRole")]) == len(registry.all_functions())
    for name, role in roles.items():
        for statement in _statements(role["Properties"].get("Policies", [])):
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert not any(a in {"*", "s3:*", "secretsmanager:*"} for a in actions), (name, statement)
            if any(a.startswith(("s3:", "secretsmanager:")) for a in actions):
                assert statement.get("Resource") != "*", (name, statement)
