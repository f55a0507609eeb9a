"""The command checker finds commands where the guide writes them and names the page and line of a mistake."""

import subprocess
import textwrap
import types

import pytest
from guide_commands import Finder, check_guide, simple_commands
from heroku_cli import cli_environment

PAGE = """\
Deploy
======

Create the app; ``heroku create`` also adds the ``heroku`` git remote.

.. tabs::

   .. group-tab:: macOS and Linux

      .. code-block:: console

         $ heroku create
         Creating app... done, ⬢ shrouded-falls-12345
         $ heroku addons:create heroku-postgresql:essential-0
         $ heroku config:set DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
         $ git push heroku main && heroku run --exit-code -- python example/manage.py check --deploy
         $ heroku ps:scale web=1:basic \\
             --app my-app
         $ heroku logs --tail

   .. group-tab:: Windows

      .. code-block:: ps1con

         PS> heroku config:set DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
         PS> heroku logs `
         >>   -n 200 --app=my-app

.. literalinclude:: ../example/settings.py
   :language: python
   :start-after: [start:x]
"""

SETTINGS = '''\
import os
# [start:x]
# Set it with `heroku config:set
# WEB_CONCURRENCY=3`.
raise SystemExit(
    "Set the key:\\n"
    "  heroku config:set DJANGO_SECRET_KEY="
    "\\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\\"\\n"
    "or compare with: heroku config:get DATABASE_URL"
)
# the `heroku run` output shows it
'''


