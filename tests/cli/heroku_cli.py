"""The installed Heroku CLI (npm heroku@11 in .nox/heroku-cli): kept inside a folder of its own, and its own parser run on argv lists."""

import difflib
import json
import os
import subprocess
from functools import cached_property
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


class HerokuCLI:
    """An installed Heroku CLI (node_modules/heroku): its commands, and its parser run on argv lists."""

    def __init__(self, package_dir, home=None):
        self.package_dir = Path(package_dir).resolve()  # the parser runs in another folder
        self.version = json.loads((self.package_dir / "package.json").read_text())["version"]
        self.home = Path(home) if home else self.package_dir.parents[1] / "home"
        self._parser = None

    def parse(self, items):
        """[{"argv": [command, ...], "env": {...}}] -> (command ids and aliases, [{id, flags, args} or {error}])."""
        if self._parser is None:  # one node process answers every call: the CLI loads once
            read, self._requests = os.pipe()
            self._parser = subprocess.Popen(
                ["node", str(PARSER), str(self.package_dir), str(read)], pass_fds=(read,), cwd=self.home,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=cli_environment(self.home),
            )
            os.close(read)
        os.write(self._requests, (json.dumps(items) + "\n").encode())
        line = self._parser.stdout.readline()
        if not line:
            self._parser.wait(timeout=30)
            raise RuntimeError(f"{PARSER.name} exited {self._parser.returncode}:\n{self._parser.stderr.read()}")
        answer = json.loads(line)
        return answer["commands"], answer["results"]

    def close(self):
        """End the parser's node process."""
        if self._parser is not None:
            os.close(self._requests)
            self._parser.wait(timeout=30)
            self._parser.stdout.close()
            self._parser.stderr.close()
            self._parser = None

    @cached_property
    def commands(self):
        return set(self.parse([])[0])

    def is_command(self, word):
        return word in self.commands

    def suggest(self, word):
        close = difflib.get_close_matches(word, sorted(self.commands), n=3, cutoff=0.75)
        return f" (did you mean {' or '.join(close)}?)" if close else ""
