"""The buildpack's refusals and installs (tests/heroku/build.py): scratch trees, and the example as a uv app deployed."""

import re
import subprocess
from pathlib import Path

import pytest
from heroku import BuildRefused, DeployFailed, deploy, probe, scrubbed_environment, source_files
from heroku.build import check_source, committed_virtualenvs, copy_source, find_manage_py, package_manager, python_version

ROOT = Path(__file__).resolve().parents[2]
MULTIPLE = "Multiple Python package manager files were found"


def make_tree(root, *files, **contents):
    for name, text in [*((name, "") for name in files), *contents.items()]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("files, found", [
    (["requirements.txt"], "pip"),
    (["uv.lock", "pyproject.toml"], "uv"),
    (["requirements.txt", "uv.lock"], MULTIPLE),
    (["requirements.txt", "poetry.lock"], MULTIPLE),
    (["requirements.txt", "Pipfile.lock"], MULTIPLE),
    (["requirements.txt", "Pipfile"], "No 'Pipfile.lock' found!"),
    (["example/requirements.txt"], "Couldn't find any supported Python package manager files"),
])
def test_the_package_manager_is_the_one_file_at_the_root(tmp_path, files, found):
    if found in ("pip", "uv"):
        assert package_manager(make_tree(tmp_path, *files)) == found
    else:
        with pytest.raises(BuildRefused, match=re.escape(found)):
            package_manager(make_tree(tmp_path, *files))


@pytest.mark.parametrize("manager, files, found", [
    ("pip", {"runtime.txt": "python-3.13\n", ".python-version": "3.12\n"}, "3.13"),  # runtime.txt is read first
    ("pip", {".python-version": "# the app's Python\n3.13.1\n"}, "3.13"),
    ("uv", {".python-version": "3.13\n"}, "3.13"),
    ("uv", {"runtime.txt": "python-3.13\n", ".python-version": "3.13\n"}, "The runtime.txt file isn't supported when using uv"),
    ("uv", {}, "No Python version was specified"),
    ("pip", {".python-version": "python-3.13\n"}, "Invalid Python version in .python-version"),
])
def test_the_python_version_is_read_as_the_buildpack_reads_it(tmp_path, manager, files, found):
    if found[0].isdigit():
        assert python_version(make_tree(tmp_path, **files), manager) == found
    else:
        with pytest.raises(BuildRefused, match=re.escape(found)):
            python_version(make_tree(tmp_path, **files), manager)


@pytest.mark.parametrize("folder", [".venv", "venv"])
def test_a_committed_virtualenv_is_refused(tmp_path, folder):
    committed_virtualenvs(make_tree(tmp_path, f"{folder}/bin/python"))  # no pyvenv.cfg: not a venv to the buildpack
    with pytest.raises(BuildRefused, match=rf"Existing '{folder}/' directory found"):
        committed_virtualenvs(make_tree(tmp_path, f"{folder}/pyvenv.cfg"))


def test_manage_py_is_the_shallowest_within_three_folders(tmp_path):
    assert find_manage_py(make_tree(tmp_path / "a", "example/manage.py", "example/sub/manage.py", "b/c/d/manage.py")) == "example/manage.py"
    assert find_manage_py(make_tree(tmp_path / "b", "a/b/c/manage.py")) is None
    with pytest.raises(BuildRefused, match="other/manage.py"):
        find_manage_py(make_tree(tmp_path / "c", "example/manage.py", "other/manage.py"))


def test_ignored_files_do_not_reach_the_build(tmp_path):
    """Only what `git push` sends is checked: an ignored .venv/ on a laptop is no refusal."""
    make_tree(tmp_path, "requirements.txt", "example/manage.py", ".venv/pyvenv.cfg", **{".gitignore": ".venv/\n", ".python-version": "3.13\n"})
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
    make_tree(project, **{"pyproject.toml": f'[project]\nname = "staff"\nversion = "1"\nrequires-python = ">=3.13"\ndependencies = [{dependencies}\n]\n',
                          ".python-version": (ROOT / "runtime.txt").read_text().strip().removeprefix("python-") + "\n"})
    subprocess.run([find_uv_bin(), "lock", "--quiet"], cwd=project, check=True, timeout=300, env={**scrubbed_environment(), "UV_PYTHON_DOWNLOADS": "never"})
    return project


def test_a_uv_app_installs_from_uv_lock_and_is_served(tmp_path, config_vars):
    with deploy(uv_app(tmp_path), config_vars, loaddata="sample_staff") as app:
        assert app.slug.package_manager == "uv"
        probe.deployed_app(app.web, ["Ada Lovelace"])
        django = app.one_off("python -c 'import django; print(django.__version__)'").stdout.strip()
    assert f"Django=={django}" in (ROOT / "requirements.txt").read_text(), f"the dyno runs Django {django}, not uv.lock's"


def test_requirements_txt_beside_uv_lock_is_refused(tmp_path, config_vars):
    project = make_tree(uv_app(tmp_path), "requirements.txt")
    with pytest.raises(BuildRefused, match=rf"{MULTIPLE}\.[\s\S]*requirements\.txt \(pip\), uv\.lock \(uv\)"):
        with deploy(project, config_vars):
            pass


def test_a_package_missing_from_uv_lock_fails_the_build_at_collectstatic(tmp_path, config_vars):
    with pytest.raises(DeployFailed, match=r"collectstatic[\s\S]*No module named 'dj_database_url'"):
        with deploy(uv_app(tmp_path, leave_out={"dj-database-url"}), config_vars):
            pass
