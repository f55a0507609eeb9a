"""THE build: what `git push heroku main` makes of a project folder, as Heroku's Python buildpack makes it.

build() copies the files `git push` would send, applies the buildpack's
refusals (each raises BuildRefused with the buildpack's reason, in our
words), and runs collectstatic as bin/steps/collectstatic runs it, in the
build's environment (config vars, no dyno). The packages come from a
virtual environment the caller made from the project's requirements.txt
alone (`nox` makes it; the walk has the reader make it).

tests/smoke/test_buildpack.py runs each refusal against scratch trees.

Sources: heroku/heroku-buildpack-python, lib/package_manager.sh (several
package manager files are an error since v325), the committed-virtualenv
check (v324) and bin/steps/collectstatic (how manage.py is found, and the
command it runs).
"""

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from heroku.cache import COMPLETE, cached, digest
from heroku.platform import build_environment, procfile_commands

# The files by which the buildpack recognises a package manager, in the app root.
PACKAGE_MANAGER_FILES = {
    "Pipfile.lock": "Pipenv",
    "requirements.txt": "pip",
    "poetry.lock": "Poetry",
    "uv.lock": "uv",
}
# Virtual environments the buildpack refuses to find in the app's source.
VIRTUALENV_DIRS = (".venv", "venv")
# bin/steps/collectstatic: find . -maxdepth 3 -type f -name manage.py
MANAGE_PY_MAX_DEPTH = 3


class DeployFailed(Exception):
    """A step of the deployment failed, as it would on Heroku: the message names the step, its output's last line and the fix."""

    def __init__(self, step, output="", fix=""):
        self.step, self.output, self.fix = step, output, fix
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        cause = f": {lines[-1]}" if lines else ""  # the exception, usually
        details = f"\n--- output ---\n{output}" if output else ""
        super().__init__(f"{step} failed, as it would on Heroku{cause}\nFix: {fix}{details}")


class BuildRefused(DeployFailed):
    """The buildpack would stop the build here; the message is its reason and the fix."""

    def __init__(self, reason):
        super().__init__("The build", fix=reason)


def package_manager(root):
    """The one package manager the app uses ("pip"), or BuildRefused if there are none or several."""
    root = Path(root)
    found = [f"{name} ({tool})" for name, tool in PACKAGE_MANAGER_FILES.items() if (root / name).is_file()]
    if (root / "Pipfile").is_file() and not (root / "Pipfile.lock").is_file():
        found.insert(0, "Pipfile (Pipenv)")  # a Pipfile alone counts as Pipenv too
    if not found:
        raise BuildRefused(
            "No Python package manager file found: the app root needs a requirements.txt "
            "(or a Pipfile.lock, poetry.lock or uv.lock). The buildpack stops the build here."
        )
    if len(found) > 1:
        raise BuildRefused(
            "Multiple Python package manager files were found in the app root: "
            + ", ".join(found)
            + ". The buildpack needs exactly one and stops the build: keep requirements.txt "
            "(the guide's choice) and delete the others."
        )
    return found[0].split(" (")[1].rstrip(")")


def committed_virtualenvs(root):
    """Refuse a virtual environment in the app's source, as the buildpack does."""
    root = Path(root)
    found = [name for name in VIRTUALENV_DIRS if (root / name).is_dir()]
    if found:
        raise BuildRefused(
            f"A virtual environment is part of the app's source: {', '.join(f'{n}/' for n in found)}. "
            "Its Python and packages belong to your machine, not to a dyno, so the buildpack "
            "stops the build. Remove it from git (git rm -r --cached "
            f"{found[0]}) and keep it listed in .gitignore."
        )


def find_manage_py(root):
    """manage.py as the buildpack finds it: the shallowest within three folders, as a relative path.

    None when there is none (the buildpack then skips collectstatic). Two at
    the shallowest depth are refused here: the buildpack would silently pick
    the first in sort order, and the guide's build would depend on a name.
    """
    root = Path(root)
    by_depth = {}
    for path in root.rglob("manage.py"):
        relative = path.relative_to(root)
        depth = len(relative.parts)  # find's %d: ./manage.py is depth 1
        if depth <= MANAGE_PY_MAX_DEPTH and path.is_file():
            by_depth.setdefault(depth, []).append(relative.as_posix())
    if not by_depth:
        return None
    shallowest = sorted(by_depth[min(by_depth)])
    if len(shallowest) > 1:
        raise BuildRefused(
            f"Several manage.py files at the same depth: {', '.join(shallowest)}. "
            f"The buildpack runs collectstatic with the first in sort order ({shallowest[0]}), "
            "whichever project that is: keep one."
        )
    return shallowest[0]


def _git_ls_files(root, *options, paths=()):
    listed = subprocess.run(
        ["git", "ls-files", "-z", *options, "--", *paths], cwd=root, capture_output=True, check=True, timeout=30,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and (Path(root) / name).is_file()})


