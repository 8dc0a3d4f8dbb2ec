"""template.yaml, the local Chalice app and the registry describe the same functions and routes."""

from __future__ import annotations

import ast
import json
from collections import defaultdict

import pytest
from chalice.config import Config
from chalice.local import LocalGateway

from gophertok import registry
from gophertok.config import load_settings
from gophertok_local import chalice_bridge
from gophertok_local.functions import FUNCTIONS_DIR, REPO_ROOT, handler_path
from support.template import function_folder, functions, kafka_mappings, load_template, queue_base_name, queue_events


@pytest.fixture(scope="module")
def template():
    return load_template()


def _template_routes(template) -> set[tuple[str, str, str]]:
    routes = set()
    for resource in functions(template).values():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                routes.add((props["Method"].upper(), props["Path"], function_folder(resource)))
    return routes


def test_template_declares_exactly_the_registry_functions(template):
    assert sorted(function_folder(r) for r in functions(template).values()) == registry.all_functions()
    assert sorted(p.name for p in FUNCTIONS_DIR.iterdir() if p.is_dir() and not p.name.startswith("_")) == (
        registry.all_functions()
    )


def test_template_routes_are_the_registry_routes_with_and_without_trailing_slash(template):
    expected = set()
    for route in registry.ROUTES:
        expected.add((route.method, route.path, route.function))
        expected.add((route.method, route.path + "/", route.function))
    expected.add(("ANY", "$default", registry.FALLBACK_FUNCTION))
    assert _template_routes(template) == expected


def test_every_kafka_consumer_has_one_msk_and_one_self_managed_mapping_with_exactly_its_topic(template):
    by_function: dict[str, dict[str | None, dict]] = defaultdict(dict)
    for function, condition, props in kafka_mappings(template):
        assert condition not in by_function[function], f"{function} has two {condition} mappings"
        by_function[function][condition] = props
    assert set(by_function) == {consumer.function for consumer in registry.CONSUMERS}
    for consumer in registry.CONSUMERS:
        mappings = by_function[consumer.function]
        assert set(mappings) == {"UseMsk", "UseSelfManagedKafka"}, (consumer.function, set(mappings))
        for props in mappings.values():
            assert props["Topics"] == [consumer.topic], consumer.function
            assert props["BatchSize"] == consumer.batch_size, consumer.function
            assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": "KafkaFailureQueue.Arn"}
        group = f"gophertok-{consumer.function}"
        assert mappings["UseMsk"]["EventSourceArn"] == {"Ref": "MskClusterArn"}
        assert mappings["UseMsk"]["AmazonManagedKafkaEventSourceConfig"]["ConsumerGroupId"] == group
        assert "KafkaBootstrapServers" in mappings["UseSelfManagedKafka"]["SelfManagedEventSource"]["Endpoints"]
        assert mappings["UseSelfManagedKafka"]["SelfManagedKafkaEventSourceConfig"]["ConsumerGroupId"] == group


def test_the_kafka_conditions_are_complementary(template):
    conditions = template["Conditions"]
    is_msk = {"Fn::Equals": [{"Ref": "KafkaMode"}, "msk"]}
    assert conditions["UseMsk"] == is_msk
    assert conditions["UseSelfManagedKafka"] == {"Fn::Not": [is_msk]}
    assert set(template["Parameters"]["KafkaMode"]["AllowedValues"]) == {"msk", "self-managed"}


def test_queue_consumers_read_their_registry_queue_which_the_bucket_notifies(template):
    events = queue_events(template)
    assert sorted((function, queue_base_name(template, queue)) for function, queue, _ in events) == sorted(
        (consumer.function, consumer.queue) for consumer in registry.QUEUE_CONSUMERS
    )
    batch_sizes = {consumer.function: consumer.batch_size for consumer in registry.QUEUE_CONSUMERS}
    for function, queue, props in events:
        assert props["BatchSize"] == batch_sizes[function]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert "RedrivePolicy" in template["Resources"][queue]["Properties"], queue
    notified = template["Resources"]["MediaBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert [(n["Queue"], n["Filter"]["S3Key"]["Rules"]) for n in notified] == [
        ({"Fn::GetAtt": "UploadQueue.Arn"}, [{"Name": "prefix", "Value": registry.UPLOADS_PREFIX}])
    ]


def test_the_upload_url_route_is_in_the_registry_the_template_and_the_chalice_app(template):
    route = ("POST", "/douyin/publish/upload_url", "video_upload_url")
    assert route in {(r.method, r.path, r.function) for r in registry.ROUTES}
    assert {route, (route[0], route[1] + "/", route[2])} <= _template_routes(template)
    chalice_paths = set(chalice_bridge.build_app().routes)
    assert route[1] in chalice_paths


def test_chalice_has_only_the_local_stage_and_it_sets_what_the_functions_read():
    # Chalice is only the local router (app.py imports infra/, so `chalice deploy` cannot work): SAM deploys.
    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
    assert set(config["stages"]) == {"dev"}
    for stage in config["stages"].values():
        variables = stage["environment_variables"]
        assert {"GT_STAGE", "LOG_LEVEL", "MAX_VIDEO_BYTES"} <= set(variables)
        assert load_settings(variables).max_video_bytes > 0  # values the layer's settings accept


def _top_level_names(source: str) -> set[str]:
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def test_every_function_has_the_handler_the_template_names(template):
    default_handler = template["Globals"]["Function"]["Handler"]
    for resource in functions(template).values():
        module, symbol = resource["Properties"].get("Handler", default_handler).split(".")
        path = handler_path(function_folder(resource))
        assert path.name == f"{module}.py" and path.is_file()
        assert symbol in _top_level_names(path.read_text()), path


def test_chalice_app_sends_every_route_to_the_registry_function(monkeypatch):
    invoked: list[tuple[str, str]] = []

    def fake_invoke(function, event):
        invoked.append((function, event["requestContext"]["http"]["method"]))
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"status_code":0}'}

    monkeypatch.setattr(chalice_bridge, "invoke", fake_invoke)
    gateway = LocalGateway(chalice_bridge.build_app(), Config())
    methods_by_path = defaultdict(set)
    for route in registry.ROUTES:
        methods_by_path[route.path].add(route.method)
        for path in (route.path, route.path + "/"):
            invoked.clear()
            response = gateway.handle_request(route.method, path, {"host": "localhost"}, b"")
            assert response["statusCode"] == 200, (route, response)
            assert invoked == [(route.function, route.method)]
    for path, methods in methods_by_path.items():
        for method in {"GET", "POST"} - methods:
            invoked.clear()
            gateway.handle_request(method, path, {"host": "localhost"}, b"")
            assert invoked == [(registry.FALLBACK_FUNCTION, method)]  # API Gateway's $default route


def test_every_schedule_is_an_eventbridge_schedule_of_its_function_at_its_rate(template):
    scheduled = {}
    for resource in functions(template).values():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "Schedule":
                scheduled[function_folder(resource)] = event["Properties"]["Schedule"]
    expected = {
        s.function: f"rate({s.every_minutes} minute{'s' if s.every_minutes > 1 else ''})" for s in registry.SCHEDULES
    }
    assert scheduled == expected
