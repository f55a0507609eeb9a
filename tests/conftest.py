"""What the checks of every session share: the figures they measured, printed at the end of the run.

A test or fixture asks for `report` and calls report(title, line); the
lines are printed under each title after the test summary, so a green run
still shows what it measured (timings, loads, counts).
"""

import pytest

MEASURED = {}  # {title: [lines]}, in the order they came


def pytest_terminal_summary(terminalreporter):
    for title, lines in MEASURED.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def report():
    """report(title, line): a figure the checks measured, for the summary at the end of the run."""
    return lambda title, line: MEASURED.setdefault(title, []).append(line)
