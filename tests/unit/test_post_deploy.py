"""infra/post-deploy.sh invokes the topic and migration ops functions of the stack and fails when one fails
(the AWS CLI is a stub on PATH that answers like the real one)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_AWS = r"""#!/usr/bin/env bash
echo "$*" >> "$CALLS"
case "$1 $2" in
  "cloudformation describe-stacks") case "$*" in *KafkaTopics*) echo gt-topics ;; *) echo gt-migrate ;; esac ;;
  "lambda invoke")
    for last; do :; done
    echo '{"applied": []}' > "$last"
    if [ "$4" = "$FAIL" ]; then echo '{"StatusCode": 200, "FunctionError": "Unhandled"}'
    else echo '{"StatusCode": 200}'; fi ;;
esac
"""


def run(tmp_path: Path, fail: str = "") -> tuple[subprocess.CompletedProcess, list[str]]:
    (tmp_path / "aws").write_text(FAKE_AWS)
    (tmp_path / "aws").chmod(0o755)
    calls = tmp_path / "calls"
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "CALLS": str(calls), "FAIL": fail}
    done = subprocess.run(
        [str(ROOT / "infra" / "post-deploy.sh"), "gophertok-dev"], env=env, capture_output=True, text=True, timeout=30
    )
    return done, calls.read_text().splitlines()


def test_topics_then_migrations_are_invoked(tmp_path):
    done, calls = run(tmp_path)

    assert done.returncode == 0, done.stderr
    invoked = [call.split()[3] for call in calls if call.startswith("lambda invoke")]
    assert invoked == ["gt-topics", "gt-migrate"]
    assert all("--stack-name gophertok-dev" in call for call in calls if call.startswith("cloudformation"))


@pytest.mark.parametrize("failing", ["gt-topics", "gt-migrate"])
def test_a_failing_ops_function_fails_the_step(tmp_path, failing):
    done, _ = run(tmp_path, fail=failing)

    assert done.returncode == 1 and f"{failing} failed" in done.stderr
