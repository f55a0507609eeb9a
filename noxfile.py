"""Checks that keep the guide true. `nox` runs every default session; `nox -l` lists them.

A green run means every page still builds from the example's real files, the
example's tests pass, and the example installs, builds, boots and answers the
way the guide says, doing locally what Heroku does.

Interpreters come from this machine: nox never downloads Python, and a
missing interpreter is an error, never a skipped session. A missing program
(Chromium, Node, PostgreSQL) stops its session with what to install.
"""

import hashlib
import os
import re
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent

nox.needs_version = ">=2025.5.1"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = True
nox.options.download_python = "never"
# Sessions marked allow_parallel (docs, pages, tests, smoke) run at once, in
# subprocesses, each printing its output when it ends; the others run alone.
# Much of each session waits (on Chromium, a booting server, PostgreSQL), so
# two cores do the three together in little more than the time of the longest.
# `nox -j 1` runs them one after another.
nox.options.parallel = 4

# The Python Heroku runs the app on: runtime.txt's python-3.13 (or python-3.13.5) gives 3.13.
RUNTIME_PYTHON = re.fullmatch(
    r"python-(\d+\.\d+)(?:\.\d+)?", (ROOT / "runtime.txt").read_text().strip()
).group(1)
# The Python Read the Docs builds the guide on, read from .readthedocs.yaml
# so that CI and Read the Docs cannot disagree.
DOCS_PYTHON = re.search(
    r'^\s+python:\s*"(\d+\.\d+)"', (ROOT / ".readthedocs.yaml").read_text(), re.M
).group(1)

# Django releases the example's tests run on: the LTS that requirements.txt
# pins, and the current release.
DJANGO_VERSIONS = {"5.2": None, "6.1": "Django==6.1.3"}

BUILD_DIR = ROOT / "docs" / "_build"


def require_program(session, name, how_to_install, *, candidates=()):
    """The path of a program the session needs, or stop the session saying how to get it."""
    for candidate in (name, *candidates):
        path = shutil.which(candidate)
        if path:
            return path
    session.error(f"{name} is not installed, and this session needs it. {how_to_install}")


def chromium(session):
    """Debian's or the system's Chromium (set CHROMIUM to use another build)."""
    if os.environ.get("CHROMIUM"):
        path = os.environ["CHROMIUM"]
        if not os.access(path, os.X_OK):
            session.error(f"CHROMIUM={path!r} is not a program this session can run.")
        return path
    return require_program(
        session,
        "chromium",
        "On Debian or Ubuntu: sudo apt-get install chromium. On macOS: brew "
        "install --cask chromium, then set CHROMIUM to its binary "
        "(Playwright drives this browser; it never downloads one).",
        candidates=("chromium-browser", "google-chrome"),
    )


def pytest_temp_root(session):
    """PYTEST_DEBUG_TEMPROOT in this session's own folder.

    The sessions run side by side, and each pytest deletes its temporary
    root's old folders as it ends: in one shared root (/tmp/pytest-of-USER)
    two of them delete the same folder, and the loser fails on the warning.
    """
    root = Path(session.virtualenv.location) / "pytest-tmp"
    root.mkdir(parents=True, exist_ok=True)
    return {"PYTEST_DEBUG_TEMPROOT": str(root)}


