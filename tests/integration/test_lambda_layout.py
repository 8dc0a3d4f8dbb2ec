"""Every function run from the exact file layout Lambda gives it, against the local stack.

`make package` builds the layer zips and one zip per function. Each function's zip is unpacked into a
``var/task``, its layers into ``opt`` (shared; + ffmpeg for the functions template.yaml gives it) and boto3 as
the runtime provides it into ``var/runtime``. A fresh CPython 3.12 started with ``-I -S`` (no site-packages,
no PYTHON* variables) gets exactly those directories plus its standard library on ``sys.path``, imports
``app.handler`` and invokes it once with a real API Gateway v2 / Kafka / SQS event. A missing dependency, a
module only found in this repo or a binary without its exec bit fails here, not on AWS.

The per-function zip size, unzipped size (code + layers, which Lambda caps at 250 MB) and cold init time
(import + first invoke) are printed and written to build/lambda-report.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from urllib3 import encode_multipart_formdata

from gophertok import registry
from gophertok.config import get_settings
from gophertok_local.events import http_event, kafka_event, kafka_record, scheduled_event, sqs_event, sqs_record
from gophertok_local.functions import invoke
from support.aws import receive_message_like, s3_notification
from support.clips import clip
from support.kafka_topics import end_offsets
from support.polling import unique_name, wait_for
from support.template import function_folder, functions, load_template

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD = REPO_ROOT / "build"
LAMBDA_LIMIT_BYTES = 250 * 1024 * 1024
DRIVER = r"""
import json, sys, time
started = time.perf_counter()
spec = json.loads(sys.stdin.read())
sys.path[:0] = spec["path"]

class Context:
    function_name = spec["function"]
    function_version = "$LATEST"
    aws_request_id = "layout-" + spec["function"]
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:" + spec["function"]
    def get_remaining_time_in_millis(self):
        return 30000

import app
imported = time.perf_counter()
result = app.handler(spec["event"], Context())
invoked = time.perf_counter()
import boto3, gophertok
origins = {"app": app.__file__, "gophertok": gophertok.__file__, "boto3": boto3.__file__}
for name in ("redis", "kafka", "pymysql", "imageio_ffmpeg"):
    if name in sys.modules:
        origins[name] = sys.modules[name].__file__
with open(spec["out"], "w") as out:
    json.dump({"result": result, "import_ms": (imported - started) * 1000, "invoke_ms": (invoked - imported) * 1000,
               "origins": origins, "sys_path": sys.path, "flags": [sys.flags.isolated, sys.flags.no_site]}, out)
"""


def python312() -> str | None:
    from package import python312 as find

    return find()


@dataclass
class Artifacts:
    """Where one build put each function's code and each layer's ``python/`` folder."""

    name: str  # "package" or "sam-build"
    tasks: dict[str, Path]  # function folder -> its /var/task
    layers: dict[str, Path]  # layer ("shared", "ffmpeg") -> its /opt/python
    zip_bytes: dict[str, int]  # function folder -> size of what is uploaded (zip, or the folder for sam)
    layer_bytes: dict[str, int]  # layer -> unzipped size

    def path(self, function: str, layers: list[str]) -> list[str]:
        """sys.path as Lambda builds it: the code, the layers, then the runtime's boto3."""
        return [str(self.tasks[function]), *(str(self.layers[name]) for name in layers), str(BUILD / "runtime")]


@dataclass
class Row:
    artifacts: str
    function: str
    zip_bytes: int
    layers: list[str]
    unzipped_bytes: int
    import_ms: float = 0.0
    invoke_ms: float = 0.0
    result: object = None  # what the handler returned
    logs: str = ""  # the function's stdout (its JSON log lines), shown when its answer is wrong

    @property
    def cold_ms(self) -> float:
        return self.import_ms + self.invoke_ms


def extract(archive: Path, destination: Path) -> int:
    """Unzip keeping Unix modes, as Lambda does; returns the unzipped size in bytes."""
    total = 0
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, destination))
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                path.chmod(mode & 0o777)
            total += info.file_size
    return total


