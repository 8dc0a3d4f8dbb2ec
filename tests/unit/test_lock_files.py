"""The hashed lock files agree with their human-edited sources and with each other (`make lock` writes them).

Each .in pins its top-level packages; each lock must carry those exact versions, with hashes for every entry
(bootstrap and make package install with --require-hashes). The dev venv and the Lambda layers must run the
same version of every package they share, and make package's stand-in for the Lambda runtime's boto3 is
the one the dev venv tests against.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEV = (REPO / "requirements-dev.in", REPO / "requirements-dev.txt")
LAYERS = {
    "shared": (REPO / "layers/gophertok/requirements.in", REPO / "layers/gophertok/python/requirements.txt"),
    "ffmpeg": (REPO / "layers/ffmpeg/requirements.in", REPO / "layers/ffmpeg/requirements.txt"),
}
SOURCES = {"dev": DEV, **LAYERS}

_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:==\s*([^\s;\\#]+))?")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def source_pins(path: Path) -> dict[str, str | None]:
    """Top-level requirements of a .in file (following -r includes): name -> pinned version or None."""
    pins: dict[str, str | None] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins.update(source_pins(REPO / line[3:].strip()))
        elif line and not line.startswith("-"):
            match = _REQUIREMENT.match(line)
            assert match, f"{path.name}: cannot read {raw!r}"
            pins[normalise(match[1])] = match[2]
    return pins


def lock_entries(text: str) -> dict[str, tuple[str, int]]:
    """A compiled lock: name -> (version, number of hashes)."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            match = _REQUIREMENT.match(line)
            assert match and match[2], f"lock entry without an exact pin: {line!r}"
            current = normalise(match[1])
            entries[current] = (match[2], 0)
        elif "--hash=sha256:" in line and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + line.count("--hash=sha256:"))
    return entries


def source_disagreements(pins: dict[str, str | None], lock: dict[str, tuple[str, int]]) -> list[str]:
    problems = []
    for name, version in sorted(pins.items()):
        if name not in lock:
            problems.append(f"{name} is missing from the lock")
        elif version is not None and lock[name][0] != version:
            problems.append(f"{name}: .in pins {version}, lock has {lock[name][0]}")
    problems += [f"{name} has no hash" for name, (_, hashes) in sorted(lock.items()) if hashes == 0]
    return problems


def shared_disagreements(first: dict[str, tuple[str, int]], second: dict[str, tuple[str, int]]) -> list[str]:
    return [
        f"{name}: {first[name][0]} != {second[name][0]}"
        for name in sorted(first.keys() & second.keys())
        if first[name][0] != second[name][0]
    ]


def lock_of(name: str) -> dict[str, tuple[str, int]]:
    return lock_entries(SOURCES[name][1].read_text())


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_lock_carries_every_pin_of_its_source_with_hashes(name: str) -> None:
    source, _ = SOURCES[name]
    assert source_disagreements(source_pins(source), lock_of(name)) == [], "run `make lock`"


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_dev_venv_and_layer_run_the_same_versions(layer: str) -> None:
    dev, locked_layer = lock_of("dev"), lock_of(layer)
    assert locked_layer.keys() - dev.keys() == set(), "the dev venv must install everything the layer ships"
    assert shared_disagreements(dev, locked_layer) == [], "run `make lock`"


def test_package_stands_in_for_the_runtime_boto3_the_dev_venv_tests_against() -> None:
    text = (REPO / "infra/package.py").read_text()
    match = re.search(r'RUNTIME_REQUIREMENT = "boto3==([^"]+)"', text)
    assert match, "infra/package.py no longer names the runtime's boto3"
    assert lock_of("dev")["boto3"][0] == match[1]


def test_the_checks_catch_a_drifted_pin_a_missing_package_and_an_unhashed_entry() -> None:
    lock = lock_entries("redis==8.1.0 \\\n    --hash=sha256:aa\nsix==1.17.0\n    # via x\n")
    assert lock == {"redis": ("8.1.0", 1), "six": ("1.17.0", 0)}
    problems = source_disagreements({"redis": "8.0.0", "pyjwt": "2.15.1", "six": None}, lock)
    assert problems == [
        "pyjwt is missing from the lock",
        "redis: .in pins 8.0.0, lock has 8.1.0",
        "six has no hash",
    ]
    assert shared_disagreements({"six": ("1.16.0", 1)}, {"six": ("1.17.0", 1)}) == ["six: 1.16.0 != 1.17.0"]


def test_source_pins_follow_includes_and_read_extras() -> None:
    pins = source_pins(DEV[0])
    assert pins["moto"] == "5.2.5"
    assert pins["pymysql"] == source_pins(LAYERS["shared"][0])["pymysql"]
    assert pins["imageio-ffmpeg"] is not None
