"""The guide's local step, run for real: `heroku local web` as the page shows it, in a copy of what the reader has.

The command is read from the page (docs/steps/09-test-locally.rst, by
tests/pages.py): its POSIX console line that runs `heroku local ... web`, run through bash exactly
as written except for the port, which becomes an unused one. Before it, the
page's own console lines above it run in the copy, in one bash as in the
reader's one terminal, when they prepare rather than serve: `export`,
`unset`, `cp`, `python example/manage.py migrate` (or loaddata,
collectstatic, createcachetable, check) and `heroku local:run ...`; the
environment they leave is the one `heroku local` starts in. Everything else
is listed as skipped: servers that never end (runserver), and the virtual
environment and `pip install`, which nox provides (the session's Python,
with requirements.txt installed, is first on PATH).

The copy holds the repository's files a reader's clone has for running the
app (Procfile, requirements.txt, runtime.txt, .env.example, example/, as
git lists them, so no database or collected static files come along), and a
`.env` copied from the committed .env.example when the page's commands do
not create one. The Heroku CLI runs with its own HOME, git config and XDG
folders inside the copy: it writes a git credential helper to the global git
config on every command, and that must not reach this machine's.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from guide_commands import heroku_argv, simple_commands
from heroku_cli import cli_environment
from heroku import procfile_commands, running_server, unused_port
from heroku.build import copy_source
from heroku.processes import live_processes, process_group
from pages import POSIX_CONSOLES, read_page

ROOT = Path(__file__).resolve().parents[2]
# GUIDE_LOCAL_PAGE lets a writer try a draft page; the session uses the guide's.
PAGE = Path(os.environ.get("GUIDE_LOCAL_PAGE", ROOT / "docs" / "steps" / "09-test-locally.rst"))
PORT_FLAG = re.compile(r"(?<!\S)(--port=|--port\s+|-p\s*)(\S+)")
READER_FILES = ("Procfile", "requirements.txt", "runtime.txt", ".python-version", ".env.example", "example")


def console_lines():
    """The page's POSIX console commands: [(line, text as shown)]."""
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} does not exist")
    return [
        (command.line, command.text)
        for block in read_page(PAGE).blocks
        if block.language in POSIX_CONSOLES
        for command in block.commands()
    ]


def heroku_commands(cli):
    """{line: (command id, parsed arguments)} of the page's console lines that run `heroku`, parsed by the CLI."""
    lines = [(line, heroku_argv(words)) for line, text in console_lines() for words in simple_commands(text)[:1]]
    lines = [(line, parsed[0]) for line, parsed in lines if parsed and len(parsed[0]) > 1]
    _, results = cli.parse([{"argv": argv[1:]} for _, argv in lines])
    return {line: (result.get("id"), result.get("args", [])) for (line, _), result in zip(lines, results)}


def local_web_command(cli):
    """(line, command text) of the page's `heroku local web` console line."""
    texts = dict(console_lines())
    web = {(line, texts[line]) for line, (cid, args) in heroku_commands(cli).items() if cid == "local" and "web" in args}
    if not web:
        pytest.fail(
            f"{os.path.relpath(PAGE, ROOT)} shows no `heroku local web` command in a console block "
            "(`$ heroku local web --port 5001`): the session runs the command the page shows"
        )
    texts = {text for _, text in web}
    if len(texts) > 1:
        pytest.fail(f"{os.path.relpath(PAGE, ROOT)} shows different `heroku local web` commands: {sorted(texts)}")
    return min(web)


def with_port(text, port):
    """The page's command with its port replaced by `port` (and nothing else changed)."""
    new, count = PORT_FLAG.subn(lambda m: m.group(1) + str(port), text)
    if count != 1:
        pytest.fail(
            f"`{text}` on {os.path.relpath(PAGE, ROOT)} should give the port once (--port N or -p N): "
            "the session runs it on an unused port"
        )
    return new


# manage.py commands that prepare the database or files and then end; runserver never ends.
PREPARING_MANAGE_COMMANDS = {"migrate", "loaddata", "collectstatic", "createcachetable", "check"}