def tree_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def interpreter() -> str:
    found = python312()
    if found is None:
        pytest.skip("no CPython 3.12 on this machine (pyenv or PATH): Lambda's python3.12 cannot be imitated")
    return found


@pytest.fixture(scope="module")
def packaged(tmp_path_factory, interpreter) -> Artifacts:
    """`make package`'s zips, unpacked as Lambda unpacks them."""
    subprocess.run([sys.executable, str(REPO_ROOT / "infra" / "package.py"), "--runtime"], check=True, cwd=REPO_ROOT)
    root = tmp_path_factory.mktemp("package")
    layer_bytes = {name: extract(BUILD / "layers" / f"{name}.zip", root / name) for name in ("shared", "ffmpeg")}
    tasks, zips = {}, {}
    for function in registry.all_functions():
        archive = BUILD / "functions" / f"{function}.zip"
        extract(archive, root / function)
        tasks[function], zips[function] = root / function, archive.stat().st_size
    layers = {name: root / name / "python" for name in layer_bytes}
    return Artifacts("package", tasks, layers, zips, layer_bytes)


@pytest.fixture(scope="module")
def sam_built(packaged) -> Artifacts:
    """`sam build`'s .aws-sam/build, read through the template it writes (cached by infra/sam_build.py)."""
    from sam_build import build

    build_dir = build()
    template = load_template(build_dir / "template.yaml")
    tasks, zips = {}, {}
    for logical_id, resource in functions(template).items():
        folder = build_dir / resource["Properties"]["CodeUri"]
        function = function_folder(load_template()["Resources"][logical_id])
        tasks[function], zips[function] = folder, tree_bytes(folder)
    layer_dirs = {"shared": "SharedLayer", "ffmpeg": "FfmpegLayer"}
    layers = {
        name: build_dir / template["Resources"][logical]["Properties"]["ContentUri"] / "python"
        for name, logical in layer_dirs.items()
    }
    layer_bytes = {name: tree_bytes(path) for name, path in layers.items()}
    return Artifacts("sam-build", tasks, layers, zips, layer_bytes)


def function_layers() -> dict[str, list[str]]:
    """The layers template.yaml gives each function (Globals' shared layer, plus its own)."""
    template = load_template()
    layers = {}
    for resource in functions(template).values():
        own = [ref["Ref"] for ref in resource["Properties"].get("Layers", [])]
        layers[function_folder(resource)] = ["shared"] + ["ffmpeg" for ref in own if ref == "FfmpegLayer"]
    return layers


def run_in_layout(artifacts: Artifacts, interpreter: str, function: str, event: dict, layers: list[str]) -> Row:
    """Import and invoke ``function`` in a fresh ``python3.12 -I -S -B`` that sees only its Lambda layout
    (-B: Lambda's code and layers are read-only, so nothing compiled at init is kept)."""
    task = artifacts.tasks[function]
    row = Row(
        artifacts.name,
        function,
        artifacts.zip_bytes[function],
        layers,
        tree_bytes(task) + sum(artifacts.layer_bytes[name] for name in layers),
    )
    with tempfile.TemporaryDirectory(prefix=f"layout-{function}-") as scratch:
        out = Path(scratch) / "result.json"
        path = artifacts.path(function, layers)
        spec = {"path": path, "function": function, "out": str(out), "event": event}
        env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": function, "LAMBDA_TASK_ROOT": str(task)}
        completed = subprocess.run(
            [interpreter, "-I", "-S", "-B", "-c", DRIVER],
            input=json.dumps(spec),
            text=True,
            capture_output=True,
            env=env,
            cwd=scratch,
            timeout=120,
        )
        assert completed.returncode == 0, (
            f"{function} failed in the {artifacts.name} layout:\n{completed.stderr[-3000:]}"
        )
        report = json.loads(out.read_text())
    assert report["flags"] == [1, 1], report["flags"]
    for module, origin in report["origins"].items():
        assert origin.startswith(tuple(path)), f"{artifacts.name} {function}: {module} from {origin}, outside"
    assert not [p for p in report["sys_path"] if "site-packages" in p], report["sys_path"]
    row.import_ms, row.invoke_ms = report["import_ms"], report["invoke_ms"]
    row.result, row.logs = report["result"], completed.stdout[-3000:]
    return row


