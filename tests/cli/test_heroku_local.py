"""The guide's local step, run for real: `heroku local web` as the page shows it, in a copy of what the reader has.

The command is read from the page (docs/steps/09-test-locally.rst, by
tests/pages.py): its POSIX console line that runs `heroku local ... web`, run
exactly as written except for the port, which becomes an unused one. Before
it, in the same bash as in the reader's one terminal, run the page's own
console lines above it that prepare rather than serve: `export`, `unset`,
`cp`, `python example/manage.py migrate` (or loaddata, collectstatic,
createcachetable, check) and `heroku local:run ...`; so `heroku local`
starts in the environment and with the `.env` they leave. Everything else
is listed as skipped: servers that never end (runserver), and the virtual
environment and `pip install`, which nox provides (the session's Python,
with requirements.txt installed, is first on PATH).

The copy holds the repository's files a reader's clone has for running the
app (Procfile, requirements.txt, runtime.txt, .env.example, example/, as
git lists them, so no database, `.env` or collected static files come
along). The Heroku CLI runs with its own HOME, git config and XDG folders
inside the copy: it writes a git credential helper to the global git config
on every command, and that must not reach this machine's.
"""

import os
import re
import sys
import time
from pathlib import Path

import pytest
from guide_commands import heroku_argv, simple_commands
from heroku_cli import cli_environment, parse
from heroku import procfile_commands, running_server, unused_port
from heroku.build import copy_source
from heroku.processes import live_processes, process_group
from pages import POSIX_CONSOLES, read_page
from polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
# GUIDE_LOCAL_PAGE lets a writer try a draft page; the session uses the guide's.
PAGE = Path(os.environ.get("GUIDE_LOCAL_PAGE", ROOT / "docs" / "steps" / "09-test-locally.rst"))
PORT_FLAG = re.compile(r"(?<!\S)(--port=|--port\s+|-p\s*)(\S+)")
READER_FILES = ("Procfile", "requirements.txt", "runtime.txt", ".python-version", ".env.example", "example")
# manage.py commands that prepare the database or files and then end; runserver never ends.
PREPARING_MANAGE_COMMANDS = {"migrate", "loaddata", "collectstatic", "createcachetable", "check"}


def page_commands(cli_package):
    """The page's POSIX console commands: [(command, heroku command id or None, its arguments)], heroku's parsed by the CLI."""
    if not PAGE.is_file():
        pytest.fail(f"{PAGE} does not exist")
    commands = [command for block in read_page(PAGE).blocks if block.language in POSIX_CONSOLES for command in block.commands()]
    argvs = [(heroku_argv((simple_commands(command.text) or [[]])[0]) or [["heroku"]])[0][1:] for command in commands]
    _, results = parse(cli_package, [{"argv": argv} for argv in argvs])  # [] (not heroku): "not a command"
    return [(command, result.get("id"), result.get("args", [])) for command, result in zip(commands, results)]


def test_heroku_local_web_serves_the_home_page_and_stops_on_sigterm(cli_package, tmp_path):
    commands, name = page_commands(cli_package), os.path.relpath(PAGE, ROOT)
    web = [command for command, cid, args in commands if cid == "local" and "web" in args]
    if not web:
        pytest.fail(f"{name} shows no `heroku local web` command in a console block "
                    "(`$ heroku local web --port 5001`): the session runs the command the page shows")
    if len({command.text for command in web}) > 1:
        pytest.fail(f"{name} shows different `heroku local web` commands: {sorted({command.text for command in web})}")
    port = unused_port()
    serve, count = PORT_FLAG.subn(lambda match: match.group(1) + str(port), web[0].text)
    if count != 1:
        pytest.fail(f"`{web[0].text}` on {name} should give the port once (--port N or -p N): the session runs it on an unused port")
    script = ["set -e"]
    for command, cid, _ in commands:
        words = command.words()
        program = Path(words[0]).name if words else ""
        manage = words[words.index("example/manage.py") + 1:] if "example/manage.py" in words else []
        prepares = (
            program in ("export", "unset", "cp") or cid == "local:run"
            or program.startswith("python") and manage and manage[0] in PREPARING_MANAGE_COMMANDS
        )
        if command.line < web[0].line:
            print(f"{'running' if prepares else 'skipped'}: {PAGE.name}:{command.line}: $ {command.text}")
            script += [command.text] if prepares else []
    print(f"running: {PAGE.name}:{web[0].line}: $ {serve}")

    copy = copy_source(ROOT, tmp_path / "project", READER_FILES)
    assert "gunicorn" in procfile_commands(copy)["web"]
    env = cli_environment(tmp_path / "home", app_venv=sys.prefix)
    venv_bin, rest = env["PATH"].split(os.pathsep, 1)  # the reader's shell: the project's Python, then the CLI
    env["PATH"] = os.pathsep.join([venv_bin, str(cli_package.parent / ".bin"), rest])
    with running_server("\n".join([*script, serve]), env, port=port, cwd=copy, boot_timeout=90, what=f"{name}'s commands") as server:
        assert (copy / ".env").read_text() == (copy / ".env.example").read_text(), "the page's commands make .env from .env.example"
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
        wait_until(lambda: not process_group(server.process.pid), 30, every=0.2)
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