def _docs_build_venv(session):
    """What Read the Docs builds the guide in: docs/requirements.txt alone, on .readthedocs.yaml's Python.

    Its own environment, not the session's: the session's holds the checks'
    tools (tests/requirements.txt), and a Sphinx extension that only they
    brought in would build here and fail on Read the Docs. Keyed on both
    files, so even `nox -R` (which installs nothing) rebuilds it when either
    changes. Made under a lock: docs and pages run side by side and both
    need it, and the second must find it made, not make it again over the first.
    """
    import fcntl

    key = hashlib.sha256(
        b"".join((ROOT / name).read_bytes() for name in ("docs/requirements.txt", ".readthedocs.yaml"))
    ).hexdigest()[:12]
    venv = ROOT / ".nox" / f"docs-build-{key}"
    built = venv / ".built-from-docs-requirements.txt"
    with open(ROOT / ".nox" / "docs-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        for stale in (ROOT / ".nox").glob("docs-build-*"):
            if stale != venv and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        if built.exists():
            session.log(f"Build environment {venv.name}: docs/requirements.txt unchanged")
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        # The session's interpreter: the Python .readthedocs.yaml names.
        base = session.run("python", "-c", "import sys; print(sys._base_executable)", silent=True).strip()
        python = venv / "bin" / "python"
        if shutil.which("uv"):
            env = {"UV_PYTHON_DOWNLOADS": "never"}
            session.run("uv", "venv", "--quiet", "--python", base, str(venv), external=True, env=env)
            session.run(
                "uv", "pip", "install", "--python", str(python), "-r", "docs/requirements.txt",
                external=True, env=env,
            )
        else:
            session.run(base, "-m", "venv", str(venv), external=True)
            session.run(str(python), "-m", "pip", "install", "-r", "docs/requirements.txt", external=True)
        built.write_text(f"{key}\n")
    return venv


# The npm package axe-core, at an exact version: its rules change between
# releases, so a new version is a deliberate change, like a requirements pin.
AXE_CORE_VERSION = "4.14.1"
AXE_CORE_DIR = ROOT / ".nox" / "axe-core"


def _axe_core(session):
    """axe-core's browser script (axe.min.js), from npm into .nox/axe-core on first use; never fetched by a page."""
    import json

    how = (
        f"The accessibility checks run axe-core {AXE_CORE_VERSION}, installed from npm into "
        ".nox/axe-core. On Debian or Ubuntu: sudo apt-get install nodejs npm. On macOS: brew install node."
    )
    package = AXE_CORE_DIR / "node_modules" / "axe-core"
    script = package / "axe.min.js"
    if script.is_file() and (package / "package.json").is_file():
        installed = json.loads((package / "package.json").read_text())["version"]
        if installed == AXE_CORE_VERSION:
            session.log(f"axe-core {installed} in .nox/axe-core")
            return script
    npm = require_program(session, "npm", how)
    session.log(f"Installing axe-core@{AXE_CORE_VERSION} from npm into .nox/axe-core")
    shutil.rmtree(AXE_CORE_DIR, ignore_errors=True)
    AXE_CORE_DIR.mkdir(parents=True)
    # A package.json of its own, so npm installs here and not in a parent folder's project.
    (AXE_CORE_DIR / "package.json").write_text('{"private": true, "description": "nox -s docs"}\n')
    session.run(
        npm, "install", "--prefix", str(AXE_CORE_DIR), "--no-audit", "--no-fund", "--ignore-scripts",
        "--save-exact", "--loglevel=error", f"axe-core@{AXE_CORE_VERSION}",
        external=True,
    )
    return script


@nox.session(python=DOCS_PYTHON, allow_parallel=True)
def docs(session):
    """Build the guide as Read the Docs does, validate .readthedocs.yaml, and check the built site in Chromium.

    The build runs in an environment of docs/requirements.txt alone; the
    checks (pytest, Playwright, axe-core) run from the session's own, of
    tests/requirements.txt, against the pages the build wrote.
    """
    browser = chromium(session)
    axe = _axe_core(session)
    build = _docs_build_venv(session)
    session.install("-r", "tests/requirements.txt")
    html = BUILD_DIR / "html"
    # A page removed from docs/ must not survive in the output and be checked as if it existed.
    shutil.rmtree(html, ignore_errors=True)
    session.run(
        str(build / "bin" / "sphinx-build"),
        "-E",  # read every page afresh: no cached environment from an earlier build
        "-W",  # a warning fails the build: a missing include, marker or file is only a warning
        "-n",  # nitpicky: every cross-reference must resolve
        "--keep-going",  # report every warning of the build, not only the first
        "-b",
        "html",
        "docs",
        str(html),
        external=True,
    )
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.readthedocs", ".readthedocs.yaml"
    )
    session.run(
        "pytest",
        "tests/site",
        *session.posargs,
        env={"CHROMIUM": browser, "GUIDE_HTML": str(html), "AXE_CORE": str(axe), **pytest_temp_root(session)},
    )
    session.log(f"The guide is built: open {html / 'index.html'}")
    session.log(f"Chromium's screenshot of step 5: {BUILD_DIR / 'site-check.png'}")


