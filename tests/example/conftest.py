"""The example's tests run with production settings, as a dyno has them.

Settings are read once, at import, so this sets the environment before
pytest-django imports them: a dyno's config vars, with DEBUG off. Tests of
other environments (a missing key, a bad URL) run each in a process of its own;
see test_settings.py. DATABASE_URL passes through: CI points it at
PostgreSQL, and without it the tests use SQLite.
"""

import fcntl
import hashlib
import io
import os
import shutil
from pathlib import Path

import django
import pytest
from heroku import production_config_vars

for name, value in production_config_vars().items():
    os.environ.setdefault(name, value)
os.environ.pop("DJANGO_DEBUG", None)
os.environ["DJANGO_SETTINGS_MODULE"] = "staff.settings"
django.setup()


def collectstatic_inputs():
    """A digest of everything collectstatic's output depends on.

    The files the static finders find; the code of the storage backend (each
    class it inherits from) and of WhiteNoise's compressor; the settings that
    steer them; the versions of Django, Brotli, zlib and Python; and this
    file. Two runs with the same digest write the same files.
    """
    import inspect
    import sys
    import zlib

    import brotli
    import whitenoise.compress
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.utils.module_loading import import_string

    digest = hashlib.sha256()

    def add(*parts):
        for part in parts:
            digest.update(part if isinstance(part, bytes) else str(part).encode())
            digest.update(b"\0")

    add(django.__version__, brotli.__version__, zlib.ZLIB_RUNTIME_VERSION, sys.version)
    add(Path(__file__).read_bytes())  # how this file runs collectstatic and keeps its output
    add(*(
        f"{name}={getattr(settings, name)!r}"
        for name in sorted(dir(settings))
        if name.startswith(("STATIC", "STORAGES", "WHITENOISE")) and name != "STATIC_ROOT"
    ))
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    code = {inspect.getsourcefile(cls) for cls in backend.__mro__ if cls is not object}
    for path in sorted(code | {inspect.getsourcefile(whitenoise.compress)}):
        add(path, Path(path).read_bytes())
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list([]), key=lambda found: (found[0], found[1].location)):
            add(path, Path(storage.path(path)).read_bytes())
    return digest.hexdigest()[:16]


def printed_by_collectstatic(static_root):
    """Where collect_static_files keeps what collectstatic printed, beside the files."""
    return static_root.with_name(f"{static_root.name}.printed")


def collect_static_files(static_root):
    """collectstatic into static_root, as the Heroku build runs it; nothing is left half-written."""
    from django.core.management import call_command
    from django.test import override_settings

    partial = static_root.with_name(f"{static_root.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    printed = io.StringIO()
    with override_settings(STATIC_ROOT=partial):
        call_command("collectstatic", "--noinput", stdout=printed, verbosity=1)
    printed_by_collectstatic(static_root).write_text(printed.getvalue())
    partial.rename(static_root)


@pytest.fixture(scope="session")
def collected_static_files(tmp_path_factory, django_test_environment):
    """The output of collectstatic, as the Heroku build makes it, so {% static %} finds the manifest.

    Brotli-compressing Django's admin files is the slowest step of the tests.
    pytest-xdist's workers share one collection: the first to take the lock
    collects, the others wait for it. The nox session also sets
    COLLECTSTATIC_CACHE, a folder in its environment where a collection is
    kept under the digest of its inputs (collectstatic_inputs): a later run
    with the same inputs reads it, and any change to a static file, the
    storage settings or code, or a version collects afresh.
    """
    from django.test import override_settings

    if os.environ.get("COLLECTSTATIC_CACHE"):
        folder = Path(os.environ["COLLECTSTATIC_CACHE"])
        folder.mkdir(parents=True, exist_ok=True)
    else:
        # Under xdist, the parent of a worker's temporary folder is the run's, shared by every worker.
        folder = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            folder = folder.parent
    static_root = folder / f"staticfiles-{collectstatic_inputs()}"
    with open(folder / "staticfiles.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (static_root.is_dir() and printed_by_collectstatic(static_root).is_file()):
            for old in folder.glob("staticfiles-*"):  # collections of other inputs, or half-written
                shutil.rmtree(old, ignore_errors=True)
            collect_static_files(static_root)
    # override_settings, not assignment: its signal resets the cached storage.
    with override_settings(STATIC_ROOT=static_root):
        yield static_root


@pytest.fixture(scope="session")
def collectstatic_printed(collected_static_files):
    """What that collectstatic printed ("N static files copied to '...', M post-processed.")."""
    return printed_by_collectstatic(collected_static_files).read_text()


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
