"""make web-deploy: every web/ file under web/ with its type, config.js aimed at the deployed API."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import boto3
from moto import mock_aws

_SPEC = importlib.util.spec_from_file_location(
    "web_deploy", Path(__file__).resolve().parents[2] / "infra" / "web_deploy.py"
)
assert _SPEC is not None and _SPEC.loader is not None
web_deploy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(web_deploy)


@mock_aws
def test_every_file_is_uploaded_with_its_type_and_the_api_url_in_config() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="media")
    keys = web_deploy.deploy("media", "https://api.example.test/", s3=s3)
    expected = {"web/" + p.relative_to(web_deploy.WEB_ROOT).as_posix() for p in web_deploy.web_files()}
    assert set(keys) == expected and "web/index.html" in expected and "web/js/app.js" in expected
    config = s3.get_object(Bucket="media", Key="web/config.js")
    assert config["Body"].read() == b'export const API_BASE = "https://api.example.test";\n'
    page = s3.get_object(Bucket="media", Key="web/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == "no-cache"
    assert page["Body"].read() == (web_deploy.WEB_ROOT / "index.html").read_bytes()