# --- the events ------------------------------------------------------------------------------------------


def http(method: str, path: str, params: dict | None = None, body: bytes | None = None, content_type: str = ""):
    headers = {"content-type": content_type} if content_type else {}
    if params and method == "POST" and body is None:
        from urllib.parse import urlencode

        body, headers = urlencode(params).encode(), {"content-type": "application/x-www-form-urlencoded"}
        params = None
    return http_event(method, path, query=params or {}, headers=headers, body=body)


def _ok(response: dict) -> dict:
    body = json.loads(response["body"])
    assert body["status_code"] == 0, body
    return body


@pytest.fixture(scope="module")
def accounts(stack_env) -> dict:
    """Two accounts and one of each domain event on its topic, made through the in-process handlers."""
    made = {}
    for name in ("a", "b"):
        username = unique_name("lay")
        body = _ok(
            invoke(
                "user_register",
                http("POST", "/douyin/user/register/", {"username": username, "password": "quiet-Otter-42"}),
            )
        )
        made[name] = {"user_id": body["user_id"], "token": body["token"], "username": username}
    a, b = made["a"], made["b"]
    fields, content_type = encode_multipart_formdata(
        {"token": a["token"], "title": "seed", "data": ("c.mp4", clip(), "video/mp4")}
    )
    _ok(invoke("video_publish", http("POST", "/douyin/publish/action/", body=fields, content_type=content_type)))
    video_id = _ok(
        invoke(
            "video_publish_list", http("GET", "/douyin/publish/list/", {"token": a["token"], "user_id": a["user_id"]})
        )
    )["video_list"][0]["id"]
    _ok(
        invoke(
            "favorite_action",
            http("POST", "/douyin/favorite/action/", {"token": b["token"], "video_id": video_id, "action_type": 1}),
        )
    )
    _ok(
        invoke(
            "comment_action",
            http(
                "POST",
                "/douyin/comment/action/",
                {"token": b["token"], "video_id": video_id, "action_type": 1, "comment_text": "hi"},
            ),
        )
    )
    _ok(
        invoke(
            "relation_action",
            http(
                "POST", "/douyin/relation/action/", {"token": b["token"], "to_user_id": a["user_id"], "action_type": 1}
            ),
        )
    )
    _ok(
        invoke(
            "message_action",
            http(
                "POST",
                "/douyin/message/action/",
                {"token": b["token"], "to_user_id": a["user_id"], "action_type": 1, "content": "yo"},
            ),
        )
    )
    made["video_id"] = video_id
    return made


