"""Every Kafka client of ours authenticates as KAFKA_SASL_MECHANISM says (SCRAM from a secret, or MSK IAM)."""

from __future__ import annotations

import json

import pytest

from gophertok.adapters.kafka import client_options
from gophertok.config import ConfigurationError, load_settings

BASE = {"JWT_SECRET": "s" * 40, "KAFKA_BOOTSTRAP_SERVERS": "b-1:9096,b-2:9096", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}


def test_plaintext_by_default(process_settings):
    assert client_options(load_settings({"JWT_SECRET": "s" * 40})) == {
        "bootstrap_servers": ["127.0.0.1:19092"],
        "security_protocol": "PLAINTEXT",
    }


def test_scram_takes_username_and_password_from_the_secret(secrets_manager):
    secret = json.dumps({"username": "producer", "password": "pw"})
    arn = secrets_manager.create_secret(Name="AmazonMSK_gt", SecretString=secret)["ARN"]
    settings = load_settings({**BASE, "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SECRET_ID": arn})
    options = client_options(settings)

    assert options == {
        "bootstrap_servers": ["b-1:9096", "b-2:9096"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "producer",
        "sasl_plain_password": "pw",
    }


def test_msk_iam_uses_kafka_pythons_signing_mechanism(process_settings):
    options = client_options(load_settings({**BASE, "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM"}))

    assert options["sasl_mechanism"] == "AWS_MSK_IAM" and options["security_protocol"] == "SASL_SSL"


def test_none_means_no_authentication_and_unknown_mechanisms_are_refused(process_settings):
    assert "sasl_mechanism" not in client_options(load_settings({**BASE, "KAFKA_SASL_MECHANISM": "NONE"}))
    with pytest.raises(ConfigurationError):
        load_settings({**BASE, "KAFKA_SASL_MECHANISM": "PLAIN"})
