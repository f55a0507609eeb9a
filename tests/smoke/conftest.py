"""A Heroku build, release and web dyno on this machine, for the probes in this folder.

`nox -s smoke` creates the app's own environment (requirements.txt and
nothing else) and passes it in SMOKE_APP_VENV. From there, once per run:

1. the build: the files `git push` would send are copied to a build folder,
   the buildpack's refusals are checked, and collectstatic runs as the
   buildpack runs it, with the config vars;
2. the release phase: the Procfile's `release:` command through bash;
3. `heroku run python example/manage.py loaddata sample_staff`, as the guide
   tells the reader;
4. the web dyno: the Procfile's `web:` command, exactly as written, through
   bash, with a dyno's environment, until SIGTERM (test_shutdown.py).

A failing step stops the run with its output: every probe would fail the
same way, and the first failure is the one that names the cause.
"""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from dyno import (
    ROOT,
    dyno_environment,
    procfile_commands,
    production_config_vars,
    running_server,
    unused_port,
)
from smoke.buildpack import BuildRefused, check_source, copy_source
from smoke.router import HTTPS
# Where the guide's build finds manage.py, and where the Procfile's release line runs it.
MANAGE_PY = "example/manage.py"
# collectstatic's output kept for the next run, and the file that marks it complete.
STATIC_CACHE = ROOT / ".nox" / "smoke-static"
BUILT = ".smoke-collectstatic-complete"
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


