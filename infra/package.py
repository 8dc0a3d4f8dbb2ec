"""Build the Lambda artifacts under build/ (``make package``): what `sam build` would upload, without Docker.

    build/layers/shared.zip       python/gophertok + the shared layer's requirements, installed for Lambda
    build/layers/ffmpeg.zip       python/imageio_ffmpeg (its static ffmpeg), used by video_publish/video_ingest
    build/functions/<name>.zip    app.py of each function in functions/
    build/runtime/                (--runtime) boto3 and botocore as Lambda's Python runtime provides them

Dependencies come from PyPI as manylinux wheels for CPython 3.12 on x86_64 (``pip --platform``), never from
this machine's interpreter. boto3/botocore and their dependencies are left out of the layers: the Lambda
runtime provides them. When a Python 3.12 is on this machine the layers carry its bytecode, as `sam build`
would, so a cold start does not compile. A layer is rebuilt only when its requirements or code changed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD = REPO_ROOT / "build"
LAYERS = {"shared": REPO_ROOT / "layers" / "gophertok", "ffmpeg": REPO_ROOT / "layers" / "ffmpeg"}
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda's name -> the wheel platform tag's


def platform_args(architecture: str = "x86_64") -> list[str]:
    machine = ARCHITECTURES[architecture]
    return [
        "--platform",
        f"manylinux2014_{machine}",
        "--platform",
        f"manylinux_2_28_{machine}",  # imageio-ffmpeg publishes only this tag; Lambda's AL2023 has glibc 2.34
        "--implementation",
        "cp",
        "--python-version",
        "3.12",
        "--only-binary=:all:",
    ]


# Distributions the Lambda Python runtime already provides (boto3 and what it pulls in).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python_dateutil", "six", "urllib3"}
RUNTIME_REQUIREMENT = "boto3==1.44.8"  # the version pinned in requirements-dev.txt


def python312() -> str | None:
    """A CPython 3.12 interpreter on this machine, if any (pyenv's or one on PATH)."""
    candidates = sorted(Path("/root/.pyenv/versions").glob("3.12*/bin/python3.12"), reverse=True)
    found = shutil.which("python3.12")
    for candidate in [*map(str, candidates), *([found] if found else [])]:
        try:
            subprocess.run([candidate, "-c", "import sys"], check=True, capture_output=True, timeout=30)
            return candidate
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def pip_install(requirements: list[str], target: Path, architecture: str = "x86_64") -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    command += [*platform_args(architecture), "--target", str(target), *requirements]
    subprocess.run(command, check=True)


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def remove_distributions(site: Path, names: set[str]) -> list[str]:
    """Delete the files of the installed distributions ``names`` from ``site`` (a pip --target dir)."""
    removed = []
    for info in site.glob("*.dist-info"):
        if _normalise(info.name.split("-")[0]) not in names:
            continue
        for line in (info / "RECORD").read_text().splitlines():
            path = site / line.split(",")[0]
            if path.is_file():
                path.unlink()
        shutil.rmtree(info, ignore_errors=True)
        removed.append(info.name)
    for directory in sorted(site.rglob("*"), reverse=True):  # packages emptied above
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    return removed


def zip_tree(source: Path, destination: Path) -> None:
    """Zip ``source``'s content (not the folder itself), keeping Unix modes (ffmpeg must stay executable)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(source).as_posix())
    temporary.replace(destination)


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for root in paths:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def layer_requirements(source: Path) -> Path:
    """The shared layer keeps its pins inside python/ (where `sam build` looks, see its ContentUri); ffmpeg's
    layer is requirements only."""
    inside = source / "python" / "requirements.txt"
    return inside if inside.is_file() else source / "requirements.txt"


def stage_layer(name: str, interpreter: str | None, destination: Path, architecture: str = "x86_64") -> None:
    """Lay out layer ``name`` in ``destination`` as Lambda mounts it in /opt: ``python/`` with the pinned
    requirements (minus what the runtime provides), the layer's own code and, given a 3.12, its bytecode.
    `make package` zips this; `sam build` runs it through the layers' Makefiles, so both deploy the same."""
    source = LAYERS[name]
    site = destination / "python"
    site.mkdir(parents=True, exist_ok=True)
    pip_install(["--require-hashes", "-r", str(layer_requirements(source))], site, architecture)
    remove_distributions(site, RUNTIME_PROVIDED)
    if (source / "python").is_dir():
        shutil.copytree(
            source / "python",
            site,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "requirements.txt", "Makefile"),
        )
    if interpreter:
        # unchecked-hash: zips keep mtimes to 2 s only, so timestamp-checked bytecode could look stale in Lambda
        # and be recompiled (and not kept: /opt is read-only) at every cold start.
        subprocess.run(
            [interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(site)],
            check=True,
        )


def build_layer(name: str, interpreter: str | None) -> Path:
    archive = BUILD / "layers" / f"{name}.zip"
    stamp = archive.with_suffix(".sha256")
    fingerprint = _fingerprint([LAYERS[name], Path(__file__)])
    if archive.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
        return archive
    staging = BUILD / "staging" / name
    shutil.rmtree(staging, ignore_errors=True)
    stage_layer(name, interpreter, staging)
    zip_tree(staging, archive)
    stamp.write_text(fingerprint)
    shutil.rmtree(staging)
    return archive


def build_function(folder: Path) -> Path:
    archive = BUILD / "functions" / f"{folder.name}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(folder).as_posix())
    return archive


def build_runtime() -> Path:
    """boto3/botocore for the Lambda platform, standing in for the runtime's own copy (/var/runtime)."""
    runtime = BUILD / "runtime"
    stamp = BUILD / "runtime.requirement"
    if not (runtime.is_dir() and stamp.is_file() and stamp.read_text() == RUNTIME_REQUIREMENT):
        shutil.rmtree(runtime, ignore_errors=True)
        pip_install([RUNTIME_REQUIREMENT], runtime)
        stamp.write_text(RUNTIME_REQUIREMENT)
    return runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime", action="store_true", help="also install build/runtime (for the layout test)")
    parser.add_argument("--layer", choices=sorted(LAYERS), help="only lay out this layer into --into (sam build)")
    parser.add_argument("--into", type=Path, help="with --layer: the directory to fill (SAM's ARTIFACTS_DIR)")
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default="x86_64")
    args = parser.parse_args(argv)
    interpreter = python312()
    if interpreter is None:
        print("package: no Python 3.12 here; the layers carry no bytecode", file=sys.stderr)
    if args.layer:
        if args.into is None:
            parser.error("--layer needs --into")
        stage_layer(args.layer, interpreter, args.into, args.architecture)
        return 0
    artifacts = [build_layer(name, interpreter) for name in LAYERS]
    shutil.rmtree(BUILD / "functions", ignore_errors=True)
    functions = sorted(p for p in (REPO_ROOT / "functions").iterdir() if (p / "app.py").is_file())
    artifacts += [build_function(folder) for folder in functions]
    if args.runtime:
        build_runtime()
    for artifact in artifacts:
        print(f"package: {artifact.relative_to(REPO_ROOT)}  {os.path.getsize(artifact) / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
