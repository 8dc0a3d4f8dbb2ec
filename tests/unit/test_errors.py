"""errors: the one table mapping the hierarchy onto status_code and HTTP status."""

from __future__ import annotations

import inspect

import pytest

from gophertok import errors
from gophertok.errors import ERROR_TABLE, AppError, spec_for

ERROR_CLASSES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, AppError) and cls.__module__ == errors.__name__
    ),
    key=lambda cls: cls.__name__,
)
SERVER_FAULTS = {
    errors.RouteNotFound: 404,
    errors.MethodNotAllowed: 405,
    errors.InternalError: 500,
    errors.Unavailable: 503,
}


def test_error_classes_discovered_include_the_whole_hierarchy():
    # Guards the discovery itself: an empty or partial list would make the tests below vacuous.
    assert len(ERROR_CLASSES) >= 16
    assert {AppError, errors.InvalidInput, errors.TokenExpired, errors.Unavailable} <= set(ERROR_CLASSES)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_spec_for_every_error_class_resolves_to_its_own_table_entry(cls):
    assert cls in ERROR_TABLE, f"{cls.__name__} has no row in ERROR_TABLE"
    assert spec_for(cls()) is ERROR_TABLE[cls]


def test_error_table_status_codes_are_unique():
    codes = [spec.status_code for spec in ERROR_TABLE.values()]

    assert len(codes) == len(set(codes))
    assert 0 not in codes


@pytest.mark.parametrize(
    "cls", [cls for cls in ERROR_CLASSES if cls not in SERVER_FAULTS], ids=lambda cls: cls.__name__
)
def test_spec_for_business_errors_travel_as_http_200(cls):
    assert spec_for(cls()).http_status == 200


@pytest.mark.parametrize(
    ("cls", "http_status"), SERVER_FAULTS.items(), ids=lambda value: getattr(value, "__name__", "")
)
def test_spec_for_routing_and_server_faults_use_their_http_status(cls, http_status):
    assert spec_for(cls()).http_status == http_status


def test_spec_for_subclass_defined_outside_module_falls_back_to_nearest_parent():
    class TitleTooLong(errors.InvalidInput):
        pass

    assert spec_for(TitleTooLong()) is ERROR_TABLE[errors.InvalidInput]


def test_spec_for_specific_subclass_wins_over_its_parent():
    assert spec_for(errors.PayloadTooLarge()).status_code == 10002
    assert spec_for(errors.TokenExpired()).status_code == 20003


def test_app_error_message_defaults_then_overrides():
    assert errors.LoginFailed().message == "incorrect username or password"
    assert errors.InvalidInput("title is required").message == "title is required"
    assert str(errors.InvalidInput("title is required")) == "title is required"


def test_markdown_table_lists_every_status_code_once():
    table = errors.markdown_table()

    for cls, spec in ERROR_TABLE.items():
        assert table.count(f"| {spec.status_code} | {spec.http_status} | `{cls.__name__}` |") == 1
