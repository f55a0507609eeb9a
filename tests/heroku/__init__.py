"""Heroku on this machine: the one place the checks do what Heroku does, for any project folder.

What lives where:

- deploy.py: THE deployment (build, release, loaddata, web dyno), the one
  entry point of smoke, faults, walk and bench;
- build.py: the build: the files `git push` sends (git-listed), the Python
  buildpack's refusals, the Python version, the packages from requirements.txt
  (pip) or uv.lock (uv), collectstatic in the build's environment;
- platform.py: the Procfile read as Heroku reads it, config vars, the one
  scrubbed environment, the build's and a dyno's environment, the router's
  HTTPS headers, the 30 s from SIGTERM to SIGKILL;
- cache.py: the one cache (app environments, collectstatic outputs) in .nox/heroku-cache;
- dyno.py: the release phase, one-off dynos (`heroku run`), the web dyno
  started from the Procfile's web: line exactly as written, and the checks'
  one HTTP client (request, answer);
- postgres.py: a throwaway PostgreSQL cluster (Heroku Postgres's stand-in);
- processes.py: a dyno's processes, memory, CPU time and sockets, with psutil.

On a project folder (this repository's root, or a reader's project with
manage.py at its root or one folder down; a pip app with requirements.txt,
or a uv app with pyproject.toml, uv.lock and .python-version):

    from heroku import HTTPS, DeployFailed, deploy, production_config_vars

    config = production_config_vars(DATABASE_URL="postgres://...")
    with deploy("path/to/project", config, loaddata="sample_staff") as app:  # raises DeployFailed
        status, headers, body = app.web.request("GET", "/", headers=HTTPS)
        assert app.slug.package_manager == "uv"  # or "pip"

With tests/ on sys.path (pytest.ini's pythonpath does it; tests/bench/run.py
puts it there itself). processes.py needs psutil and a uv app the `uv`
package (tests/requirements.txt pins both); the rest, only the standard library.
"""

from heroku.build import BuildRefused, DeployFailed, Slug, build, source_files, tracked_files
from heroku.deploy import Deployment, deploy
from heroku.dyno import Server, one_off, release, running_server, unused_port, web_dyno
from heroku.platform import (
    APP_HOST, HTTPS, SIGKILL_AFTER, build_environment, dyno_environment, procfile_commands, production_config_vars,
    scrubbed_environment,
)
from heroku.postgres import ThrowawayPostgres

