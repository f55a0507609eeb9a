"""The built app the fault checks start: where it is, and how a dyno runs it.

`nox -s faults` builds the app as Heroku does (a venv with only
requirements.txt, a copy of the repository, collectstatic) and passes:

- SLUG: the built copy, holding the Procfile and example/ with staticfiles/;
- APP_BIN: the bin folder of the app's venv, put first on the dyno's PATH so
  the Procfile's `gunicorn` and `python` are the app's, not the checks'.

Everything else (pytest) lives in the session's own venv: on Heroku, too, the
slug holds none of the tools that probe it.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from dyno import ROOT, dyno_environment

SLUG = Path(os.environ.get("SLUG", ROOT))
APP_BIN = Path(os.environ.get("APP_BIN", Path(sys.executable).parent))
# Test-only settings modules (each imports staff.settings and changes one thing).
VARIANTS = Path(__file__).resolve().parent / "variants"
# What Heroku's router adds to every request that reached it over HTTPS.
HTTPS = {"X-Forwarded-Proto": "https"}

_report = []


def report(line):
    """A line for the summary at the end of the run (figures the checks measured)."""
    _report.append(line)


def app_environment(port, config_vars, **dyno_overrides):
    """A dyno's environment for the built app, with the app's venv first on PATH."""
    env = dyno_environment(port, config_vars)
    env["PATH"] = f"{APP_BIN}{os.pathsep}{env['PATH']}"
    # Test-only settings variants are importable by name.
    env["PYTHONPATH"] = str(VARIANTS)
    env.update(dyno_overrides)
    return env


def manage(*args, env, timeout=60):
    """Run the built app's manage.py with the app's Python, as a one-off dyno would."""
    return subprocess.run(
        [str(APP_BIN / "python"), "example/manage.py", *args],
        cwd=SLUG,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def worker_pids(server):
    """The gunicorn workers: the children of the master the Procfile's bash line became."""
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_kib(pid):
    """Resident memory of a process, from /proc, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))


def hashed_static_path(name):
    """The URL path of a collected file under its hashed name, from the build's manifest."""
    manifest = json.loads((SLUG / "example" / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"][name]
