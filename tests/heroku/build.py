"""THE build: what `git push heroku main` makes of a project folder, as Heroku's classic Python buildpack makes it.

build() copies the files `git push` would send and then follows
bin/compile: the refusals (BuildRefused, with the buildpack's own error
line and the fix), the Python version, the packages installed from the app's
one package manager file (made once per content in the one cache), and
collectstatic as bin/steps/collectstatic runs it, in the build's
environment (config vars, no dyno).

Sources, heroku/heroku-buildpack-python v351 (commit b4e7e72): bin/compile
(the order), lib/package_manager.sh (the files, their order; several are an
error since v325), lib/checks.sh (a committed venv: its pyvenv.cfg),
lib/python_version.sh (runtime.txt is read before .python-version; a uv app
must have .python-version and may not have runtime.txt), lib/uv.sh (`uv sync
--locked --no-default-groups --compile-bytecode`, no Python downloaded),
requirements/uv.txt (the uv it pins; tests/requirements.txt pins the same)
and bin/steps/collectstatic. The Python CNB (heroku/buildpacks-python v6.5.6)
runs the same `uv sync` into a virtual environment, as here.
tests/smoke/test_buildpack.py runs each refusal.
"""

import importlib.metadata
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from heroku.cache import COMPLETE, cached, digest
from heroku.platform import build_environment, procfile_commands, scrubbed_environment

# The files that name a package manager in the app root, in the buildpack's order and words.
PACKAGE_MANAGER_FILES = {"Pipfile.lock": "Pipenv", "requirements.txt": "pip", "poetry.lock": "Poetry", "uv.lock": "uv"}
# The files each installer here reads (the guide uses pip or uv, never Pipenv or Poetry).
INSTALLED_FROM = {"pip": ("requirements.txt",), "uv": ("pyproject.toml", "uv.lock")}
VERSION = r"\d+\.\d+(?:\.\d+)?"  # N.N or N.N.N, as lib/python_version.sh accepts
# bin/steps/collectstatic: find . -maxdepth 3 -type f -name manage.py
MANAGE_PY_MAX_DEPTH = 3
UV_PIN = "Run 'uv python pin 3.13' (your major version) and commit .python-version."


class DeployFailed(Exception):
    """A step of the deployment failed, as it would on Heroku: the message names the step, its output's last line and the fix."""

    def __init__(self, step, output="", fix=""):
        self.step, self.output, self.fix = step, output, fix
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        cause = f": {lines[-1]}" if lines else ""  # the exception, usually
        details = f"\n--- output ---\n{output}" if output else ""
        super().__init__(f"{step} failed, as it would on Heroku{cause}\nFix: {fix}{details}")


class BuildRefused(DeployFailed):
    """The buildpack stops the build here: its error line, and the fix."""

    def __init__(self, error, fix):
        super().__init__("The build", error, fix)


def package_manager(root):
    """The one package manager the app uses ("pip" or "uv"), or BuildRefused as the buildpack refuses none or several."""
    root = Path(root)
    if (root / "Pipfile").is_file() and not (root / "Pipfile.lock").is_file():
        raise BuildRefused("Error: No 'Pipfile.lock' found!", "Run 'pipenv lock', or delete the Pipfile.")
    found = [f"{name} ({tool})" for name, tool in PACKAGE_MANAGER_FILES.items() if (root / name).is_file()]
    if not found:
        raise BuildRefused("Error: Couldn't find any supported Python package manager files.",
                           "Commit requirements.txt (or a uv project's uv.lock) in the root directory of the app.")
    if len(found) > 1:
        raise BuildRefused("Error: Multiple Python package manager files were found.",
                           f"Exactly one may be present; found {', '.join(found)}. Keep uv.lock for a uv project, "
                           "requirements.txt otherwise, and delete the other.")
    tool = PACKAGE_MANAGER_FILES[found[0].split()[0]]
    if tool not in INSTALLED_FROM:
        raise BuildRefused(f"{found[0]}: the emulated build installs with pip or uv only", "Use requirements.txt or uv.lock.")
    return tool