def latest_record(topic: str) -> dict:
    """The newest record of ``topic`` in the shape Lambda's Kafka event source delivers it."""
    consumer = KafkaConsumer(bootstrap_servers=get_settings().kafka_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        ends = end_offsets(partitions)
        partition = max(partitions, key=lambda tp: ends[tp])
        assert ends[partition] > 0, f"{topic} is empty"
        consumer.assign([partition])
        consumer.seek(partition, ends[partition] - 1)
        polled = wait_for(lambda: consumer.poll(timeout_ms=500).get(partition), timeout=20, what=f"a record of {topic}")
        record = polled[-1]
        return kafka_record(
            record.topic,
            record.partition,
            record.offset,
            record.value,
            record.key,
            record.headers or (),
            record.timestamp,
        )
    finally:
        consumer.close(autocommit=False)


def ingest_event(account: dict) -> dict:
    """An SQS event announcing a real presigned upload (the local runner may ingest it first: then this is
    the redelivery, which must settle quietly)."""
    import requests

    data = clip("testsrc2", 1.0, "mp4")
    ticket = _ok(
        invoke(
            "video_upload_url",
            http(
                "POST",
                "/douyin/publish/upload_url/",
                {"token": account["token"], "title": "big", "content_type": "video/mp4", "size": len(data)},
            ),
        )
    )
    assert requests.put(ticket["upload_url"], data=data, headers=ticket["headers"], timeout=30).status_code == 200
    body = s3_notification(get_settings().media_bucket, registry.UPLOADS_PREFIX + ticket["upload_id"], len(data))
    arn = "arn:aws:sqs:us-east-1:000000000000:" + registry.Queues.MEDIA_UPLOADS
    return sqs_event([sqs_record(receive_message_like(body), arn)])


def events_by_function(accounts: dict) -> dict[str, tuple[dict, object]]:
    """function -> (event, expected status_code for HTTP / None for event consumers)."""
    a, b = accounts["a"], accounts["b"]
    mine = {"token": a["token"], "user_id": a["user_id"]}
    fields, content_type = encode_multipart_formdata(
        {"token": a["token"], "title": "layout", "data": ("c.mp4", clip("testsrc", 1.0, "mp4"), "video/mp4")}
    )
    http_events = {
        "user_register": (
            http("POST", "/douyin/user/register/", {"username": unique_name("lay"), "password": "quiet-Otter-42"}),
            0,
        ),
        "user_login": (
            http("POST", "/douyin/user/login/", {"username": a["username"], "password": "quiet-Otter-42"}),
            0,
        ),
        "user_info": (http("GET", "/douyin/user/", mine), 0),
        "video_feed": (http("GET", "/douyin/feed/"), 0),
        "not_found": (http("GET", "/douyin/no/such/path/"), 40400),
        "video_publish": (http("POST", "/douyin/publish/action/", body=fields, content_type=content_type), 0),
        "video_publish_list": (http("GET", "/douyin/publish/list/", mine), 0),
        "video_upload_url": (
            http(
                "POST",
                "/douyin/publish/upload_url/",
                {"token": a["token"], "title": "t", "content_type": "video/webm", "size": 1000},
            ),
            0,
        ),
        "favorite_action": (
            http("POST", "/douyin/favorite/action/", {"video_id": accounts["video_id"], "action_type": 1}),
            20001,
        ),
        "favorite_list": (http("GET", "/douyin/favorite/list/", mine), 0),
        "comment_action": (
            http("POST", "/douyin/comment/action/", {"token": "forged.token.value", "video_id": 1, "action_type": 1}),
            20002,
        ),
        "comment_list": (
            http("GET", "/douyin/comment/list/", {"token": a["token"], "video_id": accounts["video_id"]}),
            0,
        ),
        "relation_action": (
            http("POST", "/douyin/relation/action/", {"to_user_id": a["user_id"], "action_type": 1}),
            20001,
        ),
        "relation_follow_list": (http("GET", "/douyin/relation/follow/list/", mine), 0),
        "relation_follower_list": (http("GET", "/douyin/relation/follower/list/", mine), 0),
        "relation_friend_list": (http("GET", "/douyin/relation/friend/list/", mine), 0),
        "message_action": (
            http("POST", "/douyin/message/action/", {"to_user_id": a["user_id"], "action_type": 1, "content": "x"}),
            20001,
        ),
        "message_chat": (http("GET", "/douyin/message/chat/", {"token": b["token"], "to_user_id": a["user_id"]}), 0),
    }
    kafka_events = {
        consumer.function: (kafka_event([latest_record(consumer.topic)], get_settings().kafka_bootstrap_servers), None)
        for consumer in registry.CONSUMERS
    }
    fallback = {registry.FALLBACK_FUNCTION: (http("GET", "/douyin/no/such/endpoint"), 40400)}
    migrations = sorted((REPO_ROOT / "shared" / "migrations").glob("*.sql"))
    ops = {  # the stack is migrated and its topics exist: the ops functions find nothing to do
        "db_migrate": ({}, {"applied": [], "total": len(migrations)}),
        "kafka_topics": ({}, {"created": [], "topics": len(registry.topics())}),
        # limit 0: connects to the broker and reads the topic's ends, replays nothing of the shared stack
        "replay_dlq": ({"topic": registry.Topics.COMMENT_EVENTS, "limit": 0}, {registry.Topics.COMMENT_EVENTS: 0}),
        "reconcile": (scheduled_event("gophertok-reconcile"), None),
    }
    return {**http_events, **kafka_events, **fallback, **ops, "video_ingest": (ingest_event(b), None)}


def write_report(rows: dict[str, list[Row]]) -> str:
    """build/lambda-report.md: per function, size and cold init (import + first invoke) of each build."""
    built = sorted(rows)
    by_function: dict[str, dict[str, Row]] = {}
    for name in built:
        for row in rows[name]:
            by_function.setdefault(row.function, {})[name] = row
    header = "| function | layers | " + " | ".join(
        f"{name} size | {name} unzipped | {name} import | {name} cold init" for name in built
    )
    lines = [header + " |", "|---|---|" + "---:|" * 4 * len(built)]
    for function, cells in sorted(by_function.items()):
        any_row = next(iter(cells.values()))
        line = f"| {function} | {' + '.join(any_row.layers)} |"
        for name in built:
            cell = cells.get(name)
            line += (
                f" {cell.zip_bytes / 1024:.1f} KiB | {cell.unzipped_bytes / 1024 / 1024:.1f} MiB | "
                f"{cell.import_ms:.0f} ms | {cell.cold_ms:.0f} ms |"
                if cell
                else " | | | |"
            )
        lines.append(line)
    medians = "| **median** | |"
    for name in built:
        imports = sorted(row.import_ms for row in rows[name])
        colds = sorted(row.cold_ms for row in rows[name])
        medians += f" | | {imports[len(imports) // 2]:.0f} ms | {colds[len(colds) // 2]:.0f} ms |"
    lines.append(medians)
    text = (
        "# Lambda layout report\n\nGenerated by tests/integration/test_lambda_layout.py: each function run once from "
        "`make package` zips and from `sam build`'s .aws-sam/build in CPython 3.12 `-I -S -B` against the local "
        "stack. Cold init = import + first invoke (`package` size is the zip, `sam-build` size the built folder). "
        "Both builds lay the layers out with infra/package.py (bytecode included). Single samples on a shared "
        "machine: compare medians, or run bench/cold_init.py for repeated measurements.\n\n" + "\n".join(lines) + "\n"
    )
    BUILD.mkdir(exist_ok=True)
    (BUILD / "lambda-report.md").write_text(text)
    return text


ROWS: dict[str, list[Row]] = {}


def expected_http_status(status_code: int) -> int:
    from gophertok.errors import ERROR_TABLE

    return next((spec.http_status for spec in ERROR_TABLE.values() if spec.status_code == status_code), 200)


@pytest.mark.parametrize("build", ["package", "sam-build"])
def test_every_function_imports_and_answers_from_the_lambda_layout(request, build, interpreter, accounts):
    artifacts: Artifacts = request.getfixturevalue("packaged" if build == "package" else "sam_built")
    layers = function_layers()
    assert sorted(layers) == registry.all_functions()
    assert sorted(artifacts.tasks) == registry.all_functions()
    events = events_by_function(accounts)
    assert sorted(events) == registry.all_functions()
    rows = []
    for function in registry.all_functions():
        event, expected = events[function]
        row = run_in_layout(artifacts, interpreter, function, event, layers[function])
        result = row.result
        if function in registry.OPS_FUNCTIONS:
            assert result == expected, (function, result, row.logs)
        elif function in registry.scheduled_functions():
            assert isinstance(result, dict) and result.get("checked", -1) >= 0, (function, result, row.logs)
        elif expected is None and function in {c.function for c in registry.QUEUE_CONSUMERS}:
            assert result == {"batchItemFailures": []}, (function, result, row.logs)
        elif expected is None:
            assert result == {"processed": 1, "parked": 0}, (function, result, row.logs)
        else:
            body = json.loads(result["body"])
            assert result["statusCode"] == expected_http_status(expected), (function, result["statusCode"], body)
            assert body["status_code"] == expected, (function, body)
        assert row.unzipped_bytes < LAMBDA_LIMIT_BYTES, (function, row.unzipped_bytes)
        rows.append(row)
    ROWS[build] = rows
    print("\n" + write_report(ROWS))
    assert artifacts.layer_bytes["shared"] < 50 * 1024 * 1024  # the layer every function loads stays small
    shared = artifacts.layers["shared"]
    assert not (shared / "botocore").exists(), "botocore must come from the runtime, as boto3 does"
    assert list((shared / "gophertok" / "__pycache__").glob("*.cpython-312.pyc")), "the layer ships its bytecode"
