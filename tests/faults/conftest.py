"""Fixtures of the fault checks: a throwaway PostgreSQL, and web dynos started from the Procfile."""

import contextlib

import pytest
from dyno import procfile_commands, production_config_vars, running_server, unused_port
from faults import built_app
from faults.built_app import HTTPS, SLUG, app_environment, manage
from faults.throwaway_postgres import ThrowawayPostgres


def pytest_terminal_summary(terminalreporter):
    if built_app._report:
        terminalreporter.section("fault checks: measured")
        for line in built_app._report:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for this run, migrated and loaded with the sample staff."""
    cluster = ThrowawayPostgres()
    try:
        env = app_environment(0, production_config_vars(DATABASE_URL=cluster.url))
        for command in (["migrate", "--no-input"], ["loaddata", "sample_staff"]):
            result = manage(*command, env=env)
            assert result.returncode == 0, result.stdout + result.stderr
        yield cluster
    finally:
        cluster.delete()


@pytest.fixture
def database(postgres):
    """The cluster, running when the test starts, whatever the last test did to it."""
    if not postgres.is_running():
        postgres.start()
    return postgres


@pytest.fixture
def web_dyno():
    """Start the Procfile's web line as a dyno does: `with web_dyno(config_vars) as server:`.

    Keyword arguments override variables of the dyno's environment
    (WEB_CONCURRENCY, GUNICORN_CMD_ARGS, DJANGO_SETTINGS_MODULE).
    """

    @contextlib.contextmanager
    def start(config_vars, **dyno_overrides):
        port = unused_port()
        env = app_environment(port, config_vars, **dyno_overrides)
        with running_server(
            procfile_commands(SLUG / "Procfile")["web"],
            env,
            port=port,
            cwd=SLUG,
            ready_headers=HTTPS,
        ) as server:
            yield server

    return start