def committed_virtualenvs(root):
    """Refuse a virtual environment in the app's source, as the buildpack does (a .venv/ or venv/ with a pyvenv.cfg)."""
    for name in (".venv", "venv"):
        if (Path(root) / name / "pyvenv.cfg").is_file():
            raise BuildRefused(f"Error: Existing '{name}/' directory found.",
                               f"Remove it from git (git rm -r --cached {name}/) and keep it listed in .gitignore.")


def _version_lines(path):
    """A version file's lines without blanks and `#` comments, as the buildpack reads them."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.strip().startswith("#")]


def python_version(root, manager):
    """The Python ("3.13") the buildpack installs for the app: runtime.txt, else .python-version (a uv app: only that)."""
    runtime_txt, version_file = Path(root) / "runtime.txt", Path(root) / ".python-version"
    if runtime_txt.is_file() and manager == "uv":
        raise BuildRefused("Error: The runtime.txt file isn't supported when using uv.", f"Delete runtime.txt. {UV_PIN}")
    if not runtime_txt.is_file() and not version_file.is_file():
        if manager == "uv":
            raise BuildRefused("Error: No Python version was specified.", UV_PIN)
        raise DeployFailed("Choosing the Python version", "", "The buildpack would warn and use its default; name yours in .python-version (3.13).")
    path, pattern = (runtime_txt, rf"python-({VERSION})") if runtime_txt.is_file() else (version_file, f"({VERSION})")
    lines = _version_lines(path)
    matched = len(lines) == 1 and re.fullmatch(pattern, lines[0])
    if not matched:
        raise BuildRefused(f"Error: Invalid Python version in {path.name}.", "Write one version, such as 3.13, in .python-version.")
    return ".".join(matched.group(1).split(".")[:2])  # this machine's 3.13, whatever patch the buildpack would pick


def install_packages(build_dir, manager, version):
    """The app's environment, from the pushed package manager file, made once per content in the one cache.

    pip: `uv pip install -r requirements.txt` (uv on PATH stands in for pip:
    requirements.txt alone decides). uv: the buildpack's `uv sync`, with the
    uv version it pins (the `uv` package tests/requirements.txt installs).
    """
    build_dir = Path(build_dir)
    env = {**scrubbed_environment(), "UV_PYTHON_DOWNLOADS": "never", "UV_NO_MANAGED_PYTHON": "1"}
    if manager == "uv":
        try:
            from uv import find_uv_bin
        except ImportError:
            raise DeployFailed("Installing uv", "", "A uv app installs with the uv the buildpack pins: pip install -r tests/requirements.txt") from None
    read = [(build_dir / name).read_bytes() if (build_dir / name).is_file() else b"" for name in INSTALLED_FROM[manager]]

    def make(venv):
        if manager == "uv":
            env["UV_PROJECT_ENVIRONMENT"] = str(venv)
            steps = [[find_uv_bin(), "sync", "--locked", "--no-default-groups", "--compile-bytecode", "--no-progress"]]
        else:
            steps = [["uv", "venv", "--quiet", "--allow-existing", "--python", version, str(venv)],
                     ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", "requirements.txt"]]
        for step in steps:
            result = subprocess.run(step, cwd=build_dir, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode:
                raise DeployFailed(
                    f"Installing the app's packages (`uv {' '.join(step[1:])}`, exit {result.returncode})", result.stdout + result.stderr,
                    f"{' and '.join(INSTALLED_FROM[manager])} must install on Python {version} as the buildpack installs them"
                    + (" (after a change to pyproject.toml, run `uv lock`)." if manager == "uv" else f" (is Python {version} here? uv python list)."),
                )

    uv_version = importlib.metadata.version("uv") if manager == "uv" else ""
    return cached("venv", digest(manager, version, uv_version, *read), make)[0]


def find_manage_py(root):
    """manage.py as the buildpack finds it: the shallowest within three folders, as a relative path.

    None when there is none (the buildpack then skips collectstatic). Two at
    the shallowest depth are refused here: the buildpack would silently pick
    the first in sort order, and the guide's build would depend on a name.
    """
    found = sorted((len(path.parts), path.as_posix()) for path in (p.relative_to(root) for p in Path(root).rglob("manage.py"))
                   if len(path.parts) <= MANAGE_PY_MAX_DEPTH and (Path(root) / path).is_file())  # find's %d: ./manage.py is 1
    shallowest = [name for depth, name in found if depth == found[0][0]]
    if len(shallowest) > 1:
        raise BuildRefused(f"Several manage.py files at the same depth: {', '.join(shallowest)}",
                           f"The buildpack runs collectstatic with the first in sort order ({shallowest[0]}), whichever project that is: keep one.")
    return shallowest[0] if found else None


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
    """Every refusal above, in bin/compile's order: (package manager, Python version, manage.py's relative path)."""
    manager = package_manager(root)
    committed_virtualenvs(root)
    return manager, python_version(root, manager), find_manage_py(root)


@dataclass
class Slug:
    """A built project folder and the environment whose packages it runs with."""

    path: Path  # the build folder: the pushed files plus what collectstatic wrote
    app_venv: Path  # the packages: installed from the app's package manager file alone (or the caller's)
    manage_py: str | None  # relative, as the buildpack found it; None: no Django project
    package_manager: str = "pip"  # "pip" (requirements.txt) or "uv" (uv.lock)
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
        result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=timeout)
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


def build(project, app_venv, config_vars, *, into):
    """Build `project` (any folder holding the app: a git checkout or a plain folder) as Heroku would.

    1. copy the files `git push` would send into the folder `into` (made
       readable by every user);
    2. the buildpack's refusals and the Python version (check_source);
    3. the packages, from the one package manager file (install_packages),
       unless the caller gives an `app_venv` to run with (None: install);
    4. collectstatic, if the buildpack finds a manage.py within three
       folders: `python <manage.py> collectstatic --noinput --traceback`
       through bash in the build folder, in build_environment() (config vars,
       PYTHONPATH=., no dyno variables). A failure raises DeployFailed.

    collectstatic's output is kept in the one cache (cache.py) and used again
    while every pushed file and the app's environment are the same.
    Returns a Slug; the caller deletes `into`.
    """
    started = time.monotonic()
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    into.chmod(0o755)  # the bench's nginx serves it as another user
    copy_source(project, into)
    manager, version, manage_py = check_source(into)
    app_venv = Path(app_venv) if app_venv else install_packages(into, manager, version)
    slug = Slug(into, app_venv, manage_py, manager, timings={f"build: checks and {manager} install": time.monotonic() - started})
    if manage_py is None:
        return slug  # the buildpack skips collectstatic
    started = time.monotonic()
    pushed = _files_under(into)
    # What collectstatic reads: every pushed file and the app's environment.
    key = digest(app_venv.resolve(), *(part for name in sorted(pushed) for part in (name.as_posix(), (into / name).read_bytes())))
    command = f"python {manage_py} collectstatic --noinput --traceback"

    def collectstatic(kept):
        code, output = run_step(command, build_environment(app_venv, config_vars or {}), into)
        if code:
            raise DeployFailed(f"The build's `{command}` (exit {code})", output,
                               f"A ModuleNotFoundError is a package missing from {INSTALLED_FROM[manager][-1]}"
                               f"{' (uv add it)' if manager == 'uv' else ''}; a ValueError or ImproperlyConfigured points at the settings.")
        _copy_files(into, kept, _files_under(into) - pushed)
        (kept / CACHE_OUTPUT).write_text(output)

    kept, made = cached("collectstatic", key, collectstatic)
    if not made:
        _copy_files(kept, into, _files_under(kept) - {Path(COMPLETE), Path(CACHE_OUTPUT)} - pushed)
    slug.collectstatic_output = (kept / CACHE_OUTPUT).read_text()
    step = "build: collectstatic" if made else f"build: collectstatic output reused ({kept.name}: nothing pushed changed)"
    slug.timings[step] = time.monotonic() - started
    return slug
