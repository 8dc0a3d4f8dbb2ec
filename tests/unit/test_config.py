"""config: defaults, environment precedence, overrides and validation."""

from __future__ import annotations

import pytest

from gophertok.config import ConfigurationError, LoginLockout, Rate, Settings, get_settings, load_settings


def test_load_settings_empty_env_gives_local_defaults():
    settings = load_settings(env={})

    assert settings.stage == "local"
    assert (settings.mysql_host, settings.mysql_port, settings.mysql_user) == ("127.0.0.1", 3307, "gophertok")
    assert settings.mysql_password == ""
    assert settings.mysql_connect_timeout == 3.0
    assert settings.redis_url == "redis://127.0.0.1:6380/0"
    assert settings.redis_cluster is False
    assert settings.kafka_servers == ["127.0.0.1:19092"]
    assert settings.media_bucket == "gophertok-media"
    assert settings.media_base_url == "https://gophertok-media.s3.amazonaws.com"
    assert settings.jwt_secret == ""
    assert settings.token_ttl_seconds == 7 * 24 * 3600
    assert settings.log_level == "INFO"


def test_load_settings_environment_values_win_over_defaults():
    settings = load_settings(
        env={
            "GT_STAGE": "prod",
            "MYSQL_PORT": "3306",
            "MYSQL_CONNECT_TIMEOUT": "1.5",
            "REDIS_URL": "rediss://cache.example:6379/1",
            "REDIS_CLUSTER": "Yes",
            "KAFKA_BOOTSTRAP_SERVERS": " b1:9092, ,b2:9092 ",
            "TOKEN_TTL_SECONDS": "60",
            "LOG_LEVEL": "debug",
        }
    )

    assert settings.stage == "prod"
    assert settings.mysql_port == 3306
    assert settings.mysql_connect_timeout == 1.5
    assert settings.redis_url == "rediss://cache.example:6379/1"
    assert settings.redis_cluster is True
    assert settings.kafka_servers == ["b1:9092", "b2:9092"]
    assert settings.token_ttl_seconds == 60
    assert settings.log_level == "DEBUG"


def test_load_settings_empty_environment_value_falls_back_to_default():
    assert load_settings(env={"MYSQL_PORT": "", "GT_STAGE": ""}).mysql_port == 3307


def test_load_settings_media_base_url_follows_endpoint_and_strips_slash():
    assert load_settings(env={"AWS_ENDPOINT_URL": "http://localhost:4566/", "MEDIA_BUCKET": "b"}).media_base_url == (
        "http://localhost:4566/b"
    )
    assert load_settings(env={"MEDIA_BASE_URL": "https://cdn.example/media/"}).media_base_url == (
        "https://cdn.example/media"
    )


def test_load_settings_keyword_overrides_win_over_environment():
    settings = load_settings(
        env={"MYSQL_HOST": "db.env", "TOKEN_TTL_SECONDS": "60"}, mysql_host="db.arg", token_ttl_seconds=5
    )

    assert (settings.mysql_host, settings.token_ttl_seconds) == ("db.arg", 5)


def test_load_settings_reads_os_environ_when_env_not_given(monkeypatch):
    monkeypatch.setenv("MYSQL_HOST", "db.from.os.environ")

    assert load_settings().mysql_host == "db.from.os.environ"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MYSQL_PORT", "abc"),
        ("MYSQL_PORT", "3306.5"),
        ("MYSQL_CONNECT_TIMEOUT", "three"),
        ("REDIS_TIMEOUT", "2s"),
        ("KAFKA_TIMEOUT", "x"),
        ("TOKEN_TTL_SECONDS", "1h"),
    ],
)
def test_load_settings_bad_number_raises_configuration_error_naming_variable(name, value):
    with pytest.raises(ConfigurationError) as raised:
        load_settings(env={name: value})

    assert name in str(raised.value)
    assert repr(value) in str(raised.value)


@pytest.mark.parametrize("url", ["http://cache:6379", "localhost:6379", "cache.example", "mysql://db"])
def test_load_settings_bad_redis_url_raises_configuration_error_naming_variable(url):
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        load_settings(env={"REDIS_URL": url})


@pytest.mark.parametrize("url", ["redis://h:1/0", "rediss://h:1", "unix:///tmp/redis.sock"])
def test_load_settings_accepts_redis_url_schemes(url):
    assert load_settings(env={"REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("ttl", ["0", "-1"])
def test_load_settings_non_positive_token_ttl_raises_configuration_error_naming_variable(ttl):
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings(env={"TOKEN_TTL_SECONDS": ttl})


def test_load_settings_non_positive_token_ttl_override_is_rejected_too():
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings(env={}, token_ttl_seconds=0)


def test_load_settings_blank_kafka_servers_raise_configuration_error_naming_variable():
    with pytest.raises(ConfigurationError, match="KAFKA_BOOTSTRAP_SERVERS"):
        load_settings(env={"KAFKA_BOOTSTRAP_SERVERS": " , "})


def test_settings_are_immutable():
    settings = load_settings(env={})

    with pytest.raises(AttributeError):
        settings.stage = "prod"


def test_get_settings_is_cached_until_cache_clear(process_settings, monkeypatch):
    first = get_settings()
    monkeypatch.setenv("GT_STAGE", "changed")

    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().stage == "changed"
    assert isinstance(first, Settings)


def test_rate_limits_default_to_the_documented_values():
    settings = load_settings(env={})

    assert settings.rate_limits["register"] == Rate(10, 3600)
    assert settings.rate_limits["comment"] == Rate(20, 60)
    assert settings.login_lockout == LoginLockout(5, 20, 1.0, 900.0, 900.0)


def test_rate_limits_come_from_the_environment_per_action():
    settings = load_settings(
        env={"RATE_LIMIT_COMMENT": "3/10", "RATE_LIMIT_LIKE": "off", "LOGIN_FREE_FAILURES_PER_IP": "7"}
    )

    assert settings.rate_limits["comment"] == Rate(3, 10.0)
    assert settings.rate_limits["comment"].interval_ms == 3333
    assert settings.rate_limits["like"] is None
    assert settings.rate_limits["message"] == Rate(30, 60)
    assert settings.login_lockout.free_per_ip == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT_COMMENT", "fast"),
        ("RATE_LIMIT_COMMENT", "0/60"),
        ("RATE_LIMIT_COMMENT", "5/-1"),
        ("LOGIN_FREE_FAILURES_PER_USER", "0"),
        ("LOGIN_LOCKOUT_MAX_SECONDS", "0.5"),
    ],
)
def test_malformed_rate_limit_settings_are_configuration_errors(name, value):
    with pytest.raises(ConfigurationError):
        load_settings(env={name: value})