@pytest.fixture
def guide(tmp_path):
    """A small guide: docs/deploy.rst including example/settings.py."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "example").mkdir()
    (tmp_path / "docs" / "deploy.rst").write_text(PAGE)
    (tmp_path / "example" / "settings.py").write_text(SETTINGS)

    def edit(path, old, new):
        target = tmp_path / path
        text = target.read_text()
        assert old in text, old
        target.write_text(text.replace(old, new, 1))

    return types.SimpleNamespace(docs=tmp_path / "docs", edit=edit)


def line_of(path, needle):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_the_fixture_guide_passes_and_every_command_is_found(guide, cli):
    report = check_guide(guide.docs, cli)
    assert [str(p) for p in report.problems] == []
    texts = [(item.path.name, item.line, " ".join(item.argv[:2]), item.kind) for item in report.found]
    page = guide.docs / "deploy.rst"
    assert texts == [
        ("deploy.rst", 4, "heroku create", "mention"),
        ("deploy.rst", line_of(page, "$ heroku create"), "heroku create", "command"),
        ("deploy.rst", line_of(page, "addons:create"), "heroku addons:create", "command"),
        ("deploy.rst", line_of(page, "$ heroku config:set"), "heroku config:set", "command"),
        ("deploy.rst", line_of(page, "git push"), "heroku run", "command"),
        ("deploy.rst", line_of(page, "ps:scale"), "heroku ps:scale", "command"),
        ("deploy.rst", line_of(page, "$ heroku logs"), "heroku logs", "command"),
        ("deploy.rst", line_of(page, "PS> heroku config:set"), "heroku config:set", "command"),
        ("deploy.rst", line_of(page, "PS> heroku logs"), "heroku logs", "command"),
        ("settings.py", 3, "heroku config:set", "command"),
        ("settings.py", 7, "heroku config:set", "command"),
        ("settings.py", 9, "heroku config:get", "command"),
        ("settings.py", 11, "heroku run", "mention"),
    ]
    continued = [item for item in report.found if item.argv[1] == "ps:scale"][0]
    assert continued.argv == ["heroku", "ps:scale", "web=1:basic", "--app", "my-app"]
    windows = [item for item in report.found if "--app=my-app" in item.argv]
    assert [item.argv for item in windows] == [["heroku", "logs", "-n", "200", "--app=my-app"]]
    assert windows[0].text == "heroku logs -n 200 --app=my-app"
    assert len(report.plans) == 1 and report.sources[0].argv == ["heroku", "create"]


def test_a_renamed_flag_fails_naming_the_page_and_line(guide, cli):
    guide.edit("docs/deploy.rst", "--app my-app", "--application my-app")
    line = line_of(guide.docs / "deploy.rst", "$ heroku ps:scale")  # the command goes on to the next line
    problems = [str(p) for p in check_guide(guide.docs, cli).problems]
    print("\n".join(problems))
    assert len(problems) == 1
    assert f"deploy.rst:{line}: `heroku ps:scale web=1:basic --application my-app`: " in problems[0]
    assert "Nonexistent flag: --application" in problems[0]


def test_a_renamed_command_fails_naming_the_page_and_line(guide, cli):
    guide.edit("docs/deploy.rst", "heroku addons:create", "heroku addon:create")
    line = line_of(guide.docs / "deploy.rst", "addon:create")
    problems = [str(p) for p in check_guide(guide.docs, cli).problems]
    print("\n".join(problems))
    assert len(problems) == 1
    assert f"deploy.rst:{line}: `heroku addon:create heroku-postgresql:essential-0`: " in problems[0]
    assert "`addon:create` is not a command of the Heroku CLI" in problems[0]
    assert "did you mean addons:create" in problems[0]


def test_a_mistake_in_an_included_file_names_that_file_and_the_page(guide, cli):
    guide.edit("example/settings.py", "heroku config:get DATABASE_URL", "heroku config:fetch DATABASE_URL")
    guide.edit("example/settings.py", "`heroku run`", "`heroku runn`")
    problems = [str(p) for p in check_guide(guide.docs, cli).problems]
    print("\n".join(problems))
    assert len(problems) == 2
    assert "settings.py:9 (shown by " in problems[0] and "deploy.rst)" in problems[0]
    assert "`config:fetch` is not a command" in problems[0]
    assert "settings.py:11 " in problems[1] and "`runn` is not a command" in problems[1]


def test_a_flag_moved_into_a_windows_continuation_line_is_checked(guide, cli):
    guide.edit("docs/deploy.rst", "-n 200 --app=my-app", "--lines 200 --app=my-app")
    line = line_of(guide.docs / "deploy.rst", "PS> heroku logs")
    problems = [str(p) for p in check_guide(guide.docs, cli).problems]
    assert len(problems) == 1 and f"deploy.rst:{line}: " in problems[0]
    assert "Nonexistent flag: --lines" in problems[0]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("heroku addons:create heroku-postgresql:essential-0", "heroku addons:create",
         "`heroku addons:create`: Missing 1 required arg: service:plan"),
        ("heroku-postgresql:essential-0", "heroku-postgresql:hobby-dev",
         "plan heroku-postgresql:hobby-dev is retired: use essential-0"),
        ("heroku-postgresql:essential-0", "heroku-postgresql:essential-9",
         "plan heroku-postgresql:essential-9 is not a current plan"),
        ("web=1:basic", "web=1:hobby", "dyno size hobby is retired"),
        ("$ heroku logs --tail", "$ heroku logs --tail extra", "`heroku logs`: Unexpected argument: extra"),
        ("$ heroku logs --tail", "$ heroku logs --num", "`heroku logs`: Flag --num expects a value"),
        ('$ heroku config:set DJANGO_SECRET_KEY="', '$ heroku config:set "', "needs KEY=VALUE arguments"),
        ("heroku run --exit-code -- python example/manage.py check --deploy", "heroku run --exit-code",
         "`heroku run` needs a command to run"),
        ("heroku run --exit-code -- python", "heroku run --exit-code python",
         "`heroku run`: Nonexistent flag: --deploy: the CLI reads every word starting with a dash before `--`"),
        ("$ heroku create\n", "$ heroku create --no-remote\n", "`heroku config:set` needs --app (or --remote)"),
    ],
    ids=[
        "missing-argument", "retired-plan", "unknown-plan", "retired-dyno-size", "extra-argument",
        "flag-without-value", "config-set-without-key", "run-without-command", "run-without-dashdash",
        "no-git-remote",
    ],
)
def test_what_else_fails(guide, cli, old, new, message):
    guide.edit("docs/deploy.rst", old, new)
    problems = [str(p) for p in check_guide(guide.docs, cli).problems]
    assert any(message in p for p in problems), problems


def test_shell_words():
    assert simple_commands("cd app && heroku open -a x; echo done | cat") == [
        ["cd", "app"], ["heroku", "open", "-a", "x"], ["echo", "done"], ["cat"],
    ]
    assert simple_commands('heroku config:set A="$(heroku config:get B -a x)"') == [
        ["heroku", "config:set", "A=$(heroku config:get B -a x)"]
    ]
    assert simple_commands("PORT=1 heroku local web -p 5 # a comment") == [["PORT=1", "heroku", "local", "web", "-p", "5"]]


def test_running_text_stops_where_the_sentence_goes_on():
    finder = Finder(lambda word: word in {"logs", "run"})
    text = textwrap.dedent(
        """\
        Run heroku logs to see it, or heroku logs --tail. Then git push heroku main.
        Compare it with: heroku config:get DATABASE_URL
        """
    )
    finder.running_text("x.txt", text, [1], "x.txt")
    assert [(f.line, f.argv, f.kind) for f in finder.found] == [
        (1, ["heroku", "logs"], "mention"),
        (1, ["heroku", "logs", "--tail"], "command"),
        (2, ["heroku", "config:get", "DATABASE_URL"], "command"),
    ]


def test_the_installed_cli_runs(cli_package, tmp_path):
    """`heroku --version`, with the CLI kept inside a folder of its own."""
    done = subprocess.run(
        [str(cli_package.parent / ".bin" / "heroku"), "--version"],
        env=cli_environment(tmp_path),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("heroku/"), done.stdout + done.stderr
    print(done.stdout.strip())
