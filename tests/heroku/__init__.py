"""Heroku on this machine: the one place the checks do what Heroku does, for any project folder.

What lives where:

- deploy.py: THE deployment (the app's environment, build, release,
  loaddata, web dyno), the one entry point of smoke, faults, walk and bench;
- platform.py: the Procfile read as Heroku reads it, config vars, the one
  scrubbed environment, the build's and a dyno's environment, the router's
  HTTPS headers, the 30 s from SIGTERM to SIGKILL;
- build.py: the build: the files `git push` sends (git-listed), the Python
  buildpack's refusals, collectstatic in the build's environment;
- cache.py: the one cache (app environments, collectstatic outputs) in .nox/heroku-cache;
- dyno.py: the release phase, one-off dynos (`heroku run`), and the web
  dyno started from the Procfile's web: line exactly as written;
- postgres.py: a throwaway PostgreSQL cluster (Heroku Postgres's stand-in);
- processes.py: a dyno's processes, memory and CPU time, with psutil.

On a project folder (this repository's root, or a reader's project with
manage.py at its root or one folder down):

    from heroku import HTTPS, DeployFailed, deploy, production_config_vars

    config = production_config_vars(DATABASE_URL="postgres://...")
    with deploy("path/to/project", config, loaddata="sample_staff") as app:  # raises DeployFailed
        status, headers, body = app.web.request("GET", "/", headers=HTTPS)

With tests/ on sys.path (pytest.ini's pythonpath does it; tests/bench/run.py
puts it there itself).

processes.py needs psutil (tests/requirements.txt pins it); the rest, only the standard library.
"""

from heroku.build import BuildRefused, DeployFailed, Slug, build, source_files, tracked_files
from heroku.deploy import Deployment, app_venv, deploy
from heroku.dyno import Server, one_off, release, running_server, unused_port, web_dyno
from heroku.platform import (
    APP_HOST,
    HTTPS,
    SIGKILL_AFTER,
    build_environment,
    dyno_environment,
    procfile_commands,
    production_config_vars,
    scrubbed_environment,
)
from heroku.postgres import ThrowawayPostgres

__all__ = [
    "APP_HOST", "HTTPS", "SIGKILL_AFTER", "BuildRefused", "DeployFailed", "Deployment", "Server", "Slug",
    "ThrowawayPostgres", "app_venv", "build", "build_environment", "deploy", "dyno_environment", "one_off",
    "procfile_commands", "production_config_vars", "release", "running_server", "scrubbed_environment",
    "source_files", "tracked_files", "unused_port", "web_dyno",
]
