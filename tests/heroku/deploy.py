"""THE deployment: a project folder and its config vars in, a released, running web dyno out.

    from heroku import HTTPS, DeployFailed, deploy, production_config_vars

    config = production_config_vars(DATABASE_URL="postgres://...")
    with deploy("path/to/project", config, loaddata="sample_staff") as app:
        status, headers, body = app.web.request("GET", "/", headers=HTTPS)
        app.one_off("python example/manage.py check --deploy")  # `heroku run`
        with app.web_dyno(other_config, WEB_CONCURRENCY="1") as server:  # another dyno of this build
            ...

The steps, in Heroku's order, each raising DeployFailed (its message names
the step, the last line of its output and the fix):

1. the build (build.py): the files `git push` sends, the buildpack's
   refusals, the app's packages from its one package manager file
   (requirements.txt with pip; pyproject.toml and uv.lock with the
   buildpack's `uv sync`), on the Python it names (.python-version, or a pip
   app's runtime.txt), then collectstatic; environments and collectstatic
   outputs are made once per content in the cache;
2. the release phase: the Procfile's release: line;
3. with `loaddata`, `heroku run python MANAGE_PY loaddata FIXTURE`;
4. with `web` (the default), the Procfile's web: line, ready at its first
   200 on `/` through the router; stopped with SIGTERM on the way out.

The build folder is deleted on the way out. With tests/ on sys.path.
"""

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from heroku.build import DeployFailed, Slug, build
from heroku.dyno import Server, one_off, release, web_dyno
from heroku.platform import HTTPS
from polling import wait_until


@dataclass
class Deployment:
    """A released build, its config vars, and its running web dyno (None when deploy(web=False))."""

    slug: Slug
    config_vars: dict
    web: Server | None

    def one_off(self, command, **options):
        """`heroku run COMMAND`: a CompletedProcess (text)."""
        return one_off(self.slug, command, self.config_vars, **options)

    def web_dyno(self, config_vars=None, *, boot_timeout=60, command=None, **env_overrides):
        """Another web dyno of this build (a context manager), with other config vars or dyno variables (None removes
        one), running the Procfile's web: line or `command`."""
        config = self.config_vars if config_vars is None else config_vars
        return web_dyno(self.slug, config, env_overrides=env_overrides, boot_timeout=boot_timeout, command=command)


def wait_for_200(server, path="/", timeout=30):
    """A dyno answers as soon as gunicorn listens; it is up at its first 200 through the router."""
    def status():
        return server.request("GET", path, headers=HTTPS)[0]

    if not wait_until(lambda: status() == 200, timeout):
        raise DeployFailed(f"The web dyno (GET {path} answers {status()})", server.log(), f"It never answered 200 on {path} within {timeout} s.")


@contextlib.contextmanager
def deploy(project, config_vars, *, loaddata=None, web=True):
    """Deploy `project` with `config_vars` as Heroku would; yield a Deployment (see the module's docstring).

    `timings` on the Deployment's slug say how long each step took.
    """
    into = Path(tempfile.mkdtemp(prefix="slug-"))
    try:
        slug = build(project, None, config_vars, into=into)
        release(slug, config_vars)
        if loaddata:
            step_started = time.monotonic()
            command = f"python {slug.manage_py} loaddata {loaddata}"
            loaded = one_off(slug, command, config_vars)
            if loaded.returncode:
                raise DeployFailed(f"`heroku run {command}` (exit {loaded.returncode})", loaded.stdout + loaded.stderr,
                                   f"The fixture {loaddata} must load into the migrated database.")
            slug.timings["heroku run: loaddata"] = time.monotonic() - step_started
        if not web:
            yield Deployment(slug, config_vars, None)
            return
        step_started = time.monotonic()
        with web_dyno(slug, config_vars) as server:
            wait_for_200(server)
            slug.timings["web: process start to first 200"] = time.monotonic() - step_started
            yield Deployment(slug, config_vars, server)
    finally:
        shutil.rmtree(into, ignore_errors=True)

