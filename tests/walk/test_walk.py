"""`nox -s walk`: the guide followed by a reader, on six projects it did not write, side by side.

For each shape of tests/walk/reader_project.py, in a network of its own
(network.py: the pages' fixed ports are the shape's alone): the reader's
project is made from the pinned Django, steps 2 to 9 are followed as
follow.py describes, then step 10's push is done the way Heroku does it,
with the same deployment as the smoke session (tests/heroku/deploy.py) and
step 10's config vars, and the deployed app is probed by the same probe
(tests/heroku/probe.py), an unknown Host refused; step 10's `heroku run --
python example/manage.py check ...` must print on the reader's dyno what the
page shows, and a password-reset mail sent on a dyno must reach the SMTP
server EMAIL_HOST names. Last, the reader's own tests run the way step 3
tells readers to run them.
"""

import os
import secrets
import shlex
import time

import pytest
from heroku import ThrowawayPostgres, deploy, probe, scrubbed_environment
from cli.heroku_cli import isolated_cli_environment
from pages import blocks_setting, read_page
from smoke.mail import RecordingSMTPServer

from walk.follow import (
    STEPS, StepReport, activation_command, cpu_seconds, output_matches, show_difference, substitute, walk, walk_step,
)
from walk.network import own_network
from walk.reader_project import BOOK_TITLES, SHAPES, find_uv_bin, make_project

GIT_IDENTITY = {f"GIT_{who}_{what}": value for who in ("AUTHOR", "COMMITTER")
                for what, value in (("NAME", "A Reader"), ("EMAIL", "reader@example.com"))}
# On a dyno: Django's own password-reset form, as a "forgotten your password?" page sends it.
RESET_FOR = "reader@example.com"
SEND_RESET_MAIL = (
    "from django.conf import settings; from django.contrib.auth.forms import PasswordResetForm; "
    f"from django.contrib.auth.models import User; User.objects.create_user('reader', '{RESET_FOR}', 'a-long-password'); "
    f"form = PasswordResetForm({{'email': '{RESET_FOR}'}}); form.is_valid(); "
    "form.save(domain_override='reader.herokuapp.com'); print(settings.EMAIL_BACKEND)"
)


@pytest.fixture
def postgres(monkeypatch):
    """The shape's own network (pip and uv reach PyPI through its proxy), and Heroku Postgres's stand-in in it."""
    monkeypatch.setenv("HTTPS_PROXY", own_network())
    # nox points uv at the session's venv; the reader's uv makes the project's own .venv.
    monkeypatch.delenv("UV_PROJECT_ENVIRONMENT", raising=False)
    server = ThrowawayPostgres()
    yield server
    server.delete()  # a fixture's teardown runs whether the test passed or not


def reader_environment(tmp_path):
    """A reader's terminal: this machine's programs, the Heroku CLI, git's identity, nothing of the checks."""
    # A reader's new terminal has none of the checks' variables, nor the example's configuration.
    env = {**scrubbed_environment(), **GIT_IDENTITY}
    env["PATH"] += os.pathsep + os.environ["WALK_HEROKU_BIN"]  # the Heroku CLI, as step 10's install puts it on PATH
    # The reader's home: the Heroku CLI's files and git's global config stay in it.
    env.update(isolated_cli_environment(tmp_path / "home"))
    (tmp_path / "tmp").mkdir()
    # The walk session's uv, the one a uv reader has on PATH (the checks' venv is not on it).
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "uv").symlink_to(find_uv_bin())
    env["PATH"] += os.pathsep + str(tmp_path / "bin")
    return {
        **env,
        # pip's cache of this machine (before HOME changed), so a warm walk downloads nothing.
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR") or os.path.expanduser("~/.cache/pip"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR") or os.path.expanduser("~/.cache/uv"),
        # A terminal shows each line as it is printed; a pipe would buffer
        # Python's stdout and reorder it against stderr.
        "PYTHONUNBUFFERED": "1",
        "TMPDIR": str(tmp_path / "tmp"),
    }


def print_reports(shape, reports):
    print(f"\nshape {shape.name}: manage.py in {shape.folder or 'the root'}, package {shape.package}, home page {shape.home}")
    row = "  {:34} {:>8} {:>5} {:>7} {:>8} {:>7} {:>7} {:>6}"
    print(row.format("page", "commands", "files", "outputs", "left out", "servers", "seconds", "cpu s"))
    for r in reports:
        print(row.format(r.page, r.commands, r.files, r.outputs, r.left_out, r.servers, f"{r.seconds:.1f}", f"{r.cpu:.1f}"))
        print("".join(f"    {note}\n" for note in r.notes), end="")
    print(row.format("all", "", "", "", "", "", f"{sum(r.seconds for r in reports):.1f}", f"{sum(r.cpu for r in reports):.1f}"))