def static_key(build_dir, app_venv):
    """A hash of what collectstatic reads: the project folder and the app's environment."""
    digest = hashlib.sha256(app_venv.name.encode())
    for path in sorted((build_dir / "example").rglob("*")):
        if path.is_file():
            digest.update(b"\0" + path.relative_to(build_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def files_under(folder):
    return {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()}


def copy_files(source, destination, names):
    for name in names:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination / name)


def stop_run(step, output, hint):
    """End the run: a build or release that fails fails every probe.

    The headline names the step and the output's last line (the exception,
    usually), then the hint; the whole output follows.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    cause = f": {lines[-1]}" if lines else ""
    details = f"\n--- output ---\n{output}" if output else ""
    pytest.exit(f"{step} failed, as it would on Heroku{cause}\n{hint}{details}", returncode=1)


@pytest.fixture(scope="session")
def timings():
    """Durations to print at the end of the run: {step: seconds}."""
    return TIMINGS


@pytest.fixture(scope="session")
def app_venv():
    """The environment `nox -s smoke` built from requirements.txt alone."""
    path = os.environ.get("SMOKE_APP_VENV")
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


def app_environment(app_venv, config_vars, *, port=0, process_type=None):
    """A dyno's environment (or the build's, with no process_type) with the app's venv first on PATH."""
    env = dyno_environment(port, config_vars, process_type=process_type or "web")
    if process_type is None:
        # The build has the config vars but no dyno: no port, no profile scripts.
        for name in ("PORT", "DYNO", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "GUNICORN_CMD_ARGS"):
            env.pop(name)
    # Nothing of the nox session's environment: only the app's packages are importable.
    nox_bin = os.path.join(env.pop("VIRTUAL_ENV", "/nonexistent"), "bin")
    for name in list(env):
        if name.startswith(("PYTEST_", "SMOKE_", "PYTHON")) and name != "PYTHONUNBUFFERED":
            del env[name]
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry and entry != nox_bin]
    env["PATH"] = os.pathsep.join([str(app_venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(app_venv)
    return env


def run_step(step, command, env, cwd, hint, timeout=180):
    """Run one build or release command through bash; stop the run if it fails."""
    started = time.monotonic()
    try:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        stop_run(f"`{command}`", (error.stdout or b"").decode(errors="replace"), f"It ran over {timeout} s.")
    TIMINGS[step] = time.monotonic() - started
    if result.returncode != 0:
        stop_run(f"`{command}` (exit {result.returncode})", result.stdout.decode(errors="replace"), hint)
    return result.stdout.decode(errors="replace")


@pytest.fixture(scope="session")
def slug(app_venv, config_vars, tmp_path_factory):
    """The build: the source `git push` sends, the buildpack's refusals, then collectstatic.

    collectstatic's output (its Brotli pass is most of a warm run) is kept in
    .nox/smoke-static/ and used again while example/ and the app's
    environment are byte for byte the same; SMOKE_FRESH_BUILD=1 runs it anyway.
    """
    started = time.monotonic()
    build_dir = copy_source(ROOT, tmp_path_factory.mktemp("build"))
    try:
        manage_py = check_source(build_dir)
    except BuildRefused as refusal:
        stop_run("The build", "", str(refusal))
    if manage_py != MANAGE_PY:
        stop_run(
            "Finding manage.py",
            "",
            f"The buildpack looks for manage.py up to three folders deep and takes the "
            f"shallowest: it finds {manage_py}, not {MANAGE_PY}, so collectstatic would "
            f"{'be skipped' if manage_py is None else 'run another project'}.",
        )
    key = static_key(build_dir, app_venv)
    kept = STATIC_CACHE / key
    if (kept / BUILT).exists() and os.environ.get("SMOKE_FRESH_BUILD", "0") == "0":
        copy_files(kept, build_dir, files_under(kept) - {Path(BUILT)})
        TIMINGS[f"build: collectstatic output reused ({key}: example/ unchanged)"] = time.monotonic() - started
        return build_dir
    source = files_under(build_dir)
    env = app_environment(app_venv, config_vars)
    env["PYTHONPATH"] = "."  # bin/steps/collectstatic: PYTHONPATH=${PYTHONPATH:-.}
    run_step(
        "build: collectstatic",
        f"python {manage_py} collectstatic --noinput --traceback",
        env,
        build_dir,
        "A ModuleNotFoundError is a package missing from requirements.txt; a ValueError "
        "or ImproperlyConfigured points at the settings.",
    )
    shutil.rmtree(STATIC_CACHE, ignore_errors=True)
    copy_files(build_dir, kept, files_under(build_dir) - source)
    (kept / BUILT).write_text(f"{key}\n")
    TIMINGS["build: total"] = time.monotonic() - started
    return build_dir


@pytest.fixture(scope="session")
def released(slug, app_venv, config_vars):
    """The release phase (the Procfile's release: line), then the guide's loaddata by `heroku run`."""
    commands = procfile_commands(slug / "Procfile")
    if "release" not in commands:
        stop_run("The release phase", "", "The Procfile has no release: line, so nothing migrates the database.")
    run_step(
        "release: migrate",
        commands["release"],
        app_environment(app_venv, config_vars, process_type="release"),
        slug,
        "The Procfile's release: line runs before every new release starts.",
    )
    run_step(
        "heroku run: loaddata",
        f"python {MANAGE_PY} loaddata sample_staff",
        app_environment(app_venv, config_vars, process_type="run"),
        slug,
        "The guide has the reader run this with `heroku run`.",
    )
    return slug


@pytest.fixture(scope="session")
def web(released, app_venv, config_vars):
    """The Procfile's web: command, exactly as written, through bash, on a dyno's environment."""
    port = unused_port()
    command = procfile_commands(released / "Procfile").get("web")
    if not command:
        stop_run("Starting the web dyno", "", "The Procfile has no web: line.")
    env = app_environment(app_venv, config_vars, port=port, process_type="web")
    started = time.monotonic()
    try:
        server_context = running_server(command, env, port=port, cwd=released, ready_headers=HTTPS, boot_timeout=30)
        server = server_context.__enter__()
    except AssertionError as error:
        stop_run(
            "Starting the web dyno",
            str(error),
            f"The Procfile's web: line runs `{command}`: a ModuleNotFoundError names a module "
            "that does not exist (the WSGI module is staff.wsgi, found through --chdir example).",
        )
    try:
        # running_server returns at the first answer of any kind; the dyno is up at its first 200.
        deadline = time.monotonic() + 30
        while server.request("GET", "/", headers=HTTPS)[0] != 200:
            if time.monotonic() > deadline:
                stop_run("The web dyno", server.log(), "It answers, but never 200 on its home page.")
            time.sleep(0.1)
        TIMINGS["web: process start to first 200"] = time.monotonic() - started
        yield server
    finally:
        server_context.__exit__(None, None, None)
