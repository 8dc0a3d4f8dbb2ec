"""template.yaml, the local Chalice app and the registry describe the same functions and routes."""

from __future__ import annotations

import ast
from collections import defaultdict

import pytest
from chalice.config import Config
from chalice.local import LocalGateway

from gophertok import registry
from gophertok_local import chalice_bridge
from gophertok_local.functions import FUNCTIONS_DIR, handler_path
from support.template import function_folder, functions, load_template


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


def _template_consumers(template) -> set[tuple[str, str]]:
    consumers = set()
    for resource in functions(template).values():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] in {"SelfManagedKafka", "MSK"}:
                for topic in event["Properties"]["Topics"]:
                    consumers.add((function_folder(resource), topic))
    return consumers


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
    assert _template_routes(template) == expected


def test_template_consumers_are_the_registry_consumers(template):
    assert _template_consumers(template) == {(c.function, c.topic) for c in registry.CONSUMERS}


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
            response = gateway.handle_request(method, path, {"host": "localhost"}, b"")
            assert response["statusCode"] == 405 and not invoked