def step_ten_commands():
    """Step 10's console commands (not PowerShell's), each with the output the page shows under it."""
    step = read_page(next(path for path in STEPS if path.name.startswith("10-")))
    return [command for block in step.blocks if block.language == "console" for command in block.commands()]


def step_ten_config_vars():
    """{name: value} of step 10's `heroku config:set` commands."""
    return dict(word.split("=", 1) for command in step_ten_commands() if command.text.startswith("heroku config:set")
                for word in command.words()[2:])


def deploy_the_readers_app(shape, repository, postgres):
    """Step 10's push, done as Heroku does it: the same deployment and probe as `nox -s smoke`, and the dyno's mail."""
    report = StepReport("steps/10-deploy.rst (emulated)")
    started, cpu = time.monotonic(), cpu_seconds()
    # Step 10's config vars, with a key, the shape's database, and EMAIL_HOST
    # its SMTP server on loopback at the page's EMAIL_PORT (plain SMTP: no certificate for TLS here).
    config = {
        **step_ten_config_vars(), "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": postgres.url,
        "EMAIL_HOST": "127.0.0.1", "EMAIL_USE_TLS": "false",
    }
    # web=False, then a dyno of that build: deploy() waits for a 200 on /, where a shape may have no page.
    with RecordingSMTPServer(int(config["EMAIL_PORT"])) as smtp, \
            deploy(repository, config, loaddata="books", web=False) as app, app.web_dyno() as web:
        if shape.home != shape.landing:
            status, headers, _ = probe.get(web, shape.home)
            assert (status, headers.get("location")) == (302, shape.landing), f"GET {shape.home}: {status} {headers}"
        probe.deployed_app(web, [f">{title}<" for title in BOOK_TITLES], home=shape.landing)
        # Step 10's `heroku run -- python example/manage.py check ...`, with the reader's names (step 2), prints what the page shows.
        (check,) = [c for c in step_ten_commands() if c.words()[:6] == ["heroku", "run", "--", "python", "example/manage.py", "check"]]
        checked = app.one_off(substitute(shlex.join(check.words()[3:]), shape))
        printed = (checked.stdout + checked.stderr).splitlines()
        assert checked.returncode == 0 and output_matches(check.output, printed), (
            f"`{check.text}` on the dyno:\n{show_difference(check.output, printed)}")
        sent = app.one_off(f"python {app.slug.manage_py} shell -v 0 -c {shlex.quote(SEND_RESET_MAIL)}")
        received = smtp.wait_for(lambda message: RESET_FOR in message[1])
    assert sent.returncode == 0, f"sending a password-reset mail on the dyno:\n{sent.stdout}{sent.stderr}"
    assert received, (
        f"the dyno sent no mail to EMAIL_HOST ({config['EMAIL_HOST']}:{config['EMAIL_PORT']}): its EMAIL_BACKEND is "
        f"{sent.stdout.split()[-1]} (the pages set it at {' and '.join(blocks_setting('EMAIL_BACKEND'))}). "
        f"What it printed:\n{sent.stdout}"
    )
    report.seconds, report.cpu = time.monotonic() - started, cpu_seconds() - cpu
    return report


def run_the_readers_tests(shape, repository, env, logs):
    """The reader's own tests, run exactly as step 3's "Running your project's tests" says."""
    step = read_page(next(path for path in STEPS if path.name.startswith("03-")))
    activate = activation_command(read_page(STEPS[1]))
    report = walk_step(step, shape, repository, env, activate, logs, blocks=step.section("run-your-tests").blocks(step))
    report.page = "the reader's tests, as step 3 says"
    return report


@pytest.mark.parametrize("shape_name", list(SHAPES))
def test_a_reader_follows_the_guide(shape_name, tmp_path, postgres):
    shape = SHAPES[shape_name]
    env = reader_environment(tmp_path)
    repository, logs = tmp_path / "repository", tmp_path / "logs"
    repository.mkdir()
    logs.mkdir()
    make_project(repository, shape, {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": env["GIT_CONFIG_GLOBAL"]})
    reports = []
    try:
        reports += walk(shape, repository, env, logs)
        reports.append(deploy_the_readers_app(shape, repository, postgres))
        reports.append(run_the_readers_tests(shape, repository, env, logs))
    finally:
        print_reports(shape, reports)
