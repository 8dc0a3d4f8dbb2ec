"""registry: routes, consumers and topics agree with the contract and with the functions/ folder."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from gophertok import registry

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


def defines_handler(source: str) -> bool:
    """True when the module defines ``handler`` at top level, as a function or by assignment."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "handler":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "handler" for t in node.targets):
            return True
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "handler":
            return node.value is not None
    return False


def test_registry_has_routes_and_consumers():
    assert registry.ROUTES
    assert registry.CONSUMERS


@pytest.mark.parametrize("route", registry.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_path_is_canonical_douyin_path(route):
    assert route.path.startswith("/douyin/")
    assert not route.path.endswith("/")
    assert "//" not in route.path
    assert route.path == route.path.strip()


@pytest.mark.parametrize("route", registry.ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_method_is_get_or_post(route):
    assert route.method in {"GET", "POST"}


def test_routes_have_no_duplicate_method_and_path():
    counts = Counter((route.method, route.path) for route in registry.ROUTES)

    assert [key for key, count in counts.items() if count > 1] == []


def test_routes_serve_each_path_from_one_function_per_method():
    functions = Counter(route.function for route in registry.ROUTES)

    assert all(count == 1 for count in functions.values()), functions


@pytest.mark.parametrize("name", registry.all_functions())
def test_every_registered_function_has_app_py_defining_handler(name):
    app = FUNCTIONS_DIR / name / "app.py"

    assert app.is_file(), f"{app} is missing"
    assert defines_handler(app.read_text(encoding="utf-8")), f"{app} does not define handler"


def test_defines_handler_detects_definition_and_absence():
    # Guards the AST helper itself, so the check above cannot pass vacuously.
    assert defines_handler("def handler(event, context):\n    return {}\n")
    assert defines_handler("handler = wrap(view)\n")
    assert not defines_handler("def view(request):\n    handler = 1\n")
    assert not defines_handler("from x import handler_factory\n")


def test_all_functions_is_union_of_http_fallback_kafka_queue_consumer_ops_and_scheduled_functions():
    expected = (
        {route.function for route in registry.ROUTES}
        | {registry.FALLBACK_FUNCTION}
        | {consumer.function for consumer in registry.CONSUMERS}
        | {consumer.function for consumer in registry.QUEUE_CONSUMERS}
        | set(registry.OPS_FUNCTIONS)
        | {schedule.function for schedule in registry.SCHEDULES}
    )

    assert registry.all_functions() == sorted(expected)


def test_function_names_are_valid_folder_and_module_names():
    for name in registry.all_functions():
        assert name.isidentifier() and name == name.lower(), name


def test_topics_include_each_consumer_topic_and_its_dead_letter_topic():
    topics = registry.topics()

    for consumer in registry.CONSUMERS:
        assert consumer.topic in topics
        assert consumer.topic + registry.DEAD_LETTER_SUFFIX in topics
    assert registry.DEAD_LETTER_SUFFIX == ".dlq"
    assert len(topics) == len(set(topics))


@pytest.mark.parametrize("consumer", registry.CONSUMERS, ids=lambda c: c.function)
def test_consumer_batch_size_is_positive(consumer):
    assert consumer.batch_size > 0


def test_queue_consumers_have_their_own_functions_and_known_queues():
    functions = [consumer.function for consumer in registry.QUEUE_CONSUMERS]

    assert len(functions) == len(set(functions))
    assert not set(functions) & ({c.function for c in registry.CONSUMERS} | set(registry.http_functions()))
    assert registry.queues() == sorted({c.queue for c in registry.QUEUE_CONSUMERS})
    assert all(1 <= consumer.batch_size <= 10 for consumer in registry.QUEUE_CONSUMERS)
