"""A Heroku build, release and web dyno of this repository, for the probes in this folder.

`nox -s smoke` creates the app's own environment (requirements.txt and
nothing else) and passes it in APP_VENV. From there, once per run, with
the emulation in tests/heroku/:

1. the build: the files `git push` would send, the buildpack's refusals,
   collectstatic (its output cached in .nox/build-cache);
2. the release phase: the Procfile's `release:` command through bash;
3. `heroku run python example/manage.py loaddata sample_staff`, as the guide
   tells the reader;
4. the web dyno: the Procfile's `web:` command, exactly as written, through
   bash, with a dyno's environment, until SIGTERM (test_shutdown.py).

A failing step stops the run with its output: every probe would fail the
same way, and the first failure is the one that names the cause.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from heroku import HTTPS, BuildFailed, BuildRefused, build, one_off, production_config_vars, release, unused_port, web_dyno

ROOT = Path(__file__).resolve().parents[2]
# Where the guide's build finds manage.py, and where the Procfile's release line runs it.
MANAGE_PY = "example/manage.py"
# collectstatic's output kept for the next run (SMOKE_FRESH_BUILD=1 ignores it).
BUILD_CACHE = ROOT / ".nox" / "build-cache"
# Step timings, printed at the end of the run.
TIMINGS = {}


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL")
    if url:
        return f"database: DATABASE_URL ({url.split('://')[0]} at {url.rsplit('@', 1)[-1]})"
    return "database: an SQLite file in a temporary folder (DATABASE_URL is not set)"


def pytest_collection_modifyitems(items):
    """SIGTERM stops the one web dyno every probe shares: that test runs last."""
    items.sort(key=lambda item: item.path.name == "test_shutdown.py")


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("smoke timings")
        for step, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{step}: {seconds:.2f} s")


def stop_run(error):
    """End the run: a build or release that fails fails every probe; the headline names the cause."""
    pytest.exit(str(error), returncode=1)


@pytest.fixture(scope="session")
def timings():
    """Durations to print at the end of the run: {step: seconds}."""
    return TIMINGS


@pytest.fixture(scope="session")
def app_venv():
    """The environment `nox -s smoke` built from requirements.txt alone."""
    path = os.environ.get("APP_VENV")
    if not path or not (Path(path) / "bin" / "python").exists():
        pytest.exit("tests/smoke runs through `nox -s smoke`, which builds the app's environment.", returncode=1)
    return Path(path)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """CI's PostgreSQL when DATABASE_URL is set, else an SQLite file of this run."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}"


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server on loopback that records what it receives (see mail.py)."""
    from smoke.mail import RecordingSMTPServer

    server = RecordingSMTPServer(port=unused_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def config_vars(database_url, smtp):
    """The config vars the guide sets, the mail server pointed at ours, and DATABASE_URL."""
    return production_config_vars(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="false",
        DATABASE_URL=database_url,
    )


@pytest.fixture(scope="session")
def slug(app_venv, config_vars):
    """The build of this repository: the source `git push` sends, the buildpack's refusals, then collectstatic."""
    cache = None if os.environ.get("SMOKE_FRESH_BUILD", "0") != "0" else BUILD_CACHE
    try:
        built = build(ROOT, app_venv, config_vars, cache=cache)
    except BuildRefused as refusal:
        stop_run(BuildFailed("The build", "", str(refusal)))
    except BuildFailed as error:
        stop_run(error)
    TIMINGS.update(built.timings)
    if built.manage_py != MANAGE_PY:
        stop_run(BuildFailed(
            "Finding manage.py",
            "",
            f"The buildpack looks for manage.py up to three folders deep and takes the "
            f"shallowest: it finds {built.manage_py}, not {MANAGE_PY}, so collectstatic would "
            f"{'be skipped' if built.manage_py is None else 'run another project'}.",
        ))
    yield built
    shutil.rmtree(built.path, ignore_errors=True)


@pytest.fixture(scope="session")
def released(slug, config_vars):
    """The release phase (the Procfile's release: line), then the guide's loaddata by `heroku run`."""
    try:
        release(slug, config_vars)
    except BuildFailed as error:
        stop_run(error)
    TIMINGS["release: migrate"] = slug.timings["release"]
    started = time.monotonic()
    command = f"python {MANAGE_PY} loaddata sample_staff"
    result = one_off(slug, command, config_vars)
    if result.returncode:
        stop_run(BuildFailed(f"`{command}` (exit {result.returncode})", result.stdout + result.stderr,
                             "The guide has the reader run this with `heroku run`."))
    TIMINGS["heroku run: loaddata"] = time.monotonic() - started
    return slug


@pytest.fixture(scope="session")
def web(released, config_vars):
    """The Procfile's web: command, exactly as written, through bash, on a dyno's environment."""
    started = time.monotonic()
    try:
        server_context = web_dyno(released, config_vars, boot_timeout=30)
        server = server_context.__enter__()
    except AssertionError as error:
        stop_run(BuildFailed(
            "Starting the web dyno",
            str(error),
            f"The Procfile's web: line runs `{released.procfile().get('web')}`: a ModuleNotFoundError names "
            "a module that does not exist (the WSGI module is staff.wsgi, found through --chdir example).",
        ))
    except BuildFailed as error:
        stop_run(error)
    try:
        # web_dyno returns at the first answer of any kind; the dyno is up at its first 200.
        deadline = time.monotonic() + 30
        while server.request("GET", "/", headers=HTTPS)[0] != 200:
            if time.monotonic() > deadline:
                stop_run(BuildFailed("The web dyno", server.log(), "It answers, but never 200 on its home page."))
            time.sleep(0.1)
        TIMINGS["web: process start to first 200"] = time.monotonic() - started
        yield server
    finally:
        server_context.__exit__(None, None, None)
