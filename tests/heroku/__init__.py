"""Heroku on this machine: the one place the checks do what Heroku does, for any project folder.

What lives where:

- platform.py: the Procfile read as Heroku reads it, config vars, the
  build's and a dyno's environment, the router's HTTPS headers, the 30 s
  from SIGTERM to SIGKILL;
- build.py: THE build: the files `git push` sends (git-listed), the Python
  buildpack's refusals, collectstatic in the build's environment, cached;
- dyno.py: the release phase, one-off dynos (`heroku run`), and the web
  dyno started from the Procfile's web: line exactly as written;
- postgres.py: a throwaway PostgreSQL cluster (Heroku Postgres's stand-in);
- processes.py: a dyno's processes, memory and CPU time, with psutil.

On a project folder (this repository's root, or a reader's project with
manage.py at its root or one folder down), given a virtual environment made
from that project's requirements.txt alone:

    from heroku import HTTPS, build, production_config_vars, release, web_dyno

    config = production_config_vars(DATABASE_URL="postgres://...")
    slug = build("path/to/project", "path/to/app-venv", config)  # raises BuildRefused, BuildFailed
    try:
        release(slug, config)  # the Procfile's release: line
        with web_dyno(slug, config) as server:
            status, headers, body = server.request("GET", "/", headers=HTTPS)
    finally:
        shutil.rmtree(slug.path)

With tests/ on sys.path (pytest.ini's pythonpath does it). A nox session,
which imports nothing from tests/, runs the build as a program instead:

    PYTHONPATH=tests python -m heroku build PROJECT --venv APP_VENV --into FOLDER

processes.py needs psutil (tests/requirements.txt pins it); the rest, only the standard library.
"""

from heroku.build import BuildFailed, BuildRefused, Slug, build, source_files, tracked_files
from heroku.dyno import Server, one_off, release, running_server, unused_port, web_dyno
from heroku.platform import (
    APP_HOST,
    HTTPS,
    SIGKILL_AFTER,
    build_environment,
    dyno_environment,
    procfile_commands,
    production_config_vars,
)
from heroku.postgres import ThrowawayPostgres

__all__ = [
    "APP_HOST", "HTTPS", "SIGKILL_AFTER", "BuildFailed", "BuildRefused", "Server", "Slug",
    "ThrowawayPostgres", "build", "build_environment", "dyno_environment", "one_off",
    "procfile_commands", "production_config_vars", "release", "running_server", "source_files",
    "tracked_files", "unused_port", "web_dyno",
]
