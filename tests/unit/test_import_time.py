"""Cold start: importing each function's handler costs at most ~1.3× a bare ``import boto3``.

Every function of the registry is imported in a fresh ``python -X importtime -I -S`` that sees what Lambda gives
it (its folder, its layers, the runtime's boto3: support/import_time.py); bare ``import boto3`` runs are spread
among them, in rounds. The budget compares medians of CPU time, which waiting for a core on a loaded machine does
not inflate; it is a ratio, never milliseconds.

Import hygiene is checked exactly, from the same runs: what a function does not use at import is not imported
(confluent-kafka is imported by the first publish, boto3 by the first AWS call, aws_xray_sdk only with a daemon
configured; argon2 and PyJWT only where passwords or tokens are handled; Redis and MySQL clients only where they
are used), so a stray module-level import fails here with the name of the module that pulled it in.

No services are needed. bench/import_time.py prints the same figures as a table.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gophertok import registry
from support.import_time import (
    BASELINE,
    RUNTIME,
    ImportProfile,
    lambda_path,
    lambda_sites,
    measure,
    median_cpu_us,
    parse_importtime,
    profile,
)
from support.template import function_layers

BUDGET = 1.3
# Functions that must import something heavy at cold start, with why. Empty: none does today.
LARGER_BUDGETS: dict[str, tuple[float, str]] = {}
ROUNDS = int(os.environ.get("IMPORT_TIME_ROUNDS", "3"))
BASELINE_EVERY = 3  # a bare `import boto3` run after every this many function runs

# Modules no function imports when Lambda loads it: each is imported where it is first used.
NEVER_AT_IMPORT = {
    "confluent_kafka": "confluent-kafka: adapters/kafka.py imports it on the first publish or consume",
    "kafka": "kafka-python: not shipped (the layer's Kafka client is confluent-kafka)",
    "boto3": "boto3: adapters/storage.py and adapters/secrets.py create clients on first use",
    "botocore": "botocore: only through boto3 (or MSK IAM signing), on first use",
    "aws_xray_sdk": "aws_xray_sdk: tracing.py imports it only with an X-Ray daemon address",
    "imageio_ffmpeg": "imageio_ffmpeg: media/covers.py runs ffmpeg only when a video is decoded",
    "cryptography": "cryptography: not shipped (PyJWT only needs hmac for HS256)",
}
ACCOUNT_FUNCTIONS = {"user_register", "user_login"}  # hash or check a password and issue a token
TOKEN_CHECKERS = {route.function for route in registry.ROUTES} - ACCOUNT_FUNCTIONS  # verify the caller's token
# module -> the only functions that may import it at cold start.
# Not here: redis.asyncio. redis-py's own __init__ imports it (redis/redis-py#2759, so that `redis.asyncio.Redis`
# works after `import redis`) and redis.commands.core imports its observability recorder, so any use of redis-py
# loads it; only patching redis-py could avoid it. Its own modules cost ~8 ms (bench/import_time.py); the stdlib
# asyncio it needs stays anyway (redis.event and redis._parsers.base import it).
ONLY_FOR = {
    "argon2": (ACCOUNT_FUNCTIONS, "argon2: only register and login hash passwords (services/users.py)"),
    "jwt": (
        TOKEN_CHECKERS | ACCOUNT_FUNCTIONS,
        "PyJWT: only handlers that verify or issue tokens (services/users.py imports it for register/login only)",
    ),
    "redis": (
        set(registry.all_functions()) - set(registry.OPS_FUNCTIONS) - {registry.FALLBACK_FUNCTION},
        "redis: not_found and the ops functions never touch Redis",
    ),
    "pymysql": (
        set(registry.all_functions()) - {"kafka_topics", "replay_dlq", registry.FALLBACK_FUNCTION},
        "PyMySQL: not_found, kafka_topics and replay_dlq never touch MySQL",
    ),
}


def budget(function: str) -> float:
    return LARGER_BUDGETS.get(function, (BUDGET, ""))[0]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return lambda_sites(tmp_path_factory.mktemp("lambda-sites"))


@pytest.fixture(scope="module")
def layers() -> dict[str, list[str]]:
    return function_layers()


@pytest.fixture(scope="module")
def runs(sites: dict[str, Path], layers: dict[str, list[str]]) -> dict[str, list[ImportProfile]]:
    return measure(registry.all_functions(), layers, sites, ROUNDS, BASELINE_EVERY)


def test_every_function_of_the_registry_has_a_layout(layers: dict[str, list[str]]) -> None:
    assert sorted(layers) == registry.all_functions()


@pytest.mark.parametrize("function", registry.all_functions())
def test_a_function_imports_nothing_it_does_not_use(function: str, runs: dict[str, list[ImportProfile]]) -> None:
    found = runs[function][0]
    assert found.imported("gophertok"), "the probe did not import the handler through the layer"
    stray = [
        f"{why} (pulled in by {found.importer_of(module)})"
        for module, why in NEVER_AT_IMPORT.items()
        if found.imported(module)
    ]
    stray += [
        f"{why} (pulled in by {found.importer_of(module)})"
        for module, (allowed, why) in ONLY_FOR.items()
        if function not in allowed and found.imported(module)
    ]
    assert not stray, f"{function} imports at cold start what it does not use there:\n" + "\n".join(stray)


def in_turn(path: list[str], sites: dict[str, Path], rounds: int = ROUNDS) -> tuple[list[ImportProfile], float]:
    """``rounds`` profiles of the handler on ``path``, each after a bare ``import boto3`` run, and the ratio of their
    median CPU times: what the suite-wide baseline is for a single function, without the drift of the machine's
    speed between the suite's first and last runs."""
    profiles, baseline = [], []
    for _ in range(rounds):
        baseline.append(profile([str(sites[RUNTIME])], "boto3"))
        profiles.append(profile(path))
    return profiles, median_cpu_us(profiles) / median_cpu_us(baseline)


