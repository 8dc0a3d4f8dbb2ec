"""The local event-source runners in one process for ``make run``: every registry Kafka consumer, the SQS
consumers and the schedules, invoking their functions through an instance pool of their own.

They run apart from the API's process (the supervisor starts both), so a crashed or killed API does not
stop the consumers, and the other way round. The process exits (status 1) when a worker thread dies, so
its supervisor starts it again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gophertok.config import get_settings
from gophertok_local import kafka_runner, scheduler, sqs_runner
from gophertok_local.console import Console
from gophertok_local.pool import InstancePool
from gophertok_local.workers import Worker, run_until_signalled


def consumer_workers(pool: InstancePool, console: Console) -> list[Worker]:
    def handler(function: str):
        return pool.handler(function, on_done=console.batch)

    return [
        *kafka_runner.workers_for_registry(get_settings().kafka_servers, handler_for=handler),
        *sqs_runner.workers_for_registry(handler_for=handler),
        *scheduler.workers_for_registry(handler_for=handler),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log-file", type=Path, help="append every JSON log line here")
    args = parser.parse_args(argv)
    console = Console(log_file=args.log_file)
    console.capture_process_logs(get_settings().log_level)
    kafka_runner.quiet_client_logs()
    pool = InstancePool(log_sink=console.log_line)
    try:
        return run_until_signalled(consumer_workers(pool, console))
    finally:
        pool.close()


if __name__ == "__main__":
    raise SystemExit(main())