def tracked_files(root, paths=()):
    """The files git tracks in `root` (under `paths`, if given): what a commit holds."""
    return _git_ls_files(root, "--cached", paths=paths)


def source_files(root, paths=()):
    """The files `git push` would send once committed: tracked files, plus new ones git does not ignore.

    Outside a git checkout, every file except .git and .nox.
    """
    root = Path(root)
    if shutil.which("git") and (root / ".git").exists():
        return _git_ls_files(root, "--cached", "--others", "--exclude-standard", paths=paths)
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).parts[0] not in (".git", ".nox")
        and (not paths or any(path.relative_to(root).as_posix().startswith(p) for p in paths))
    )


def copy_source(root, destination, paths=()):
    """Copy the files `git push` would send (under `paths`, if given) into `destination`."""
    root, destination = Path(root), Path(destination)
    _copy_files(root, destination, source_files(root, paths))
    return destination


def check_source(root):
    """Every refusal above, in the buildpack's order; returns manage.py's relative path."""
    package_manager(root)
    committed_virtualenvs(root)
    return find_manage_py(root)


@dataclass
class Slug:
    """A built project folder and the environment whose packages it runs with."""

    path: Path  # the build folder: the pushed files plus what collectstatic wrote
    app_venv: Path  # the virtual environment made from requirements.txt alone
    manage_py: str | None  # relative, as the buildpack found it; None: no Django project
    collectstatic_output: str = ""  # what collectstatic printed (kept with its files in the cache)
    timings: dict = field(default_factory=dict)  # step: seconds

    def procfile(self):
        return procfile_commands(self.path)

    def hashed_static_path(self, name):
        """The URL path of a collected file under its hashed name, from the manifest collectstatic wrote."""
        manifest = self.path / Path(self.manage_py).parent / "staticfiles" / "staticfiles.json"
        return "/static/" + json.loads(manifest.read_text())["paths"][name]


def run_step(command, env, cwd, timeout=180):
    """Run a build or release command through bash, as Heroku does: (exit code, output)."""
    try:
        result = subprocess.run(
            ["bash", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise DeployFailed(f"`{command}`", (error.stdout or b"").decode(errors="replace"), f"It ran over {timeout} s.")
    return result.returncode, result.stdout.decode(errors="replace")


def _files_under(folder):
    return {path.relative_to(folder) for path in Path(folder).rglob("*") if path.is_file()}


def _copy_files(source, destination, names):
    for name in names:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination / name)


CACHE_OUTPUT = ".collectstatic-output"


def build(project, app_venv, config_vars, *, into=None):
    """Build `project` (any folder holding the app: a git checkout or a plain folder) as Heroku would.

    1. copy the files `git push` would send into `into` (default: a new
       temporary folder, readable by every user);
    2. the buildpack's refusals (BuildRefused);
    3. collectstatic, if the buildpack finds a manage.py within three
       folders: `python <manage.py> collectstatic --noinput --traceback`
       through bash in the build folder, in build_environment() (config vars,
       PYTHONPATH=., no dyno variables). A failure raises DeployFailed.

    collectstatic's output is kept in the one cache (cache.py) and used again
    while every pushed file and the app's environment are the same.
    Returns a Slug; the caller deletes its folder.
    """
    started = time.monotonic()
    into = Path(into) if into else Path(tempfile.mkdtemp(prefix="slug-"))
    into.mkdir(parents=True, exist_ok=True)
    into.chmod(0o755)  # the bench's nginx serves it as another user
    copy_source(project, into)
    manage_py = check_source(into)
    slug = Slug(into, Path(app_venv), manage_py)
    if manage_py is None:
        return slug  # the buildpack skips collectstatic
    pushed = _files_under(into)
    # What collectstatic reads: every pushed file and the app's environment.
    key = digest(Path(app_venv).resolve(), *(part for name in sorted(pushed) for part in (name.as_posix(), (into / name).read_bytes())))
    command = f"python {manage_py} collectstatic --noinput --traceback"

    def collectstatic(kept):
        code, output = run_step(command, build_environment(app_venv, config_vars), into)
        if code:
            raise DeployFailed(
                f"The build's `{command}` (exit {code})",
                output,
                "A ModuleNotFoundError is a package missing from requirements.txt; a ValueError "
                "or ImproperlyConfigured points at the settings.",
            )
        _copy_files(into, kept, _files_under(into) - pushed)
        (kept / CACHE_OUTPUT).write_text(output)

    kept, made = cached("collectstatic", key, collectstatic)
    if not made:
        _copy_files(kept, into, _files_under(kept) - {Path(COMPLETE), Path(CACHE_OUTPUT)} - pushed)
    slug.collectstatic_output = (kept / CACHE_OUTPUT).read_text()
    step = "build: collectstatic" if made else f"build: collectstatic output reused ({kept.name}: nothing pushed changed)"
    slug.timings[step] = time.monotonic() - started
    return slug
