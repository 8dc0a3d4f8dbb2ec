"""The web client deploys as static files behind the media distribution (issue: OpenAPI + web)."""

from __future__ import annotations

import pytest

from support.template import load_template


@pytest.fixture(scope="module")
def resources():
    return load_template()["Resources"]


def test_the_distribution_serves_the_web_prefix_compressed_and_readable_through_oac(resources):
    config = resources["MediaDistribution"]["Properties"]["DistributionConfig"]
    (web,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "web/*"]
    assert web["Compress"] is True and web["TargetOriginId"] == "media"
    readable = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:s3:::${MediaBucket}/web/*"} in readable


def test_the_root_redirects_to_the_web_client_and_its_folder_serves_index_html(resources):
    code = resources["WebIndexFunction"]["Properties"]["FunctionCode"]
    assert "'/web/'" in code and "/web/index.html" in code and "302" in code
    config = resources["MediaDistribution"]["Properties"]["DistributionConfig"]
    associations = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    for behavior in associations:
        (function,) = behavior["FunctionAssociations"]
        assert function["FunctionARN"] == {"Fn::GetAtt": "WebIndexFunction.FunctionMetadata.FunctionARN"}
