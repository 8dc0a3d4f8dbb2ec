"""template.yaml gives a stack that works on AWS: media behind CloudFront with OAC, the contract's CORS and
throttling on the HTTP API, publish within the API's timeout, log groups with retention, per-family reserved
concurrency, and explicit retry limits on the Kafka mappings. Checked on the SAM-translated CloudFormation."""

from __future__ import annotations

import pytest

from gophertok import registry
from support.template import SAMPLE_PARAMETERS, function_folder, functions, load_template, sam_translate


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def translated(template) -> dict:
    return sam_translate(template, SAMPLE_PARAMETERS)


def lambda_functions(translated: dict) -> dict[str, dict]:
    """function folder -> translated AWS::Lambda::Function properties."""
    found = {}
    for resource in translated["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            found[resource["Properties"]["Code"]["S3Key"].rsplit("/", 1)[-1]] = resource["Properties"]
    return found


def test_media_is_read_through_cloudfront_with_origin_access_control_from_a_private_bucket(template):
    resources = template["Resources"]
    block = resources["MediaBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values()), block
    origin = resources["MediaDistribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": "MediaOriginAccessControl.Id"}
    assert origin["DomainName"] == {"Fn::GetAtt": "MediaBucket.RegionalDomainName"}
    [statement] = resources["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"} and statement["Action"] == "s3:GetObject"
    assert "${MediaDistribution}" in statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    base_url = template["Globals"]["Function"]["Environment"]["Variables"]["MEDIA_BASE_URL"]["Fn::If"]
    assert base_url[2] == {"Fn::Sub": "https://${MediaDistribution.DomainName}"}


def test_http_api_has_cors_from_the_parameter_and_stricter_throttling_on_login_and_register(template, translated):
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["CorsConfiguration"]["AllowOrigins"] == {"Ref": "CorsAllowOrigins"}
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] == {"Ref": "ReadRateLimit"}
    [stage] = [r for r in translated["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    settings = stage["Properties"]["RouteSettings"]
    expected = {}
    for route in registry.ROUTES:
        if route.method == "POST":
            kind = "Auth" if route.function in {"user_login", "user_register"} else "Write"
            for path in (route.path, route.path + "/"):
                expected[f"POST {path}"] = {"Ref": f"{kind}RateLimit"}
    assert {key: value["ThrottlingRateLimit"] for key, value in settings.items()} == expected


def test_publish_answers_within_the_http_apis_30_s_limit(translated):
    assert lambda_functions(translated)["video_publish"]["Timeout"] < 30


def test_every_function_logs_json_to_its_own_log_group_with_retention(translated):
    resources = translated["Resources"]
    for folder, props in lambda_functions(translated).items():
        config = props["LoggingConfig"]
        assert config["LogFormat"] == "JSON", folder
        group = resources[config["LogGroup"]["Ref"]]["Properties"]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}, folder
        assert group["LogGroupName"]["Fn::Sub"].endswith("/" + folder), folder


def test_reserved_concurrency_is_a_parameter_per_function_family(template):
    families = {}
    for resource in functions(template).values():
        reserved = resource["Properties"].get("ReservedConcurrentExecutions")
        families[function_folder(resource)] = reserved["Fn::If"][1]["Ref"] if reserved else None
    for function in registry.all_functions():
        if function in {"video_publish", "video_ingest"}:
            assert families[function] == "MediaReservedConcurrency", function
        elif function in registry.http_functions():
            assert families[function] == "HttpReservedConcurrency", function
        elif function in {c.function for c in registry.CONSUMERS}:
            assert families[function] == "ConsumerReservedConcurrency", function


def test_kafka_mappings_set_explicit_retry_and_record_age_limits(translated):
    mappings = [
        r["Properties"]
        for r in translated["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and "Topics" in r["Properties"]
    ]
    assert len(mappings) == 2 * len(registry.CONSUMERS)
    for mapping in mappings:
        assert mapping["MaximumRetryAttempts"] == {"Ref": "KafkaMaxRetryAttempts"}
        assert mapping["MaximumRecordAgeInSeconds"] == {"Ref": "KafkaMaxRecordAgeSeconds"}
        assert mapping["ProvisionedPollerConfig"]["MinimumPollers"] == 1


def test_http_functions_can_use_snapstart_and_every_function_the_architecture_parameter(translated):
    resources = translated["Resources"]
    functions_by_folder = lambda_functions(translated)
    for folder, props in functions_by_folder.items():
        assert props["Architectures"] == [{"Ref": "Architecture"}], folder
        if folder in registry.http_functions():
            assert props["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}, folder
    aliases = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    assert len(aliases) == len(registry.http_functions())


def test_kafka_authentication_reaches_the_mappings_and_every_functions_role(template, translated):
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::EventSourceMapping" and "Topics" in props:
            access = props["SourceAccessConfigurations"]
            scram = access["Fn::If"] if isinstance(access, dict) else access[-1]["Fn::If"]
            assert scram[0] == "UseKafkaScram", props
            first = scram[1][0] if isinstance(scram[1], list) else scram[1]
            assert first == {"Type": "SASL_SCRAM_512_AUTH", "URI": {"Ref": "KafkaSecretArn"}}
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["KAFKA_SASL_MECHANISM"] == {"Ref": "KafkaSaslMechanism"}
    assert env["KAFKA_SECRET_ID"] == {"Ref": "KafkaSecretArn"}
    assert env["KAFKA_REPLICATION_FACTOR"] == {"Ref": "KafkaReplicationFactor"}
    roles = [
        r for n, r in translated["Resources"].items() if r["Type"] == "AWS::IAM::Role" and n.endswith("FunctionRole")
    ]
    assert len(roles) == len(registry.all_functions())
    for role in roles:
        assert {"Fn::If": ["UseKafkaAuth", {"Ref": "KafkaClientPolicy"}, {"Ref": "AWS::NoValue"}]} in role[
            "Properties"
        ]["ManagedPolicyArns"], role


def test_nothing_secret_is_set_in_plain_environment_variables(template):
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert not {"MYSQL_PASSWORD", "MYSQL_USER", "JWT_SECRET"} & set(env)
    assert env["MYSQL_SECRET_ID"] == {"Ref": "MysqlSecretArn"} and env["JWT_SECRET_ID"] == {"Ref": "JwtSecretArn"}
    for resource in functions(template).values():
        own = resource["Properties"].get("Environment", {}).get("Variables", {})
        assert not {name for name in own if "PASSWORD" in name or name == "JWT_SECRET"}, own


def test_an_optional_rds_proxy_fronts_the_database_on_by_default_with_msk(template):
    resources, conditions = template["Resources"], template["Conditions"]
    assert conditions["UseRdsProxy"] == {
        "Fn::Or": [
            {"Fn::Equals": [{"Ref": "RdsProxy"}, "enabled"]},
            {"Fn::And": [{"Fn::Equals": [{"Ref": "RdsProxy"}, "auto"]}, {"Fn::Condition": "UseMsk"}]},
        ]
    }
    proxy = resources["DatabaseProxy"]
    assert proxy["Condition"] == "UseRdsProxy" and proxy["Properties"]["EngineFamily"] == "MYSQL"
    assert proxy["Properties"]["Auth"][0]["SecretArn"] == {"Ref": "MysqlSecretArn"}  # the functions' secret
    host = template["Globals"]["Function"]["Environment"]["Variables"]["MYSQL_HOST"]
    assert host == {"Fn::If": ["UseRdsProxy", {"Fn::GetAtt": "DatabaseProxy.Endpoint"}, {"Ref": "MysqlHost"}]}
