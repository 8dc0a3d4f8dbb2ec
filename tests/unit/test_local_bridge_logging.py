"""The local Chalice bridge must leave the layer's structured logging alone."""

from __future__ import annotations

import logging

import pytest

from gophertok_local import chalice_bridge


@pytest.fixture
def restored_package_logger():
    package = logging.getLogger("gophertok")
    saved = (list(package.handlers), package.level, package.propagate)
    yield package
    for handler in list(package.handlers):
        package.removeHandler(handler)
    for handler in saved[0]:
        package.addHandler(handler)
    package.setLevel(saved[1])
    package.propagate = saved[2]


def test_build_app_keeps_gophertok_logger_level_and_propagation(restored_package_logger):
    package = restored_package_logger
    package.setLevel(logging.NOTSET)
    package.propagate = True

    chalice_bridge.build_app()

    assert package.level == logging.NOTSET
    assert package.propagate is True
    assert package.handlers == []