def preparation(cli, web_line):
    """The page's POSIX console lines before the `heroku local web` line: (to run, skipped)."""
    run, skipped = [], []
    heroku = heroku_commands(cli)
    commands = [command for block in read_page(PAGE).blocks if block.language in POSIX_CONSOLES for command in block.commands()]
    for command in commands:
        if command.line >= web_line:
            continue
        line, text, words = command.line, command.text, command.words()
        program = Path(words[0]).name if words else ""
        manage = words[words.index("example/manage.py") + 1:] if "example/manage.py" in words else []
        if (
            program in ("export", "unset", "cp")
            or program.startswith("python") and manage and manage[0] in PREPARING_MANAGE_COMMANDS
            or program == "heroku" and heroku.get(line, (None,))[0] == "local:run"
        ):
            run.append((line, text))
        else:
            skipped.append((line, text))
    return run, skipped


def run_preparation(lines, cwd, env):
    """Run the page's preparation lines in one bash, as the reader's one shell; returns its environment after."""
    script = "set -e\n{\n" + "\n".join(text for _, text in lines) + "\n} >&2\nenv -0\n"
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, timeout=300)
    if done.returncode:
        listing = "\n".join(f"  {PAGE.name}:{line}: $ {text}" for line, text in lines)
        pytest.fail(f"the page's preparation failed:\n{listing}\n{done.stderr.decode(errors='replace')}")
    return dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)


@pytest.fixture
def reader_copy(tmp_path):
    """What the reader's clone holds for running the app, in a scratch folder."""
    copy = copy_source(ROOT, tmp_path / "project", READER_FILES)
    assert (copy / "Procfile").is_file() and (copy / ".env.example").is_file()
    return copy


def reader_environment(copy, cli_package):
    """A shell like the reader's: the project's Python (the session's venv, activated), then the CLI, on PATH."""
    env = cli_environment(copy.parent / "home", app_venv=sys.prefix)
    venv_bin, rest = env["PATH"].split(os.pathsep, 1)
    env["PATH"] = os.pathsep.join([venv_bin, str(cli_package.parent / ".bin"), rest])
    return env


def test_heroku_local_web_serves_the_home_page_and_stops_on_sigterm(cli, cli_package, reader_copy):
    web_line, page_text = local_web_command(cli)
    port = unused_port()
    command = with_port(page_text, port)
    env = reader_environment(reader_copy, cli_package)
    procfile_web = procfile_commands(reader_copy)["web"]
    assert "gunicorn" in procfile_web

    to_run, skipped = preparation(cli, web_line)
    cli.close()  # the checks' own parser (a node process of the CLI's folder) is no survivor of heroku local
    for line, text in skipped:
        print(f"skipped: {PAGE.name}:{line}: $ {text}")
    for line, text in to_run:
        print(f"running: {PAGE.name}:{line}: $ {text}")
    env = run_preparation(to_run, reader_copy, env)
    if not (reader_copy / ".env").exists():
        shutil.copyfile(reader_copy / ".env.example", reader_copy / ".env")
    assert (reader_copy / ".env").read_text() == (reader_copy / ".env.example").read_text()

    print(f"running: {PAGE.name}:{web_line}: $ {command}")
    with running_server(command, env, port=port, cwd=reader_copy, boot_timeout=90) as server:
        status, _, body = server.request("GET", "/")
        assert status == 200, f"GET / answered {status}:\n{body[:2000]!r}\n{server.log()}"
        group = process_group(server.process.pid)
        assert any("gunicorn" in args for args in group.values()), (group, server.log())
        # heroku local gave the port to the Procfile's command, as the page's output shows.
        assert "web.1" in server.log() and f"Listening at: http://[::]:{port}" in server.log(), server.log()
        for pid, args in sorted(group.items()):
            print(f"  process {pid}: {args[:100]}")
        started = time.monotonic()
        code = server.stop()
        # heroku local is gone; gunicorn (started by /bin/sh, in the same group) must go too.
        deadline = time.monotonic() + 30
        while process_group(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = process_group(server.process.pid)
        # Nor may the CLI have left anything running outside the group.
        survivors.update(live_processes(lambda group, args: str(cli_package.parent) in args))
        for pid in survivors:
            os.kill(pid, 9)
        assert not survivors, f"still running after SIGTERM to heroku local's group: {survivors}\n{server.log()}"
        print(f"heroku local answered 200 on port {port}; exit {code}; "
              f"all {len(group)} processes gone {time.monotonic() - started:.1f} s after SIGTERM")
    with pytest.raises(OSError):
        server.request("GET", "/", timeout=2)