# The checks of page against repository: what a shown file holds and where
# its regions are, every marker, every value a page quotes or a command prints.
PAGE_CHECKS = ("tests/test_snippets.py", "tests/test_claims_check.py", "tests/example/test_quoted_values.py")


@nox.session(python=DOCS_PYTHON, allow_parallel=True)
def pages(session):
    """The quick loop: build the guide strictly and check every page against the repository, without Chromium.

    A changed value of the example, a setting outside every shown region, a
    stray marker or a shown output that no longer matches fails here in
    seconds; the tests session runs the same checks on both Django releases,
    and docs checks the built site in Chromium.
    """
    build = _docs_build_venv(session)
    session.install("-r", "requirements.txt", "-r", "tests/requirements.txt", "-r", "docs/requirements.txt")
    session.run(
        str(build / "bin" / "sphinx-build"), "-E", "-W", "-n", "--keep-going", "-q", "-b", "html",
        "docs", str(BUILD_DIR / "pages"),
        external=True,
    )
    session.run("pytest", *PAGE_CHECKS, *session.posargs, env=pytest_temp_root(session))


SPHINX_AUTOBUILD = "sphinx-autobuild==2025.8.25"


@nox.session(python=DOCS_PYTHON, default=False)
def preview(session):
    """Serve the guide at http://127.0.0.1:8000 and rebuild it, reloading the browser, as docs/ or example/ change.

    Needs Python and nox only: no Chromium, Node or PostgreSQL. The build has
    the docs session's flags, so a warning shows here as the error it is
    there; the browser checks run in the docs session. Arguments after --
    go to sphinx-autobuild (for example --port 8001).
    """
    session.install("-r", "docs/requirements.txt", SPHINX_AUTOBUILD)
    session.run(
        "sphinx-autobuild",
        "-W", "-n", "--keep-going",
        # Pages include example/'s files: an edit there rebuilds the page that shows it.
        "--watch", "example",
        "--ignore", "*/staticfiles/*",
        "--ignore", "*/db.sqlite3*",
        "--ignore", "*/__pycache__/*",
        "--host", "127.0.0.1",
        "--port", "8000",
        *session.posargs,
        "docs",
        str(BUILD_DIR / "preview"),
    )


@nox.session(python=RUNTIME_PYTHON, allow_parallel=True)
@nox.parametrize("django", list(DJANGO_VERSIONS))
def tests(session, django):
    """Run the example's tests and the snippet checks on Django 5.2 (pinned, with coverage) and the current Django."""
    # Sphinx: the snippet checks read each include as the build does (tests/pages.py).
    session.install("-r", "requirements.txt", "-r", "tests/requirements.txt", "-r", "docs/requirements.txt")
    # One pytest process: the sessions already run side by side, and each
    # pytest-xdist worker would start Django and create a test database anew
    # (`-- -n auto` still spreads one session over the cores).
    pytest_args = session.posargs
    env = pytest_temp_root(session)
    if DJANGO_VERSIONS[django]:
        session.install(DJANGO_VERSIONS[django])
        # The current release proves the snippets still work; coverage is
        # measured once, on the version requirements.txt pins.
        session.run("pytest", *pytest_args, env=env)
        return
    rcfile = "--rcfile=tests/coverage.ini"  # measures the settings tests' forked processes too
    session.run("coverage", "erase", rcfile)
    session.run("coverage", "run", rcfile, "-m", "pytest", *pytest_args, env=env)
    session.run("coverage", "combine", "--quiet", rcfile)
    # Every line of example/, the code the pages show, runs in a test on the
    # pinned Django; a run of some tests only (arguments after --) reports.
    session.run("coverage", "report", rcfile, *([] if session.posargs else ["--fail-under=100"]))


# pytest-django configures Django in pytest's own process, which only the
# example's tests (the tests session) want: in smoke, faults and walk the app
# or the reader's project runs in processes of its own, so the plugin is off.
NO_DJANGO_IN_PYTEST = ("-p", "no:django")


