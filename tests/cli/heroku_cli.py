"""The installed Heroku CLI (npm heroku@11 in .nox/heroku-cli): kept inside a folder of its own, and its own parser run on argv lists."""

import json
import subprocess
from pathlib import Path

from heroku import scrubbed_environment

PARSER = Path(__file__).resolve().parent / "oclif_parse.cjs"


def isolated_cli_environment(home):
    """Variables that keep the Heroku CLI inside `home`, quiet and on this machine.

    The CLI writes its cache, its config and a git credential helper (into
    the global git config) under HOME. No telemetry, no update check and no
    background `heroku update --autoupdate`: that is a detached process of
    its own session, which SIGTERM to a process group would not reach.
    """
    for folder in ("cache", "config", "data", "runtime"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "DISABLE_TELEMETRY": "true",
        "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
        "HEROKU_DISABLE_AUTOUPDATE": "true",
    }


def cli_environment(home, app_venv=None):
    """A terminal for the Heroku CLI: heroku.scrubbed_environment(app_venv), kept inside `home`.

    Without this machine's HEROKU_* variables, which the CLI reads as flag
    defaults (HEROKU_APP is --app's), nor npm's (npm_*) from the CLI's install.
    """
    env = {name: value for name, value in scrubbed_environment(app_venv).items() if not name.startswith(("HEROKU_", "npm_"))}
    return {**env, **isolated_cli_environment(home)}


def parse(package, items):
    """The CLI's parser (node_modules/heroku `package`) on [{"argv": [command, ...], "env": {...}}].

    Returns (command ids and aliases, [{id, flags, args} or {error}]). One
    node process per call, in .nox/heroku-cli/home.
    """
    package = Path(package).resolve()  # the parser runs in another folder
    home = package.parents[1] / "home"
    done = subprocess.run(
        ["node", str(PARSER), str(package), json.dumps(items)], cwd=home,
        env=cli_environment(home), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )
    if done.returncode:
        raise RuntimeError(f"{PARSER.name} exited {done.returncode}:\n{done.stderr}")
    answer = json.loads(done.stdout)
    return answer["commands"], answer["results"]
