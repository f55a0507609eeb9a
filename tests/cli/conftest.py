"""The installed Heroku CLI for the checks in tests/cli (`nox -s cli` installs it and sets HEROKU_CLI)."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def cli_package():
    """node_modules/heroku of the CLI `nox -s cli` installed."""
    if not os.environ.get("HEROKU_CLI"):
        pytest.fail("HEROKU_CLI is not set: run these tests with `nox -s cli`, which installs the Heroku CLI")
    return Path(os.environ["HEROKU_CLI"]).resolve()
