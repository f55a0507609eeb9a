"""The buildpack's refusals and installs (tests/heroku/build.py): scratch trees, and the example as a uv app deployed."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from heroku import BuildRefused, DeployFailed, deploy, probe, scrubbed_environment, source_files
from heroku.build import check_source, copy_source
from pages import DOCS, read_page

ROOT = Path(__file__).resolve().parents[2]
TROUBLESHOOTING = read_page(DOCS / "troubleshooting.rst")


def shown(label):
    """The buildpack's error line the troubleshooting page shows under `label`: the emulated build must refuse with it."""
    section = TROUBLESHOOTING.section(label)
    return next(text for text in [block.text for block in section.blocks(TROUBLESHOOTING)] + section.literals() if text.startswith("Error:"))


MULTIPLE = shown("troubleshooting-package-managers")


def make_tree(root, files):
    """Files (name: text) under `root`; returns root."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


PIP, UV, PY = {"requirements.txt": ""}, {"uv.lock": "", "pyproject.toml": ""}, {".python-version": "3.13\n"}


@pytest.mark.parametrize("files, found", [
    ({**PIP, "runtime.txt": "python-3.13\n", ".python-version": "3.12\n"}, ("pip", "3.13", None)),  # runtime.txt is read first
    ({**PIP, ".python-version": "# a comment\n3.13.1\n", "example/manage.py": "", "example/a/manage.py": "", "a/b/manage.py": ""},
     ("pip", "3.13", "example/manage.py")),  # the shallowest manage.py
    ({**UV, **PY, "a/b/c/manage.py": "", ".venv/bin/python": ""}, ("uv", "3.13", None)),  # too deep; no pyvenv.cfg: no venv
])
def test_what_the_buildpack_reads_from_the_root(tmp_path, files, found):
    assert check_source(make_tree(tmp_path, files)) == found


@pytest.mark.parametrize("files, error", [
    ({**PIP, "uv.lock": ""}, MULTIPLE),
    ({**PIP, "poetry.lock": ""}, MULTIPLE),
    ({**PIP, "Pipfile.lock": ""}, MULTIPLE),
    ({**PIP, "Pipfile": ""}, "No 'Pipfile.lock' found!"),
    ({"example/requirements.txt": ""}, shown("troubleshooting-no-package-manager")),
    ({**PIP, **PY, ".venv/pyvenv.cfg": ""}, shown("troubleshooting-venv")),
    ({**PIP, **PY, "venv/pyvenv.cfg": ""}, "Existing 'venv/' directory found"),
    ({**UV, **PY, "runtime.txt": "python-3.13\n"}, "The runtime.txt file isn't supported when using uv"),
    ({**UV}, "No Python version was specified"),
    ({**PIP, ".python-version": "python-3.13\n"}, "Invalid Python version in .python-version"),
    ({**PIP, **PY, "example/manage.py": "", "other/manage.py": ""}, "other/manage.py"),  # ours: the buildpack takes either
])
def test_the_buildpack_refuses(tmp_path, files, error):
    with pytest.raises(BuildRefused, match=re.escape(error)):
        check_source(make_tree(tmp_path, files))


def test_ignored_files_do_not_reach_the_build(tmp_path):
    """Only what `git push` sends is checked: an ignored .venv/ on a laptop is no refusal."""
    make_tree(tmp_path, {**PIP, **PY, "example/manage.py": "", ".venv/pyvenv.cfg": "", ".gitignore": ".venv/\n"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    subprocess.run(["git", "-C", str(tmp_path), "add", "requirements.txt", "example/manage.py"], check=True, timeout=30)
    assert source_files(tmp_path) == [".gitignore", ".python-version", "example/manage.py", "requirements.txt"]
    assert check_source(copy_source(tmp_path, tmp_path.parent / "build")) == ("pip", "3.13", "example/manage.py")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", ".venv"], check=True, timeout=30)
    with pytest.raises(BuildRefused, match=r"\.venv/"):
        check_source(copy_source(tmp_path, tmp_path.parent / "build2"))


def uv_app(folder, leave_out=()):
    """The example as a uv app: its pins as pyproject.toml's dependencies (less `leave_out`), locked by `uv lock`, and .python-version."""
    from uv import find_uv_bin

    project = copy_source(ROOT, folder, paths=("Procfile", "example/"))
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    dependencies = "".join(f'\n    "{pin}",' for pin in pins if pin.split("[")[0].split("=")[0] not in leave_out)
    make_tree(project, {"pyproject.toml": f'[project]\nname = "staff"\nversion = "1"\nrequires-python = ">=3.13"\ndependencies = [{dependencies}\n]\n',
                        ".python-version": (ROOT / "runtime.txt").read_text().strip().removeprefix("python-") + "\n"})
    subprocess.run([find_uv_bin(), "lock", "--quiet"], cwd=project, check=True, timeout=300, env={**scrubbed_environment(), "UV_PYTHON_DOWNLOADS": "never"})
    return project


@pytest.fixture(scope="module")
def uv_example(tmp_path_factory):
    return uv_app(tmp_path_factory.mktemp("uv") / "app")


def test_a_uv_app_installs_from_uv_lock_and_is_served(uv_example, config_vars):
    with deploy(uv_example, config_vars, loaddata="sample_staff") as app:
        assert app.slug.package_manager == "uv"
        probe.deployed_app(app.web, ["Ada Lovelace"])
        django = app.one_off("python -c 'import django; print(django.__version__)'").stdout.strip()
    assert f"Django=={django}" in (ROOT / "requirements.txt").read_text(), f"the dyno runs Django {django}, not uv.lock's"


def test_requirements_txt_beside_uv_lock_is_refused(uv_example, tmp_path, config_vars):
    project = make_tree(Path(shutil.copytree(uv_example, tmp_path / "app")), PIP)
    with pytest.raises(BuildRefused, match=rf"{re.escape(MULTIPLE)}[\s\S]*requirements\.txt \(pip\), uv\.lock \(uv\)"), deploy(project, config_vars):
        pass


def test_a_package_missing_from_uv_lock_fails_the_build_at_collectstatic(tmp_path, config_vars):
    project = uv_app(tmp_path, leave_out={"dj-database-url"})
    with pytest.raises(DeployFailed, match=r"collectstatic[\s\S]*No module named 'dj_database_url'"), deploy(project, config_vars):
        pass
