"""The example's tests run with production settings, as a dyno has them.

Settings are read once, at import, so this sets the environment before
pytest-django imports them: a dyno's config vars, with DEBUG off. Tests of
other environments (a missing key, a bad URL) run each in a process of its own;
see test_settings.py. DATABASE_URL passes through: CI points it at
PostgreSQL, and without it the tests use SQLite.
"""

import os
import shutil
import sys
from pathlib import Path

import django
import pytest
from heroku import build, production_config_vars
from pages import ROOT

for name, value in production_config_vars().items():
    os.environ.setdefault(name, value)
os.environ.pop("DJANGO_DEBUG", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "staff.settings"
django.setup()


@pytest.fixture(scope="session")
def built_slug(tmp_path_factory):
    """The example built as Heroku builds it (tests/heroku's build), in this session's environment.

    Its collectstatic output gives Django's test client the manifest that
    {% static %} reads. Brotli-compressing the admin's files is the slowest
    step of the tests: the build keeps that output in tests/heroku's one
    cache while nothing pushed and no package changes, and pytest-xdist's
    workers take turns on it (the first builds, the others find it).
    """
    slug = build(ROOT, Path(sys.prefix), production_config_vars(), into=tmp_path_factory.mktemp("slug"))
    yield slug
    shutil.rmtree(slug.path, ignore_errors=True)


@pytest.fixture(scope="session")
def collected_static_files(built_slug, django_test_environment):
    """STATIC_ROOT pointed at the build's collected files."""
    from django.test import override_settings

    static_root = built_slug.path / Path(built_slug.manage_py).parent / "staticfiles"
    # override_settings, not assignment: its signal resets the cached storage.
    with override_settings(STATIC_ROOT=static_root):
        yield static_root


@pytest.fixture(scope="session")
def collectstatic_printed(built_slug):
    """What the build's collectstatic printed ("N static files copied to '...', M post-processed.")."""
    return built_slug.collectstatic_output


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Test databases named after the Django version as well as the xdist worker.

    The nox sessions for Django 5.2 and 6.1 may run at once against the same
    PostgreSQL server (DATABASE_URL): each creates and drops its own.
    SQLite's test database lives in memory and needs no name.
    """
    from django.conf import settings

    suffix = "django{}{}".format(*django.VERSION[:2])
    for database in settings.DATABASES.values():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            test = database.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{suffix}"
