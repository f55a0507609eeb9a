"""The Deploy to Heroku button's address, from the clone URL Read the Docs builds from (docs/_ext/repository.py)."""

import pytest
import repository  # docs/_ext, on pytest.ini's pythonpath


@pytest.mark.parametrize("clone_url", [
    "https://github.com/someone/django-on-heroku.git",
    "https://github.com/someone/django-on-heroku",
    "git@github.com:someone/django-on-heroku.git",
    "ssh://git@github.com/someone/django-on-heroku.git",
])
def test_a_github_clone_url_gives_the_repository_address(clone_url):
    assert repository.github_address(clone_url) == "https://github.com/someone/django-on-heroku"


@pytest.mark.parametrize("clone_url", ["", "https://gitlab.com/someone/guide.git", "../django-on-heroku"])
def test_another_clone_url_gives_none(clone_url):
    assert repository.github_address(clone_url) is None
