"""The fault checks' Heroku: this repository deployed once on a throwaway PostgreSQL, and web dynos of that build.

Everything comes from tests/heroku/ (deploy.py makes the app's environment
from requirements.txt alone). pytest lives in the session's own venv: on
Heroku, too, the slug holds none of the tools that probe it.
"""

from pathlib import Path

import pytest
from heroku import DeployFailed, ThrowawayPostgres, deploy, production_config_vars

ROOT = Path(__file__).resolve().parents[2]
# Test-only settings modules (each imports staff.settings and changes one thing).
VARIANTS = Path(__file__).resolve().parent / "variants"


@pytest.fixture(scope="session")
def report(report):
    """report(line): a figure the fault checks measured, for the summary at the end of the run (tests/conftest.py)."""
    return lambda line: report("fault checks: measured", line)


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for this run (Heroku Postgres's stand-in)."""
    cluster = ThrowawayPostgres()
    yield cluster
    cluster.delete()


@pytest.fixture(scope="session")
def app(postgres):
    """This repository deployed on the cluster: built, released and loaded with the sample staff; no web dyno yet."""
    config = production_config_vars(DATABASE_URL=postgres.url)
    try:
        with deploy(ROOT, config, loaddata="sample_staff", web=False) as deployment:
            yield deployment
    except DeployFailed as error:
        pytest.exit(str(error), returncode=1)


@pytest.fixture(scope="session")
def slug(app):
    return app.slug


@pytest.fixture
def database(postgres):
    """The cluster, running when the test starts, whatever the last test did to it."""
    if not postgres.is_running():
        postgres.start()
    return postgres


@pytest.fixture
def web_dyno(app, database):
    """The Procfile's web line as a dyno runs it, on the running cluster: `with web_dyno(**variables) as server:`.

    The dyno has the guide's config vars and the cluster's DATABASE_URL;
    `variables` set (None: unset) config vars or the dyno's own variables
    (WEB_CONCURRENCY, GUNICORN_CMD_ARGS, FORWARDED_ALLOW_IPS). The settings
    variants in variants/ are importable by name (DJANGO_SETTINGS_MODULE).
    """
    config = production_config_vars(DATABASE_URL=database.url)
    return lambda **variables: app.web_dyno(config, PYTHONPATH=str(VARIANTS), **variables)
