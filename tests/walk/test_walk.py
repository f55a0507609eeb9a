"""`nox -s walk`: the guide followed by a reader, on two projects it did not write.

For each shape of tests/walk/reader_project.py: the reader's project is
made from the pinned Django, steps 2 to 9 are followed as walk.py describes,
then step 10's push is done the way Heroku does it, with the same
deployment as the smoke session (tests/heroku/deploy.py), and the deployed
app is probed by the same probe (tests/heroku/probe.py). Last, the reader's
own tests run the way step 3 tells readers to run them.
"""

import fcntl
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from heroku import ThrowawayPostgres, deploy, probe, production_config_vars, scrubbed_environment
from cli.heroku_cli import isolated_cli_environment
from pages import read_page

from walk.reader_project import BOOK_TITLES, SHAPES, make_project
from walk.follow import STEPS, StepReport, activation_command, walk, walk_step

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "A Reader",
    "GIT_AUTHOR_EMAIL": "reader@example.com",
    "GIT_COMMITTER_NAME": "A Reader",
    "GIT_COMMITTER_EMAIL": "reader@example.com",
}


@pytest.fixture(scope="session", autouse=True)
def one_walk_at_a_time():
    """Two walks on one machine take turns: the pages fix the ports their servers use."""
    with open(Path(tempfile.gettempdir()) / "guide-walk.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture
def postgres():
    """Heroku Postgres's stand-in for the deployed app."""
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.delete()


def reader_environment(tmp_path):
    """A reader's terminal: this machine's programs, the Heroku CLI, git's identity, nothing of the checks."""
    # A reader's new terminal has none of the checks' variables, nor the example's configuration.
    env = scrubbed_environment()
    env["PATH"] += os.pathsep + os.environ["WALK_HEROKU_BIN"]  # the Heroku CLI, as step 10's install puts it on PATH
    env.update(GIT_IDENTITY)
    # The reader's home: the Heroku CLI's files and git's global config stay in it.
    env.update(isolated_cli_environment(tmp_path / "home"))
    env.update(
        # pip's cache of this machine (pip's own default, before HOME changed), so a warm walk downloads nothing.
        PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR") or str(
            Path.home() / ("Library/Caches/pip" if sys.platform == "darwin" else ".cache/pip")
        ),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        # A terminal shows each line as it is printed; a pipe would buffer
        # Python's stdout and reorder it against stderr.
        PYTHONUNBUFFERED="1",
        TMPDIR=str(tmp_path / "tmp"),
    )
    (tmp_path / "tmp").mkdir()
    return env


def print_reports(shape, reports):
    print(f"\nshape {shape.name}: manage.py in {shape.folder or 'the root'}, package {shape.package}")
    print(f"  {'page':34} {'commands':>8} {'files':>5} {'outputs':>7} {'left out':>8} {'servers':>7} {'seconds':>7}")
    for report in reports:
        print(
            f"  {report.page:34} {report.commands:8} {report.files:5} {report.outputs:7} "
            f"{report.left_out:8} {report.servers:7} {report.seconds:7.1f}"
        )
        for note in report.notes:
            print(f"    {note}")


def deploy_the_readers_app(repository, postgres):
    """Step 10's push, done as Heroku does it: the same deployment and probe as `nox -s smoke`."""
    report = StepReport("steps/10-deploy.rst (emulated)")
    started = time.monotonic()
    config = production_config_vars(DATABASE_URL=postgres.url)
    with deploy(repository, config, loaddata="books") as app:  # the reader's own fixture
        probe.deployed_app(app.web, [f">{title}<" for title in BOOK_TITLES])
        checked = app.one_off(f"python {app.slug.manage_py} check --deploy --fail-level WARNING")
        assert checked.returncode == 0, f"check --deploy on the dyno:\n{checked.stdout}{checked.stderr}"
        assert "System check identified no issues (1 silenced)." in checked.stdout, checked.stdout
    report.seconds = time.monotonic() - started
    report.notes.append("app environment, build, release, loaddata, web dyno, probe and check --deploy as tests/heroku does them")
    return report


def run_the_readers_tests(shape, repository, env, activate, logs):
    """The reader's own tests, run exactly as step 3's "Running your project's tests" says."""
    step = read_page(next(path for path in STEPS if path.name.startswith("03-")))
    blocks = step.section("run-your-tests").blocks(step)
    return walk_step(step, shape, repository, env, activate, logs, blocks=blocks)


@pytest.mark.parametrize("shape_name", list(SHAPES))
def test_a_reader_follows_the_guide(shape_name, tmp_path, postgres):
    shape = SHAPES[shape_name]
    env = reader_environment(tmp_path)
    repository = tmp_path / "repository"
    repository.mkdir()
    make_project(repository, shape, {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": env["GIT_CONFIG_GLOBAL"]})
    logs = tmp_path / "logs"
    logs.mkdir()
    reports = []
    try:
        reports += walk(shape, repository, env, logs)
        reports.append(deploy_the_readers_app(repository, postgres))
        tests = run_the_readers_tests(shape, repository, env, activation_command(read_page(STEPS[1])), logs)
        tests.page = "the reader's tests, as step 3 says"
        reports.append(tests)
    finally:
        print_reports(shape, reports)
