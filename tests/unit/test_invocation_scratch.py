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


def test_the_log_context_and_gathered_metrics_end_with_the_invocation_also_when_it_fails(capsys):
    from gophertok import logs, metrics

    with pytest.raises(RuntimeError), invocation.invocation(None, "first", "request-1", "Root=1-abc"):
        assert (logs.current("request_id"), logs.current("trace_id")) == ("request-1", "Root=1-abc")
        raise RuntimeError("the handler failed")
    assert logs.current("request_id") is None and logs.current("trace_id") is None
    metrics.count("Likes")  # outside an invocation: nothing to gather it into, nothing written
    assert "Likes" not in capsys.readouterr().out


def test_an_invocation_whose_entry_fails_half_way_undoes_what_it_had_set(monkeypatch):
    from gophertok import logs, metrics

    def refuse(pending: dict) -> None:
        raise RuntimeError("could not gather")

    monkeypatch.setattr(metrics, "gather_into", refuse)
    with pytest.raises(RuntimeError, match="could not gather"), invocation.invocation(None, "first", "request-1"):
        pass
    assert logs.current("request_id") is None
    assert invocation.scratch("profiles") == {} and invocation._scratch.get() is None
