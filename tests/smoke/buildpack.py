"""What Heroku's Python buildpack checks in an app's source before it builds it.

Each check reads a source tree (the files `git push` would send) and raises
BuildRefused with the buildpack's reason, in our words, when the real build
would stop. They are small on purpose: tests/smoke/test_buildpack.py runs
each one against scratch trees, and the smoke session runs them on the slug.

Sources: heroku/heroku-buildpack-python, lib/package_manager.sh (several
package manager files are an error since v325), the committed-virtualenv
check (v324) and bin/steps/collectstatic (how manage.py is found).
"""

import shutil
import subprocess
from pathlib import Path

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


class BuildRefused(Exception):
    """The buildpack would stop the build here; the message is its reason."""


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


def source_files(root):
    """The files `git push` would send: tracked files, plus new ones git does not ignore.

    Outside a git checkout, every file except .git and .nox.
    """
    root = Path(root)
    if shutil.which("git") and (root / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout.decode()
        return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.relative_to(root).parts[0] in (".git", ".nox")
    )


def copy_source(root, destination):
    """Copy the files `git push` would send into `destination`, the build folder."""
    root, destination = Path(root), Path(destination)
    for name in source_files(root):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return destination


def check_source(root):
    """Every refusal above, in the buildpack's order; returns manage.py's relative path."""
    package_manager(root)
    committed_virtualenvs(root)
    return find_manage_py(root)
