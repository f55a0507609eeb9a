"""The example's tests run with production settings, as a dyno has them.

Settings are read once, at import, so this sets the environment before
pytest-django imports them: a dyno's config vars, with DEBUG off. Tests of
other environments (a missing key, a bad URL) start a new interpreter each;
see test_settings.py. DATABASE_URL passes through: CI points it at
PostgreSQL, and without it the tests use SQLite.
"""

import os

import django
import pytest
from heroku import production_config_vars

for name, value in production_config_vars().items():
    os.environ.setdefault(name, value)
os.environ.pop("DJANGO_DEBUG", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "staff.settings"
django.setup()


@pytest.fixture(scope="session")
def collected_static_files(tmp_path_factory, django_test_environment):
    """Run collectstatic once, as the Heroku build does, so {% static %} finds the manifest."""
    from django.core.management import call_command
    from django.test import override_settings

    static_root = tmp_path_factory.mktemp("staticfiles")
    # override_settings, not assignment: its signal resets the cached storage.
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield static_root
