"""The example's tests run with production settings, as a dyno has them.

Settings are read once, at import, so this sets the environment before
pytest-django imports them: a dyno's config vars, with DEBUG off. Tests of
other environments (a missing key, a bad URL) run each in a process of its
own (the `python` fixture). DATABASE_URL passes through: CI points it at
PostgreSQL, and without it the tests use SQLite.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from functools import reduce
from pathlib import Path

import django
import pytest
from heroku import build, production_config_vars, scrubbed_environment
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


class ForkedPython:
    """`python ARGUMENTS` in example/, each in a process of its own that has only the variables it is given.

    Each process is a fork of one Python started for the tests with Django
    already imported (forked_python.py): it behaves as `python -c ...` or
    `python manage.py ...` would, without paying for a new interpreter each time.
    """

    def __init__(self, folder):
        self.stdout, self.stderr = folder / "stdout", folder / "stderr"
        self.server = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("forked_python.py"))], cwd=ROOT / "example",
            env=scrubbed_environment(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def __call__(self, *arguments, timeout=60, **variables):
        """A CompletedProcess, as subprocess.run(capture_output=True, text=True) gives it."""
        env = {**scrubbed_environment(), "DJANGO_SETTINGS_MODULE": "staff.settings", **variables}
        request = dict(argv=arguments, env=env, cwd=str(ROOT / "example"), timeout=timeout,
                       stdout=str(self.stdout), stderr=str(self.stderr))
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        answer = self.server.stdout.readline()
        assert answer, f"forked_python.py ended (exit code {self.server.wait()}); its error is above"
        if int(answer) == -signal.SIGALRM:
            raise subprocess.TimeoutExpired(arguments, timeout)
        return subprocess.CompletedProcess(arguments, int(answer), self.stdout.read_text(), self.stderr.read_text())

    def manage(self, *arguments, **variables):
        """example/manage.py, run as the reader and the Heroku build run it."""
        return self("manage.py", *arguments, timeout=120, **variables)

    def settings(self, variables, *paths):
        """{path: value} of the settings the example computes from `variables` alone; "DATABASES.default.NAME" looks in."""
        names = sorted({path.split(".")[0] for path in paths})
        code = f"from django.conf import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names}}}, default=str))"
        result = self("-c", f"import json; {code}", **variables)
        assert result.returncode == 0, result.stderr
        read = json.loads(result.stdout)
        return {path: reduce(dict.get, path.split("."), read) for path in paths}


@pytest.fixture(scope="session")
def python(tmp_path_factory):
    """The ForkedPython of this test process; its server ends with the session."""
    forked = ForkedPython(tmp_path_factory.mktemp("forked-python"))
    yield forked
    forked.server.communicate(timeout=60)  # the server exits at the end of its input


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
