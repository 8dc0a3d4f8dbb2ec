"""Cold import of every function beside a bare `import boto3` (the issue's target: at most 1.3× it).

Each function is imported in a fresh `python -X importtime -I -S` that sees what Lambda gives it (its folder,
its layers and the runtime's boto3, as symlinks to this virtualenv's copy of exactly what each ships:
tests/support/import_time.py); bare `import boto3` runs are spread among them. Medians of --rounds runs.
No services needed; tests/unit/test_import_time.py checks the same figures against their budgets.

    .venv/bin/python bench/import_time.py [--rounds 5] [--functions user_info,video_feed]

"ms" is wall time as -X importtime reports it (its bookkeeping included), "CPU ms" the process's CPU time for
the same import: on a loaded machine the CPU ratio is the steadier one, and the one the test holds to budget.
The last table shows what the packages every function still imports cost (their modules' own time). The last
line is what the first call of a function pays on AWS, where MYSQL_SECRET_ID/JWT_SECRET_ID are set: importing
boto3 and creating a Secrets Manager client (adapters/secrets.py), which no import-time figure shows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "infra"), str(REPO / "layers" / "gophertok" / "python")]

from gophertok import registry  # noqa: E402
from support.import_time import (  # noqa: E402
    BASELINE,
    RUNTIME,
    lambda_sites,
    measure,
    median_cpu_us,
    median_wall_us,
    profile,
)
from support.template import function_layers  # noqa: E402

SECRETS_CLIENT = 'import boto3\nboto3.client("secretsmanager")\n'  # what adapters/secrets.py does first
# Packages (or subpackages) whose own modules' time is shown in the second table.
PACKAGES = ("redis", "redis.asyncio", "asyncio", "pymysql", "jwt", "http", "email", "logging", "gophertok")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--functions", default=",".join(registry.all_functions()))
    args = parser.parse_args()
    functions = args.functions.split(",")
    with tempfile.TemporaryDirectory(prefix="import-time-") as scratch:
        sites = lambda_sites(Path(scratch) / "sites")
        runs = measure(functions, function_layers(), sites, args.rounds)
        (Path(scratch) / "secrets_client.py").write_text(SECRETS_CLIENT)
        secrets = [profile([scratch, str(sites[RUNTIME])], "secrets_client") for _ in range(args.rounds)]
    wall, cpu = median_wall_us(runs[BASELINE]), median_cpu_us(runs[BASELINE])
    print(f"bare `import boto3`: {wall / 1000:.0f} ms, {cpu / 1000:.0f} ms CPU (median of {len(runs[BASELINE])})")
    print(f"cold import, median of {args.rounds}\n")
    print("| function | ms | CPU ms | × boto3 | × boto3 (CPU) |\n|---|---:|---:|---:|---:|")
    for function in functions:
        own_wall, own_cpu = median_wall_us(runs[function]), median_cpu_us(runs[function])
        figures = f"{own_wall / 1000:.0f} | {own_cpu / 1000:.0f} | {own_wall / wall:.2f} | {own_cpu / cpu:.2f}"
        print(f"| {function} | {figures} |")
    print("\nown time of the modules of each package, ms (median over functions that import it; n: how many)\n")
    print("| package | median | n |\n|---|---:|---:|")
    for package in PACKAGES:
        costs = [
            statistics.median(found.subtree_us(package) for found in runs[function])
            for function in functions
            if runs[function][0].imported(package)
        ]
        if costs:
            print(f"| {package} | {statistics.median(costs) / 1000:.1f} | {len(costs)} |")
    first_call = median_cpu_us(secrets)
    print(
        f"\nfirst call on AWS (secrets through boto3): import boto3 + Secrets Manager client "
        f"{first_call / 1000:.0f} ms CPU = {first_call / cpu:.2f}× a bare `import boto3`, on top of the import above"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
