"""invocation.scratch: what one request reads twice is kept for that request only, never for the next one a warm
container serves (a profile changed between two requests must show in the second)."""

from __future__ import annotations

import pytest

from gophertok import invocation


@pytest.fixture(autouse=True)
def _environment(process_settings, json_logging):
    """invocation() reads the settings and sets up logging."""


def test_a_request_sees_what_it_kept_and_the_next_request_starts_empty():
    with invocation.invocation(None, "first", "request-1"):
        invocation.scratch("profiles")[7] = {"name": "before"}
        assert invocation.scratch("profiles") == {7: {"name": "before"}}
        assert invocation.scratch("videos") == {}
    with invocation.invocation(None, "second", "request-2"):
        assert invocation.scratch("profiles") == {}


def test_a_request_that_fails_leaves_nothing_for_the_next():
    with pytest.raises(RuntimeError), invocation.invocation(None, "first", "request-1"):
        invocation.scratch("profiles")[7] = {"name": "before"}
        raise RuntimeError("the handler failed")
    with invocation.invocation(None, "second", "request-2"):
        assert invocation.scratch("profiles") == {}


def test_outside_an_invocation_nothing_is_kept():
    invocation.scratch("profiles")[7] = {"name": "kept?"}
    assert invocation.scratch("profiles") == {}
