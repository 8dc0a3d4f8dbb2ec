"""Cold import time of functions from the Lambda layout: the shared layer with its bytecode (what `make package`
and, through the layers' Makefiles, `sam build` now ship) vs the same layer without bytecode (what SAM's python
builder shipped: every cold start compiled the layer, and nothing compiled is kept on a read-only /opt).

Needs no services (it imports, it does not invoke) but a CPython 3.12 (pyenv or PATH):

    .venv/bin/python bench/cold_init.py [--rounds 5] [--functions not_found,user_login,...]

Variants alternate within each round so machine load affects both alike; medians are printed. This measures
the interpreter's share of init only: Lambda adds the sandbox start, layer mount and (SnapStart) restore, which
cannot be imitated here. bench/import_time.py sets every function beside a bare `import boto3` instead (the
cold-start budget tests/unit/test_import_time.py holds them to), without building anything.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "infra"))

from package import BUILD, python312  # noqa: E402

DEFAULT_FUNCTIONS = "not_found,user_login,video_feed,favorite_consumer,video_upload_url"
PROBE = r"""
import json, sys, time
started = time.perf_counter()
sys.path[:0] = json.loads(sys.argv[1])
import app
print((time.perf_counter() - started) * 1000)
"""


def import_ms(interpreter: str, path: list[str]) -> float:
    done = subprocess.run(
        [interpreter, "-I", "-S", "-B", "-c", PROBE, json.dumps(path)], capture_output=True, text=True, timeout=60
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--functions", default=DEFAULT_FUNCTIONS)
    args = parser.parse_args()
    interpreter = python312()
    if interpreter is None:
        raise SystemExit("cold_init: needs a CPython 3.12 (pyenv or PATH)")
    subprocess.run([sys.executable, str(REPO / "infra" / "package.py"), "--runtime"], check=True, cwd=REPO)
    with tempfile.TemporaryDirectory(prefix="cold-init-") as scratch:
        compiled, source_only = Path(scratch) / "compiled", Path(scratch) / "source-only"
        with zipfile.ZipFile(BUILD / "layers" / "shared.zip") as zipped:
            zipped.extractall(compiled)
        shutil.copytree(compiled, source_only)
        for cache in list(source_only.rglob("__pycache__")):
            shutil.rmtree(cache)
        variants = {"with bytecode": compiled / "python", "without bytecode": source_only / "python"}
        samples: dict[tuple[str, str], list[float]] = {}
        functions = args.functions.split(",")
        for _ in range(args.rounds):
            for function in functions:
                for variant, layer in variants.items():
                    path = [str(REPO / "functions" / function), str(layer), str(BUILD / "runtime")]
                    samples.setdefault((function, variant), []).append(import_ms(interpreter, path))
    print(f"cold import, median of {args.rounds} (ms)\n")
    print(f"| function | {' | '.join(variants)} |\n|---|" + "---:|" * len(variants))
    for function in functions:
        cells = " | ".join(f"{statistics.median(samples[(function, v)]):.0f}" for v in variants)
        print(f"| {function} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
