"""The local API's settings: CORS origins, the instance pool's concurrency and the read timeouts."""

from __future__ import annotations

import pytest

from gophertok.config import ConfigurationError, load_settings
from gophertok_local.gateway import BODY_MARGIN_BYTES, Limits


def test_defaults_allow_every_origin_and_size_the_pool_from_the_cores():
    settings = load_settings(env={})
    assert settings.cors_allow_origins == ("*",)
    assert settings.local_max_concurrency == 0  # the pool reads 0 as cores x 2
    assert (settings.local_header_timeout_seconds, settings.local_body_timeout_seconds) == (10.0, 60.0)


def test_origins_are_a_comma_list_and_the_limits_follow_the_settings():
    settings = load_settings(
        env={
            "CORS_ALLOW_ORIGINS": " https://a.example, ,https://b.example ",
            "LOCAL_MAX_CONCURRENCY": "3",
            "LOCAL_HEADER_TIMEOUT_SECONDS": "2.5",
            "MAX_VIDEO_BYTES": "1000",
        }
    )
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert settings.local_max_concurrency == 3
    limits = Limits.from_settings(settings)
    assert limits.header_timeout == 2.5 and limits.max_body_bytes == 1000 + BODY_MARGIN_BYTES


@pytest.mark.parametrize(
    "env",
    [{"LOCAL_MAX_CONCURRENCY": "-1"}, {"LOCAL_BODY_TIMEOUT_SECONDS": "0"}, {"LOCAL_MAX_CONCURRENCY": "many"}],
)
def test_bad_local_settings_are_refused(env):
    with pytest.raises(ConfigurationError):
        load_settings(env=env)


def test_the_pool_defaults_to_twice_the_cores(monkeypatch):
    from gophertok_local import pool

    monkeypatch.setattr(pool.os, "cpu_count", lambda: 3)
    monkeypatch.setattr(pool, "get_settings", lambda: load_settings(env={}))
    assert pool.default_max_concurrency() == 6
    monkeypatch.setattr(pool, "get_settings", lambda: load_settings(env={"LOCAL_MAX_CONCURRENCY": "5"}))
    assert pool.default_max_concurrency() == 5
