"""Every Kafka client of ours authenticates as KAFKA_SASL_MECHANISM says (SCRAM from a secret, or MSK IAM)."""

from __future__ import annotations

import base64
import json

import pytest

from gophertok.adapters import kafka
from gophertok.adapters.kafka import client_config
from gophertok.config import ConfigurationError, load_settings

BASE = {"JWT_SECRET": "s" * 40, "KAFKA_BOOTSTRAP_SERVERS": "b-1:9096,b-2:9096", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}


def _connection(config: dict) -> dict:
    """The settings that say where to connect and how to authenticate (not the logging ones)."""
    return {name: value for name, value in config.items() if name not in {"logger", "log.connection.close"}}


def test_plaintext_by_default(process_settings):
    assert _connection(client_config(load_settings({"JWT_SECRET": "s" * 40}))) == {
        "bootstrap.servers": "127.0.0.1:19092",
        "security.protocol": "PLAINTEXT",
    }


def test_scram_takes_username_and_password_from_the_secret(secrets_manager):
    secret = json.dumps({"username": "producer", "password": "pw"})
    arn = secrets_manager.create_secret(Name="AmazonMSK_gt", SecretString=secret)["ARN"]
    settings = load_settings({**BASE, "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SECRET_ID": arn})

    assert _connection(client_config(settings)) == {
        "bootstrap.servers": "b-1:9096,b-2:9096",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "producer",
        "sasl.password": "pw",
    }


def test_msk_iam_is_oauthbearer_with_a_token_signed_by_the_functions_role(process_settings, monkeypatch):
    config = client_config(load_settings({**BASE, "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM"}))

    assert config["sasl.mechanism"] == "OAUTHBEARER" and config["security.protocol"] == "SASL_SSL"
    # The callback librdkafka calls for a token signs one with the signer MSK documents, in the function's region.
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    token, expiry = config["oauth_cb"](None)
    assert config["oauth_cb"] is kafka.msk_iam_token
    assert isinstance(token, str) and len(token) > 100 and expiry > 1_000_000_000  # seconds, not milliseconds
    signed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    assert signed.startswith("https://kafka.eu-west-3.amazonaws.com/") and "Action=kafka-cluster%3AConnect" in signed


def test_none_means_no_authentication_and_unknown_mechanisms_are_refused(process_settings):
    assert "sasl.mechanism" not in client_config(load_settings({**BASE, "KAFKA_SASL_MECHANISM": "NONE"}))
    with pytest.raises(ConfigurationError):
        load_settings({**BASE, "KAFKA_SASL_MECHANISM": "PLAIN"})
