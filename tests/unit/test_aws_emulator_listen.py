"""The local S3 emulator listens where API_HOST says, so a phone on the LAN that gets the API gets media too."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_aws_sh(command: str, **env: str) -> str:
    script = f'ROOT="{ROOT}"; source infra/services/lib.sh; source infra/services/aws.sh; {command}'
    environment = {k: v for k, v in os.environ.items() if k != "API_HOST"} | env
    return subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True, timeout=30
    ).stdout


@pytest.mark.parametrize(("api_host", "expected"), [(None, "127.0.0.1"), ("0.0.0.0", "0.0.0.0")])
def test_the_emulator_listens_on_api_host_else_loopback(api_host, expected):
    env = {"API_HOST": api_host} if api_host else {}

    assert in_aws_sh("aws_listen_host", **env).strip() == expected


def test_both_emulators_are_started_on_that_address():
    body = in_aws_sh("declare -f aws_start")

    assert 'GATEWAY_LISTEN="$(aws_listen_host):$port"' in body
    assert '-H "$(aws_listen_host)"' in body
