"""`nox -s walk`: the guide followed by a reader, on two projects it did not write.

For each shape of tests/walk/reader_project.py: the reader's project is
made from the pinned Django, steps 2 to 9 are followed as walk.py describes,
then step 10's push is done the way Heroku does it, with the same build,
release and web dyno as the smoke session (tests/heroku), and the deployed
app is probed as the smoke session probes the example. Last, the reader's
own tests run the way step 3 tells readers to run them.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from heroku import HTTPS, ThrowawayPostgres, build, one_off, production_config_vars, release, web_dyno
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
# Variables of this machine that are the checks' own, or the example's
# configuration: a reader's new terminal has none of them.
NOT_THE_READERS = re.compile(r"^(DJANGO_|EMAIL_|DATABASE_URL$|PORT$|DYNO$|WEB_CONCURRENCY$|VIRTUAL_ENV$|PYTHON|PYTEST|NOX_|CONDA|GUNICORN_)")


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
    tools_bin = str(Path(sys.executable).parent)
    env = {name: value for name, value in os.environ.items() if not NOT_THE_READERS.match(name)}
    path = [entry for entry in env["PATH"].split(os.pathsep) if entry and entry != tools_bin]
    path.append(os.environ["WALK_HEROKU_BIN"])  # the Heroku CLI, as step 10's install puts it on PATH
    env["PATH"] = os.pathsep.join(path)
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


def deploy(shape, repository, tmp_path, postgres, env):
    """Step 10's push, done as Heroku does it: the same build, release and web dyno as `nox -s smoke`."""
    report = StepReport("steps/10-deploy.rst (emulated)")
    started = time.monotonic()
    # The buildpack installs requirements.txt alone into a fresh environment,
    # on the Python of .python-version (uv: what it installs is not what the
    # walk tests, and it does so in seconds).
    app_venv = tmp_path / "app-venv"
    version = (repository / ".python-version").read_text().strip()
    uv = {**env, "UV_PYTHON_DOWNLOADS": "never", "HOME": os.environ["HOME"], "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", "")}
    uv = {name: value for name, value in uv.items() if value}
    subprocess.run(["uv", "venv", "--quiet", "--python", version, str(app_venv)], check=True, env=uv)
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", str(app_venv / "bin" / "python"), "-r", str(repository / "requirements.txt")],
        check=True, env=uv,
    )
    config = production_config_vars(DATABASE_URL=postgres.url)
    slug = build(repository, app_venv, config)
    manage = slug.manage_py
    try:
        release(slug, config)
        loaded = one_off(slug, f"python {manage} loaddata books", config)  # the reader's own fixture
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        with web_dyno(slug, config) as server:
            probe(server, slug)
        checked = one_off(slug, f"python {manage} check --deploy --fail-level WARNING", config)
        assert checked.returncode == 0, f"check --deploy on the dyno:\n{checked.stdout}{checked.stderr}"
        assert "System check identified no issues (1 silenced)." in checked.stdout, checked.stdout
    finally:
        shutil.rmtree(slug.path, ignore_errors=True)
    report.seconds = time.monotonic() - started
    report.notes.append("build, release, loaddata, web dyno and check --deploy as tests/heroku does them")
    return report


def probe(server, slug):
    """What the smoke session checks of the example, on the reader's app."""
    status, headers, body = server.request("GET", "/", headers=HTTPS)
    page = body.decode()
    assert status == 200, f"GET / over https: {status}\n{page[:2000]}"
    for title in BOOK_TITLES:
        assert f">{title}<" in page, f"the home page lacks the row {title!r}:\n{page[:2000]}"
    assert "strict-transport-security" in headers, headers

    status, headers, _ = server.request("GET", "/", headers={"Host": HTTPS["Host"]})
    assert status == 301 and headers["location"] == f"https://{HTTPS['Host']}/", (status, headers)

    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), f"the stylesheet is not linked by its hashed name: {stylesheet}"
    for encoding in ("br", "gzip"):
        status, headers, _ = server.request("GET", stylesheet, headers={**HTTPS, "Accept-Encoding": encoding})
        assert status == 200, (stylesheet, status)
        assert headers.get("content-encoding") == encoding, (stylesheet, encoding, headers)
        assert headers.get("cache-control") == "max-age=315360000, public, immutable", headers

    status, _, body = server.request("GET", "/admin/login/", headers=HTTPS)
    admin = body.decode()
    assert status == 200, status
    admin_css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', admin)
    assert admin_css, f"the admin's login page links no hashed base.css:\n{admin[:2000]}"
    status, _, _ = server.request("GET", admin_css.group(1), headers=HTTPS)
    assert status == 200, (admin_css.group(1), status)


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
        reports.append(deploy(shape, repository, tmp_path, postgres, env))
        tests = run_the_readers_tests(shape, repository, env, activation_command(read_page(STEPS[1])), logs)
        tests.page = "the reader's tests, as step 3 says"
        reports.append(tests)
    finally:
        print_reports(shape, reports)