def _smoke_database(session):
    """Say which database the smoke uses; stop if PostgreSQL is wanted and not answering."""
    import socket
    from urllib.parse import urlsplit

    url = os.environ.get("DATABASE_URL")
    how = (
        "Install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew "
        "install postgresql@17), start it, and set DATABASE_URL, for example "
        "postgres://postgres@127.0.0.1:5432/test"
    )
    if not url:
        if os.environ.get("CI") == "true":
            session.error(f"CI runs the smoke on PostgreSQL, as Heroku does, and DATABASE_URL is not set. {how}")
        session.log("Database: an SQLite file in a temporary folder (DATABASE_URL is not set)")
        return
    parts = urlsplit(url)
    where = f"{parts.hostname or 'local socket'}:{parts.port or 5432}{parts.path}"
    session.log(f"Database: DATABASE_URL, {parts.scheme} at {where}")
    if parts.scheme.startswith("postgres") and parts.hostname:
        try:
            socket.create_connection((parts.hostname, parts.port or 5432), timeout=3).close()
        except OSError as error:
            session.error(f"DATABASE_URL names PostgreSQL at {where}, which does not answer ({error}). {how}")


@nox.session(python=RUNTIME_PYTHON, allow_parallel=True)
def smoke(session):
    """Do locally what a Heroku build and dyno do, then probe the running server."""
    browser = chromium(session)
    _smoke_database(session)
    session.install("-r", "tests/requirements.txt")
    session.run(
        "pytest",
        *NO_DJANGO_IN_PYTEST,
        "tests/smoke",  # pytest.ini's norecursedirs leaves it out of a plain run
        *session.posargs,
        # tests/heroku makes the app's own environment as the buildpack would
        # (requirements.txt alone, or uv.lock for a uv app) and deploys it.
        env={"CHROMIUM": browser, **pytest_temp_root(session)},
    )


HEROKU_CLI_MAJOR = "11"  # the npm package `heroku`; a new major is a deliberate change
HEROKU_CLI_DIR = ROOT / ".nox" / "heroku-cli"


def _heroku_cli(session):
    """The Heroku CLI (npm package heroku@11) in .nox/heroku-cli, installed there on first use; never global.

    Returns its node_modules/heroku. A cached CLI of another major is replaced.
    """
    import json
    import subprocess

    how = (
        "The Heroku CLI is installed from npm into .nox/heroku-cli and needs Node.js 20 "
        "or newer with npm. On Debian 13: sudo apt-get install nodejs npm (Debian 12 and "
        "Ubuntu 24.04 package Node 18: install Node 20 or newer from "
        "https://github.com/nodesource/distributions instead). On macOS: brew install node."
    )
    node = require_program(session, "node", how)
    npm = require_program(session, "npm", how)
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(node_version.lstrip("v").split(".")[0] or 0) < 20:
        session.error(f"Node.js {node_version} is too old for the Heroku CLI {HEROKU_CLI_MAJOR}. {how}")
    package = HEROKU_CLI_DIR / "node_modules" / "heroku"
    installed = None
    if (package / "package.json").is_file() and (package / "oclif.manifest.json").is_file():
        installed = json.loads((package / "package.json").read_text())["version"]
    if installed and installed.split(".")[0] == HEROKU_CLI_MAJOR:
        session.log(f"Heroku CLI {installed} in .nox/heroku-cli (delete the folder to reinstall)")
        return package
    session.log(f"Installing heroku@{HEROKU_CLI_MAJOR} from npm into .nox/heroku-cli (about a minute)")
    shutil.rmtree(HEROKU_CLI_DIR / "node_modules", ignore_errors=True)
    HEROKU_CLI_DIR.mkdir(parents=True, exist_ok=True)
    # A package.json of its own, so npm installs here and not in a parent folder's project.
    (HEROKU_CLI_DIR / "package.json").write_text('{"private": true, "description": "nox -s cli"}\n')
    session.run(
        npm, "install", "--prefix", str(HEROKU_CLI_DIR), "--no-audit", "--no-fund",
        "--ignore-scripts", "--loglevel=error", f"heroku@{HEROKU_CLI_MAJOR}",
        external=True,
    )
    return package