@pytest.mark.parametrize("function", registry.all_functions())
def test_a_function_imports_within_its_budget_of_a_bare_boto3(
    function: str, runs: dict[str, list[ImportProfile]], sites: dict[str, Path], layers: dict[str, list[str]]
) -> None:
    baseline = median_cpu_us(runs[BASELINE])
    ratio = median_cpu_us(runs[function]) / baseline
    if ratio > budget(function):  # measured again in turn with its own baseline: a loaded VM drifts over a suite
        _, ratio = in_turn(lambda_path(function, layers[function], sites), sites, 2 * ROUNDS)
    heaviest = sorted(runs[function][0].self_us.items(), key=lambda item: -item[1])[:8]
    assert ratio <= budget(function), (
        f"{function}: import is {ratio:.2f}× a bare `import boto3` ({baseline / 1000:.0f} ms CPU), budget "
        f"{budget(function)}×; heaviest modules (self µs): {heaviest}"
    )


def test_a_handler_that_imports_too_much_fails_both_checks(tmp_path: Path, sites: dict[str, Path]) -> None:
    """The checks can fail: a handler importing confluent-kafka and the layer's Redis adapter at module level and
    creating its boto3 client there, which loads the service's model: the usual ways a cold start grows."""
    heavy = tmp_path / "heavy"
    heavy.mkdir()
    (heavy / "app.py").write_text(
        "import boto3\nimport confluent_kafka\nimport gophertok.adapters.redis_client\n"
        'S3 = boto3.client("s3", region_name="us-east-1")\n'
    )
    path = [str(heavy), *lambda_path("not_found", ["shared"], sites)[1:]]
    profiles, ratio = in_turn(path, sites)
    assert profiles[0].imported("confluent_kafka") and profiles[0].imported("boto3")
    assert profiles[0].importer_of("confluent_kafka") == "app"
    assert ratio > BUDGET


def test_the_report_is_read_as_python_writes_it() -> None:
    """A package is reported inside its submodule's import; a failed optional import is reported but not loaded."""
    report = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:        10 |         10 |       cryptography",
            "import time:        20 |         20 |       email",
            "import time:        30 |         50 |     email.parser",
            "import time:        40 |        100 |   jwt",
            "import time:         5 |        105 | app",
            "cpu-us: 99",
            "loaded: app email email.parser jwt sys",
        ]
    )
    found = parse_importtime(report, "app")
    assert (found.total_us, found.cpu_us, found.self_us["email.parser"]) == (105, 99, 30)
    assert found.importer_of("email") == "jwt" and found.importer_of("jwt") == "app"
    assert not found.imported("cryptography") and found.imported("email")
    assert found.subtree_us("email") == 50
