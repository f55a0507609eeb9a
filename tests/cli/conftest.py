"""The installed Heroku CLI for the checks in tests/cli (`nox -s cli` installs it and sets HEROKU_CLI)."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from heroku_cli import HerokuCLI  # noqa: E402


@pytest.fixture(scope="session")
def cli_package():
    """node_modules/heroku of the CLI `nox -s cli` installed."""
    path = os.environ.get("HEROKU_CLI")
    if not path:
        pytest.fail("HEROKU_CLI is not set: run these tests with `nox -s cli`, which installs the Heroku CLI")
    return Path(path).resolve()


@pytest.fixture(scope="session")
def cli(cli_package, tmp_path_factory):
    """The CLI, with its parser (one node process) ended after the run."""
    installed = HerokuCLI(cli_package, home=tmp_path_factory.mktemp("heroku-home"))
    yield installed
    installed.close()