@nox.session(python=RUNTIME_PYTHON)
def cli(session):
    """Check every `heroku` command in the guide against the real Heroku CLI, and run `heroku local`."""
    package = _heroku_cli(session)
    session.install("-r", "requirements.txt", "-r", "tests/requirements.txt")
    # The checker's own tests on the pages of tests/cli/fixture, every heroku command of
    # the guide (-rP lists each one and how many were checked), and `heroku local web` run for real.
    session.run("pytest", "tests/cli", *(session.posargs or ["-rfEP"]), env={"HEROKU_CLI": str(package)})


@nox.session(python=RUNTIME_PYTHON)
def walk(session):
    """Follow steps 2 to 10 as a reader does, on six Django projects of other names, layouts, histories, package managers (pip, uv) and settings (a module, a package), side by side."""
    # Each project walks in a network namespace of its own, so that the
    # pages' fixed ports (8000, 5006) are its alone; making one needs root.
    if os.geteuid() != 0:
        session.error("The walk gives each reader's project a network namespace of its own, which needs root: sudo nox -s walk")
    package = _heroku_cli(session)  # step 9's `heroku local`
    # Sphinx reads each file block as the built page shows it; Django makes the reader's project.
    session.install("-r", "docs/requirements.txt", "-r", "tests/requirements.txt", "-r", "requirements.txt")
    session.run(
        "pytest",
        *NO_DJANGO_IN_PYTEST,
        "tests/walk",  # pytest.ini's norecursedirs leaves it out of a plain run
        # One pytest-xdist worker per project (tests/walk/conftest.py); -rP
        # prints each one's table of steps. `-- -n 0` walks them one by one.
        "-n", "auto", "-rP",
        # A project's folder holds three virtual environments: deleted as soon
        # as it passes (by its worker, beside the others' walks), kept if it
        # fails; pytest otherwise deletes the oldest run's before starting.
        "-o", "tmp_path_retention_policy=failed",
        *session.posargs,
        env={"WALK_HEROKU_BIN": str(package.parent / ".bin")},
    )


WRK_HOW = "On Debian or Ubuntu: sudo apt-get install wrk; on macOS: brew install wrk."


@nox.session(python=RUNTIME_PYTHON)
def faults(session):
    """Break the database, the configuration and the dyno on purpose, and put the example under load."""
    wrk = require_program(session, "wrk", WRK_HOW)
    # pytest, psutil and docutils at tests/requirements.txt's versions; tests/heroku
    # makes the app's own environment (requirements.txt alone, as the buildpack
    # installs it) and deploys it.
    session.install("pytest", "psutil", "docutils", "-c", "tests/requirements.txt")
    session.run(
        "pytest", *NO_DJANGO_IN_PYTEST, "tests/faults", *session.posargs, env={"WRK": wrk},
    )


@nox.session(python=RUNTIME_PYTHON, default=False)
def bench(session):
    """Measure the guide's configuration against the alternatives; print the tables and write JSON.

    tests/bench/run.py deploys the example (tests/heroku), serves it several
    ways and writes docs/_measurements/bench.json, from which the docs build
    draws docs/measurements.rst's tables and chart. Arguments after -- go to
    it (--seconds, --connections, --only a e ...; see its --help).
    """
    wrk = require_program(session, "wrk", WRK_HOW)
    nginx = require_program(
        session, "nginx", "On Debian or Ubuntu: sudo apt-get install nginx-light; on macOS: brew install nginx.",
        candidates=("/usr/sbin/nginx",),
    )
    # psutil for the workers' CPU time, docutils for the tables it prints (docs/_ext/bench_figures.py).
    session.install("psutil", "docutils", "-c", "tests/requirements.txt")
    session.run("python", "tests/bench/run.py", *session.posargs, env={"WRK": wrk, "NGINX": nginx})


@nox.session(python=RUNTIME_PYTHON, default=False)
def example(session):
    """Run the example locally on SQLite with DEBUG on, at http://127.0.0.1:8000/."""
    session.install("-r", "requirements.txt")
    env = {"DJANGO_DEBUG": "true"}
    manage = ("python", "example/manage.py")
    session.run(*manage, "migrate", "--no-input", env=env)
    session.run(*manage, "loaddata", "sample_staff", env=env)
    session.run(*manage, "runserver", *(session.posargs or ["127.0.0.1:8000"]), env=env)
