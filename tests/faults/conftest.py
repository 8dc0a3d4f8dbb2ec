"""Prints the fault scenarios' figures as one table at the end of the session (for the issue's closing note)."""

from __future__ import annotations

import pytest

from .harness import RESULTS, Figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RESULTS:
        terminalreporter.write_sep("=", "fault scenarios")
        terminalreporter.write_line(Figures.HEADER)
        for figures in RESULTS:
            terminalreporter.write_line(figures.row())
