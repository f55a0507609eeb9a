"""The fault checks' Heroku: this repository built once, a throwaway PostgreSQL, and web dynos from the Procfile.

`nox -s faults` makes the app's environment (requirements.txt alone) and
passes it in APP_VENV; everything else comes from tests/heroku/. pytest
lives in the session's own venv: on Heroku, too, the slug holds none of the
tools that probe it.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from heroku import BuildFailed, BuildRefused, ThrowawayPostgres, build, one_off, production_config_vars, release
from heroku import web_dyno as start_web_dyno

ROOT = Path(__file__).resolve().parents[2]
BUILD_CACHE = ROOT / ".nox" / "build-cache"
# Test-only settings modules (each imports staff.settings and changes one thing).
VARIANTS = Path(__file__).resolve().parent / "variants"
MEASURED = []


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.section("fault checks: measured")
        for line in MEASURED:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def report():
    """report(line): a figure the checks measured, for the summary at the end of the run."""
    return MEASURED.append


@pytest.fixture(scope="session")
def slug():
    """This repository, built as Heroku builds it, with the environment `nox -s faults` made."""
    app_venv = os.environ.get("APP_VENV")
    if not app_venv or not (Path(app_venv) / "bin" / "python").exists():
        pytest.exit("tests/faults runs through `nox -s faults`, which makes the app's environment (APP_VENV).", returncode=1)
    try:
        built = build(ROOT, app_venv, production_config_vars(), cache=BUILD_CACHE)
    except (BuildRefused, BuildFailed) as error:
        pytest.exit(f"The build failed, as it would on Heroku: {error}", returncode=1)
    yield built
    shutil.rmtree(built.path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(slug):
    """A PostgreSQL cluster for this run, migrated by the release phase and loaded with the sample staff."""
    cluster = ThrowawayPostgres()
    try:
        config = production_config_vars(DATABASE_URL=cluster.url)
        release(slug, config)
        loaded = one_off(slug, "python example/manage.py loaddata sample_staff", config)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
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
def web_dyno(slug):
    """Start the Procfile's web line as a dyno does: `with web_dyno(config_vars) as server:`.

    Keyword arguments override variables of the dyno's environment
    (WEB_CONCURRENCY, GUNICORN_CMD_ARGS, FORWARDED_ALLOW_IPS); the settings
    variants in variants/ are importable by name (DJANGO_SETTINGS_MODULE).
    """

    @contextlib.contextmanager
    def start(config_vars, **dyno_overrides):
        with start_web_dyno(slug, config_vars, env_overrides={"PYTHONPATH": str(VARIANTS), **dyno_overrides}) as server:
            yield server

    return start
