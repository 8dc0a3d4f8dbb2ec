"""Keep the local API and the consumers running: each is its own process, started again with backoff when it
exits or is killed (what Lambda's service does for a function), and all are stopped on SIGINT/SIGTERM.

``make run`` (infra/run-local.sh) and the tests' local API start it. ``--pid-dir`` receives ``<name>.pid`` for
each program's current process, so fault tests can kill one and watch it come back.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from gophertok_local.server_options import add_server_options

RESTART_BACKOFF_SECONDS = (0.5, 30.0)  # first and longest wait before a start again
HEALTHY_SECONDS = 30.0  # a process that ran this long starts again after the first wait
STOP_GRACE_SECONDS = 10.0


@dataclass
class Program:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    failures: int = 0  # exits in a row, each after less than HEALTHY_SECONDS
    next_start: float = 0.0
    started_at: float = field(default=0.0, repr=False)


class Supervisor:
    def __init__(
        self,
        programs: list[Program],
        pid_dir: Path | None = None,
        backoff: tuple[float, float] = RESTART_BACKOFF_SECONDS,
    ) -> None:
        self.programs = programs
        self.pid_dir = pid_dir
        self.backoff = backoff
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Start every program, restart what exits, until ``stop()``; then stop them all."""
        if self.pid_dir is not None:
            self.pid_dir.mkdir(parents=True, exist_ok=True)
        try:
            while not self._stop.is_set():
                for program in self.programs:
                    self._tend(program)
                self._stop.wait(0.1)
        finally:
            self._stop_all()

    def _tend(self, program: Program) -> None:
        now = time.monotonic()
        if program.process is not None:
            code = program.process.poll()
            if code is None:
                return
            program.process = None
            ran = now - program.started_at
            program.failures = 1 if ran >= HEALTHY_SECONDS else program.failures + 1
            first, longest = self.backoff
            delay = min(longest, first * 2 ** (program.failures - 1))
            program.next_start = now + delay
            _say(f"{program.name} exited with status {code}; starting it again in {delay:.1f} s")
        if now >= program.next_start:
            program.process = subprocess.Popen(program.argv)
            program.started_at = now
            program.starts += 1
            if self.pid_dir is not None:
                (self.pid_dir / f"{program.name}.pid").write_text(f"{program.process.pid}\n")

    def _stop_all(self) -> None:
        running = [p.process for p in self.programs if p.process is not None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _say(line: str) -> None:
    print(f"supervisor: {line}", file=sys.stderr, flush=True)


def local_programs(args: argparse.Namespace) -> list[Program]:
    python = [sys.executable, "-m"]
    api = [*python, "gophertok_local.api_server", "--host", args.host, "--port", str(args.port), "--stage", args.stage]
    consumers = [*python, "gophertok_local.consumers"]
    if args.log_dir is not None:
        api += ["--log-file", str(args.log_dir / "api.log")]
        consumers += ["--log-file", str(args.log_dir / "consumers.log")]
    return [Program("api", api), *([] if args.no_consumers else [Program("consumers", consumers)])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_options(parser)
    parser.add_argument("--log-dir", type=Path, help="the programs append their JSON log lines to files here")
    parser.add_argument("--pid-dir", type=Path, help="write <program>.pid here for each program's process")
    parser.add_argument("--no-consumers", action="store_true", help="only the API (no event-source runners)")
    args = parser.parse_args(argv)
    supervisor = Supervisor(local_programs(args), pid_dir=args.pid_dir)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: supervisor.stop())
    supervisor.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
