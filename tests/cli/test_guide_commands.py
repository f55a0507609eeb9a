"""The command checker finds commands where pages write them and names the page and line of each mistake; then
every `heroku` command of the guide, checked.

The fixture pages (fixture/): deploy.rst, right, and the settings.py it
includes with two mistakes; mistakes.rst, one mistake a command.
"""

from pathlib import Path

import pytest
from guide_commands import WHERE_PLANS, Guide, relative
from pages import guide_pages

FIXTURE = Path(__file__).resolve().parent / "fixture"
SECRET = "DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"


@pytest.fixture(scope="module")
def fixture_guide(cli_package):
    return Guide(cli_package, [FIXTURE / "deploy.rst", FIXTURE / "mistakes.rst"])


def test_every_command_is_found_where_it_is_written(fixture_guide):
    found = [(item.where(), item.kind, item.argv) for item in fixture_guide.found if item.page.name == "deploy.rst"]
    page, settings = "tests/cli/fixture/deploy.rst", "tests/cli/fixture/settings.py"
    assert found == [
        (f"{page}:4", "mention", ["heroku", "create"]),
        (f"{page}:12", "command", ["heroku", "create"]),
        (f"{page}:14", "command", ["heroku", "addons:create", "heroku-postgresql:essential-0"]),
        (f"{page}:15", "command", ["heroku", "config:set", SECRET]),
        (f"{page}:16", "command", ["heroku", "run", "--exit-code", "--", "python", "example/manage.py", "check", "--deploy"]),
        (f"{page}:17", "command", ["heroku", "ps:scale", "web=1:basic", "--app", "my-app"]),  # a `\` continuation
        (f"{page}:19", "command", ["heroku", "logs", "--tail"]),
        (f"{page}:20", "command", ["heroku", "open", "-a", "x"]),
        (f"{page}:21", "command", ["heroku", "local", "web", "-p", "5001"]),
        (f"{page}:22", "command", ["heroku", "config:set", "DATABASE_COPY=$(heroku config:get DATABASE_URL -a my-app)"]),  # one word
        (f"{page}:28", "command", ["heroku", "config:set", SECRET]),
        (f"{page}:29", "command", ["heroku", "logs", "-n", "200", "--app=my-app"]),  # a PowerShell continuation
        (f"{page}:32", "mention", ["heroku", "logs"]),  # running text: as far as the sentence names flags
        (f"{page}:32", "command", ["heroku", "logs", "--tail"]),
        (f"{page}:33", "command", ["heroku", "config:get", "DATABASE_URL"]),
        (f"{settings}:1 (shown by {page})", "command", ["heroku", "config:set", "WEB_CONCURRENCY=3"]),  # comments
        (f"{settings}:5 (shown by {page})", "command", ["heroku", "config:set", SECRET]),
        (f"{settings}:7 (shown by {page})", "command", ["heroku", "config:fetch", "DATABASE_URL"]),  # strings
        (f"{settings}:9 (shown by {page})", "mention", ["heroku", "runn"]),
    ]
    assert [item.env for item in fixture_guide.found if item.env] == [{"PORT": "5001"}]
    assert [item.where() for item in fixture_guide.sources] == [f"{page}:12"]
    assert [(path.name, line, name) for path, line, name, _ in fixture_guide.plans] == [
        ("deploy.rst", 14, "heroku-postgresql:essential-0"), ("mistakes.rst", 13, "heroku-postgresql:essential-0"),
        ("mistakes.rst", 15, "heroku-postgresql:hobby-dev"), ("mistakes.rst", 16, "heroku-postgresql:essential-9"),
    ]


def test_what_else_fails(fixture_guide):
    """Each mistake of the fixture pages at its file and line, and no other problem."""
    print("\n".join(fixture_guide.problems))
    settings, mistakes = "settings.py:{} (shown by tests/cli/fixture/deploy.rst)", "mistakes.rst:{}"
    cli = f"is not a command of the Heroku CLI {fixture_guide.version}"
    expected = [
        (settings.format(7), f"`config:fetch` {cli}"),
        (settings.format(9), f"`runn` {cli} (did you mean run?)"),
        (mistakes.format(11), "`heroku ps:scale web=1:basic --application my-app`: `heroku ps:scale`: Nonexistent flag: --application"),
        (mistakes.format(13), f"`addon:create` {cli} (did you mean addons:create"),
        (mistakes.format(14), "`heroku addons:create`: Missing 1 required arg: service:plan"),
        (mistakes.format(15), "`heroku addons:create heroku-postgresql:hobby-dev`: plan heroku-postgresql:hobby-dev is retired: use essential-0"),
        (mistakes.format(15), f"`heroku-postgresql:hobby-dev`: plan heroku-postgresql:hobby-dev is retired: use essential-0 (free plans ended 2022-11-28) ({WHERE_PLANS})"),
        (mistakes.format(16), "`heroku addons:create heroku-postgresql:essential-9`: plan heroku-postgresql:essential-9 is not a current plan"),
        (mistakes.format(16), "`heroku-postgresql:essential-9`: plan heroku-postgresql:essential-9 is not a current plan"),
        (mistakes.format(17), "dyno size hobby is retired: use basic"),
        (mistakes.format(18), "`heroku logs`: Unexpected argument: extra"),
        (mistakes.format(19), "`heroku logs`: Flag --num expects a value"),
        (mistakes.format(20), "`heroku config:set` needs KEY=VALUE arguments"),
        (mistakes.format(21), "`heroku run` needs a command to run"),
        (mistakes.format(22), "`heroku run`: Nonexistent flag: --deploy: the CLI reads every word starting with a dash before `--`"),
        (mistakes.format(23), "`heroku config:set WEB_CONCURRENCY=\"3`: the command is not finished (No closing quotation)"),
        (mistakes.format(28), "`heroku logs --lines 200 --app=my-app`: `heroku logs`: Nonexistent flag: --lines"),
        (mistakes.format(31), "`missing.py`: included file does not exist"),
    ]
    assert len(fixture_guide.problems) == len(expected)
    for problem, (where, message) in zip(fixture_guide.problems, expected):
        assert problem.startswith(f"tests/cli/fixture/{where}: ") and message in problem, (where, message, problem)


def test_without_a_page_that_adds_the_git_remote_a_command_needs_app(cli_package):
    problems = Guide(cli_package, [FIXTURE / "mistakes.rst"]).problems
    assert "tests/cli/fixture/mistakes.rst:24: `heroku config:set WEB_CONCURRENCY=3`: `heroku config:set` needs --app (or --remote)" \
        ": give it, or show `heroku create` or `heroku git:remote` in the guide so the app comes from the `heroku` git remote" in problems


def test_every_heroku_command_in_the_guide(cli_package):
    """The guide's pages: each command found (printed, with -rP), and no problem."""
    guide = Guide(cli_package, guide_pages())
    for item in guide.found:
        print(f"  {item.kind:<8} {item.where()}: {item.text}")
    for path, line, name, page in guide.plans:
        print(f"  plan     {relative(path)}:{line}: {name}")
    for source in guide.sources[:1]:
        print(f"A required --app comes from the `heroku` git remote that `{source.text}` adds ({source.where()}).")
    parsed = sum(item.kind == "command" for item in guide.found)
    print(
        f"checked {len(guide.found)} `heroku` commands against Heroku CLI {guide.version} ({parsed} parsed, "
        f"{len(guide.found) - parsed} mentioned by name) in {len({item.path for item in guide.found})} files, "
        f"and {len(guide.plans)} plan names against {WHERE_PLANS}: {len(guide.problems)} problem(s)"
    )
    assert not guide.problems, "\n".join(guide.problems)
