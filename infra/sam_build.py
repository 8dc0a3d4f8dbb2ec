"""`sam build` without Docker (``make sam-build``): the artifacts `sam deploy` uploads, in .aws-sam/build.

aws-sam-cli lives in its own tooling virtualenv (.state/venvs/sam), created on first use so the normal
bootstrap stays fast. SAM's python3.12 builder needs a Python 3.12 on PATH: pyenv's or any found by
infra/package.py. The build is skipped when nothing it reads changed (template, functions, layers): the hash
of those inputs is stamped next to the build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from package import REPO_ROOT, python312

SAM_CLI = "aws-sam-cli==1.170.0"
SAM_VENV = REPO_ROOT / ".state" / "venvs" / "sam"
BUILD_DIR = REPO_ROOT / ".aws-sam" / "build"
STAMP = REPO_ROOT / ".aws-sam" / "gophertok-inputs.sha256"
INPUTS = ("template.yaml", "functions", "layers", "infra/package.py")


def inputs_hash() -> str:
    digest = hashlib.sha256(SAM_CLI.encode())
    for name in INPUTS:
        root = REPO_ROOT / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def sam_executable(interpreter: str) -> Path:
    """.state/venvs/sam/bin/sam, installed (or reinstalled when the pin changed) on first use."""
    sam = SAM_VENV / "bin" / "sam"
    stamp = SAM_VENV / ".gophertok-stamp"
    if sam.is_file() and stamp.is_file() and stamp.read_text() == SAM_CLI:
        return sam
    print(f"sam-build: installing {SAM_CLI} into {SAM_VENV.relative_to(REPO_ROOT)}", file=sys.stderr)
    subprocess.run([interpreter, "-m", "venv", "--clear", str(SAM_VENV)], check=True)
    pip = [str(SAM_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, SAM_CLI], check=True)
    stamp.write_text(SAM_CLI)
    return sam


def build(force: bool = False) -> Path:
    """Run `sam build` unless the stamped inputs are unchanged; returns .aws-sam/build."""
    wanted = inputs_hash()
    if not force and (BUILD_DIR / "template.yaml").is_file() and STAMP.is_file() and STAMP.read_text() == wanted:
        return BUILD_DIR
    interpreter = python312()
    if interpreter is None:
        raise SystemExit("sam-build: no Python 3.12 here (pyenv or PATH): SAM's python3.12 builder needs one")
    sam = sam_executable(interpreter)
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_BETA_FEATURES": "0",
        "PATH": os.pathsep.join([str(Path(interpreter).parent), str(sam.parent), os.environ.get("PATH", "")]),
    }
    STAMP.unlink(missing_ok=True)
    subprocess.run([str(sam), "build", "--parallel"], check=True, cwd=REPO_ROOT, env=env)
    STAMP.write_text(wanted)
    return BUILD_DIR


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(f"sam-build: {build(force='--force' in args).relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
