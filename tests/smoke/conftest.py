"""A Heroku deployment of this repository, for the probes in this folder.

Once per run, with tests/heroku's one deployment (deploy.py): the app's own
environment (requirements.txt alone), the build (the files `git push` would
send, the buildpack's refusals, collectstatic), the release phase, `heroku
run python example/manage.py loaddata sample_staff` as the guide tells the
reader, and the web dyno: the Procfile's `web:` command, exactly as written,
through bash, with a dyno's environment, stopped with SIGTERM at the end
(tests/faults/test_shutdown.py checks that shutdown with requests in flight).

A failing step stops the run with its message: every probe would fail the
same way, and the first failure is the one that names the cause.
"""

import os
from pathlib import Path

import pytest
from heroku import DeployFailed, deploy, production_config_vars, unused_port

ROOT = Path(__file__).resolve().parents[2]


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    return f"database: DATABASE_URL ({url.split('://')[0]} at {url.rsplit('@', 1)[-1]})" if url else "database: an SQLite file of this run"


@pytest.fixture(scope="session")
def timings(report):
    """timings(step, seconds): a duration for the summary at the end of the run (tests/conftest.py)."""
    return lambda step, seconds: report("smoke timings", f"{step}: {seconds:.2f} s")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """CI's PostgreSQL when DATABASE_URL is set, else an SQLite file of this run."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}"


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server on loopback that records what it receives (see mail.py)."""
    from smoke.mail import RecordingSMTPServer

    with RecordingSMTPServer(port=unused_port()) as server:
        yield server


@pytest.fixture(scope="session")
def config_vars(database_url, smtp):
    """The config vars the guide sets, the mail server pointed at ours, and DATABASE_URL."""
    return production_config_vars(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_USE_TLS="false", DATABASE_URL=database_url)


@pytest.fixture(scope="session")
def app(config_vars, timings):
    """This repository deployed: released, loaded with the sample staff, its web dyno answering 200."""
    try:
        with deploy(ROOT, config_vars, loaddata="sample_staff") as deployment:
            for step, seconds in deployment.slug.timings.items():
                timings(step, seconds)
            yield deployment
    except DeployFailed as error:
        pytest.exit(str(error), returncode=1)


@pytest.fixture(scope="session")
def web(app):
    """The running web dyno."""
    return app.web
