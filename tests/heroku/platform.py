"""What the Heroku platform gives an app: its Procfile read, config vars, the build's and a dyno's environment, the router's headers, the shutdown deadline.

Sources: Dev Center's "The Procfile", "Dynos and the Dyno Manager" (SIGTERM,
then SIGKILL 30 s later; PORT and DYNO), "HTTP Routing" (the router ends TLS
and sets X-Forwarded-Proto), and heroku/heroku-buildpack-python
(bin/steps/collectstatic, and the profile scripts that set
WEB_CONCURRENCY, FORWARDED_ALLOW_IPS and GUNICORN_CMD_ARGS on a dyno).
"""

import os
import re
import secrets
import sys
from pathlib import Path

# Heroku sends SIGTERM to every process of a dyno, and SIGKILL this many seconds later.
SIGKILL_AFTER = 30
# The Host header of an app at <name>.herokuapp.com (the example's ALLOWED_HOSTS covers it).
APP_HOST = "smoke-check.herokuapp.com"
# A request the visitor made over HTTPS, as the router passes it to the dyno: it
# ends TLS and says so in X-Forwarded-Proto. Without that header: plain HTTP.
HTTPS = {"Host": APP_HOST, "X-Forwarded-Proto": "https"}

# Variables of the machine running the checks that belong to the app's
# configuration: a dyno, or a reader's new terminal, has only those it is given.
APP_VARIABLE_PREFIXES = ("DJANGO_", "EMAIL_", "GUNICORN_")
APP_VARIABLES = ("DATABASE_URL", "DEFAULT_FROM_EMAIL", "WEB_CONCURRENCY", "PORT", "DYNO", "FORWARDED_ALLOW_IPS")
# Variables of the checks' own Python (pytest, nox's venv, conda): the app never sees them.
TOOL_VARIABLE_PREFIXES = ("PYTEST_", "PYTHON", "NOX_", "SMOKE_", "VIRTUAL_ENV", "CONDA")


def procfile_commands(project):
    """The Procfile of a project folder as {process type: command}, read as Heroku reads it."""
    commands = {}
    for line in (Path(project) / "Procfile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            commands[match.group(1)] = match.group(2).strip()
    return commands


def production_config_vars(**overrides):
    """The config vars the guide tells the reader to set with `heroku config:set`.

    DATABASE_URL is not among them: Heroku Postgres sets it. An override of
    None removes the variable.
    """
    config = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "EMAIL_HOST": "smtp.example.com", "EMAIL_HOST_USER": "calibration@example.com",
              "EMAIL_HOST_PASSWORD": "app-password", "DEFAULT_FROM_EMAIL": "calibration@example.com", **overrides}
    return {name: value for name, value in config.items() if value is not None}


def scrubbed_environment(app_venv=None, *, base=None):
    """The one environment for a process that must see only its own variables: the app's, or a reader's.

    This machine's environment (or `base`) less the app's configuration and
    the checks' Python, and without the checks' venv on PATH; `app_venv`
    first on PATH when given. Callers add exactly the variables the process
    is meant to have.
    """
    env = dict(os.environ if base is None else base)
    tools_bin = os.path.join(env.get("VIRTUAL_ENV", "/nonexistent"), "bin")
    for name in list(env):
        if name.startswith(APP_VARIABLE_PREFIXES + TOOL_VARIABLE_PREFIXES) or name in APP_VARIABLES:
            del env[name]
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry and entry not in (tools_bin, _this_python_bin())]
    if app_venv is not None:
        path.insert(0, str(Path(app_venv) / "bin"))
        env["VIRTUAL_ENV"] = str(app_venv)
    env["PATH"] = os.pathsep.join(path)
    return env


def _this_python_bin():
    """The bin folder of the Python running the checks (a venv need not have set VIRTUAL_ENV)."""
    return os.path.dirname(sys.executable) if sys.prefix != sys.base_prefix else "/nonexistent"


def build_environment(app_venv, config_vars):
    """The environment the buildpack runs collectstatic in: config vars, and no dyno.

    No PORT, DYNO or profile-script variables (a build is not a dyno), and
    PYTHONPATH=. as bin/steps/collectstatic sets it (PYTHONPATH=${PYTHONPATH:-.}).
    """
    env = scrubbed_environment(app_venv)
    env["PYTHONPATH"] = "."
    env.update(config_vars)
    return env


def dyno_environment(app_venv, config_vars, *, port=0, process_type="web"):
    """The environment of a dyno: the platform's and the buildpack's variables, then the config vars.

    The platform sets PORT and DYNO. The Python buildpack's profile scripts
    set WEB_CONCURRENCY (2 on Eco, Basic and Standard-1X),
    FORWARDED_ALLOW_IPS and GUNICORN_CMD_ARGS. Everything else comes from
    config vars. `app_venv` (the packages the build installed) is first on
    PATH; None leaves PATH as it is.
    """
    env = scrubbed_environment(app_venv)
    env.update(
        {
            "PORT": str(port),
            "DYNO": f"{process_type}.1",
            "WEB_CONCURRENCY": "2",
            "FORWARDED_ALLOW_IPS": "*",
            "GUNICORN_CMD_ARGS": "--access-logfile -",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(config_vars)
    return env
