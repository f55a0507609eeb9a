"""The buildpack's refusals (tests/heroku/build.py), each shown to pass and to refuse on scratch trees."""

import subprocess
from pathlib import Path

import pytest
from heroku.build import (
    BuildRefused,
    check_source,
    committed_virtualenvs,
    copy_source,
    find_manage_py,
    package_manager,
    source_files,
)

ROOT = Path(__file__).resolve().parents[2]


def make_tree(root, *files):
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    return root


def test_requirements_txt_alone_is_pip(tmp_path):
    assert package_manager(make_tree(tmp_path, "requirements.txt")) == "pip"


@pytest.mark.parametrize("second", ["Pipfile.lock", "Pipfile", "poetry.lock", "uv.lock"])
def test_a_second_package_manager_file_is_refused(tmp_path, second):
    make_tree(tmp_path, "requirements.txt", second)
    with pytest.raises(BuildRefused, match=r"Multiple Python package manager files.*requirements\.txt \(pip\)"):
        package_manager(tmp_path)


def test_no_package_manager_file_is_refused(tmp_path):
    with pytest.raises(BuildRefused, match="No Python package manager file"):
        package_manager(make_tree(tmp_path, "example/requirements.txt"))


@pytest.mark.parametrize("folder", [".venv", "venv"])
def test_a_committed_virtualenv_is_refused(tmp_path, folder):
    make_tree(tmp_path, "requirements.txt", f"{folder}/bin/python")
    with pytest.raises(BuildRefused, match=rf"virtual environment is part of the app's source: {folder}/"):
        committed_virtualenvs(tmp_path)


def test_manage_py_is_the_shallowest_within_three_folders(tmp_path):
    make_tree(tmp_path, "example/manage.py", "example/sub/manage.py", "a/b/c/manage.py")
    assert find_manage_py(tmp_path) == "example/manage.py"


def test_manage_py_deeper_than_three_folders_is_not_found(tmp_path):
    assert find_manage_py(make_tree(tmp_path, "a/b/c/manage.py")) is None
    assert find_manage_py(make_tree(tmp_path, "a/b/manage.py")) == "a/b/manage.py"


def test_two_manage_py_at_the_same_depth_are_refused(tmp_path):
    make_tree(tmp_path, "example/manage.py", "other/manage.py")
    with pytest.raises(BuildRefused, match="other/manage.py"):
        find_manage_py(tmp_path)


def test_ignored_files_do_not_reach_the_build(tmp_path):
    """Only what `git push` sends is checked: an ignored .venv/ on a laptop is no refusal."""
    make_tree(tmp_path, "requirements.txt", "example/manage.py", ".venv/bin/python", "new.txt")
    (tmp_path / ".gitignore").write_text(".venv/\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    subprocess.run(["git", "-C", str(tmp_path), "add", "requirements.txt", "example/manage.py"], check=True, timeout=30)
    assert source_files(tmp_path) == [".gitignore", "example/manage.py", "new.txt", "requirements.txt"]
    build = copy_source(tmp_path, tmp_path.parent / "build")
    assert check_source(build) == "example/manage.py"
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", ".venv"], check=True, timeout=30)
    with pytest.raises(BuildRefused, match=r"\.venv/"):
        check_source(copy_source(tmp_path, tmp_path.parent / "build2"))


def test_this_repository_passes_the_buildpack_checks(tmp_path):
    assert check_source(copy_source(ROOT, tmp_path)) == "example/manage.py"
