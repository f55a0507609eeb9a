"""Settings in each environment the guide describes, each read by a process of its own.

Settings are read once, at import, so every case here runs in a process that
has exactly the variables it names: nothing leaks in from the machine running
the tests, or from another case. Each process is a fork of one Python started
for these tests with Django already imported (forked_python.py): it behaves
as `python -c ...` or `python manage.py ...` would, without paying for a new
interpreter each time.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from heroku import production_config_vars, scrubbed_environment

EXAMPLE = Path(__file__).resolve().parents[2] / "example"

READ_SETTINGS = """
import json
from django.conf import settings
names = {names!r}
print(json.dumps({{name: getattr(settings, name) for name in names}}, default=str))
"""

FORKED_PYTHON = Path(__file__).with_name("forked_python.py")


def clean_environment(**variables):
    """The one scrubbed environment (nothing of the machine's app configuration), the settings module, and `variables`."""
    return {**scrubbed_environment(), "DJANGO_SETTINGS_MODULE": "staff.settings", **variables}


class ForkedPython:
    """forked_python.py, started once per test process with none of the cases' variables."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="forked-python-")
        self.stdout = Path(self.folder.name, "stdout")
        self.stderr = Path(self.folder.name, "stderr")
        self.process = subprocess.Popen(
            [sys.executable, str(FORKED_PYTHON)],
            cwd=EXAMPLE,
            env=clean_environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, arguments, env, timeout):
        """`python ARGUMENTS` in example/ with exactly `env`, as subprocess.run(capture_output=True) reports it."""
        request = {
            "argv": list(arguments), "env": env, "cwd": str(EXAMPLE), "timeout": timeout,
            "stdout": str(self.stdout), "stderr": str(self.stderr),
        }
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"forked_python.py ended (exit code {self.process.wait()}); its error is above")
        answer = json.loads(answer)
        args = [sys.executable, *arguments]
        if answer.get("timeout"):
            raise subprocess.TimeoutExpired(args, timeout)
        return subprocess.CompletedProcess(
            args, answer["returncode"], self.stdout.read_text(), self.stderr.read_text()
        )

    def close(self):
        self.process.communicate(timeout=60)  # the server exits at the end of its input
        self.folder.cleanup()


@pytest.fixture(scope="module", autouse=True)
def forked_python():
    """One server per test process; closed (and its coverage data saved) when this module's tests end."""
    global _forked_python
    _forked_python = ForkedPython()
    yield
    _forked_python.close()


def python(*arguments, timeout=60, **variables):
    """Run `python ARGUMENTS` in example/, in a process of its own that has `variables` alone."""
    return _forked_python.run(arguments, clean_environment(**variables), timeout)


def read_settings(*names, **variables):
    """The named settings as the example computes them from `variables` alone."""
    result = python("-c", READ_SETTINGS.format(names=names), **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def manage(*arguments, **variables):
    """Run example/manage.py as the reader and the Heroku build do."""
    return python("manage.py", *arguments, timeout=120, **variables)


def assert_configuration_error(result, *expected):
    """A non-zero exit with one readable message that names the variable, no traceback."""
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: "), result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


# --- DEBUG and SECRET_KEY -------------------------------------------------


def test_an_empty_environment_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert_configuration_error(result, "DJANGO_SECRET_KEY is not set", "heroku config:set")


def test_debug_is_off_when_no_variable_mentions_it():
    assert read_settings("DEBUG", **production_config_vars()) == {"DEBUG": False}


@pytest.mark.parametrize("word", ["true", "True", "1", "yes", "on", " ON "])
def test_debug_is_on_only_when_said_in_words(word):
    assert read_settings("DEBUG", DJANGO_DEBUG=word) == {"DEBUG": True}


@pytest.mark.parametrize("word", ["false", "False", "0", "no", "off", ""])
def test_debug_is_off_for_every_false_word(word):
    # The source guide's `os.environ.get('DEBUG_VALUE') != 'False'` turned
    # DEBUG on for every one of these but the exact word False.
    assert read_settings("DEBUG", DJANGO_DEBUG=word, **production_config_vars()) == {
        "DEBUG": False
    }


@pytest.mark.parametrize("word", ["Flase", "maybe", "debug", "2"])
def test_an_unknown_debug_word_is_an_error_not_a_guess(word):
    result = manage("check", DJANGO_DEBUG=word, **production_config_vars())
    assert_configuration_error(result, f"DJANGO_DEBUG={word!r} is not a yes/no value")


def test_development_gets_a_fresh_random_key_in_each_process():
    first = read_settings("SECRET_KEY", DJANGO_DEBUG="true")["SECRET_KEY"]
    second = read_settings("SECRET_KEY", DJANGO_DEBUG="true")["SECRET_KEY"]
    assert len(first) >= 50
    assert first != second


def test_production_rejects_a_short_secret_key():
    result = manage("check", **production_config_vars(DJANGO_SECRET_KEY="changeme"))
    assert_configuration_error(result, "shorter than 50 characters")


def test_no_secret_key_is_written_in_the_example():
    # The source guide kept its key in a comment. A key-shaped string in any
    # file of the example would be one a reader might deploy.
    for path in EXAMPLE.rglob("*.py"):
        text = path.read_text()
        assert "SECRET_KEY = \"" not in text and "SECRET_KEY = '" not in text, path


# --- Hosts, origins and HTTPS ------------------------------------------------


def test_allowed_hosts_default_to_herokuapp_and_this_machine():
    assert read_settings("ALLOWED_HOSTS", **production_config_vars()) == {
        "ALLOWED_HOSTS": [".herokuapp.com", "localhost", "127.0.0.1", "[::1]"]
    }


def test_allowed_hosts_come_from_a_comma_separated_variable():
    settings = read_settings(
        "ALLOWED_HOSTS",
        DJANGO_ALLOWED_HOSTS=" www.example.com, example.com ,,",
        **production_config_vars(),
    )
    assert settings == {"ALLOWED_HOSTS": ["www.example.com", "example.com"]}


def test_a_trusted_origin_without_a_scheme_is_an_error():
    result = manage(
        "check", DJANGO_CSRF_TRUSTED_ORIGINS="app.example.com", **production_config_vars()
    )
    assert_configuration_error(result, "https://app.example.com")


def test_production_is_https_only():
    settings = read_settings(
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        **production_config_vars(),
    )
    assert settings == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }


def test_development_runs_on_plain_http():
    settings = read_settings(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", DJANGO_DEBUG="true"
    )
    assert settings == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}


def test_a_non_numeric_hsts_duration_is_an_error():
    result = manage("check", DJANGO_HSTS_SECONDS="a year", **production_config_vars())
    assert_configuration_error(result, "DJANGO_HSTS_SECONDS='a year' is not a whole number")


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_config_vars())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_check_deploy_fails_in_production_without_a_mail_server():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **production_config_vars(EMAIL_HOST="")
    )
    assert result.returncode != 0
    assert "calibration.W001" in result.stderr


# --- Database ----------------------------------------------------------------


def test_without_database_url_the_app_uses_sqlite_in_the_project_folder():
    database = read_settings("DATABASES", DJANGO_DEBUG="true")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(EXAMPLE / "db.sqlite3")


def test_heroku_postgres_gets_persistent_checked_encrypted_connections():
    url = "postgres://user:secret@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8abc"
    database = read_settings("DATABASES", DATABASE_URL=url, **production_config_vars())[
        "DATABASES"
    ]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "d8abc"
    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_a_database_on_this_machine_needs_no_tls(host):
    url = f"postgres://postgres@{host}:5432/test"
    database = read_settings("DATABASES", DATABASE_URL=url, **production_config_vars())[
        "DATABASES"
    ]["default"]
    assert "sslmode" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://user:secret@host:port/name", "is the port a number"),
        ("mysqlx://user:secret@host/name", "starts with 'mysqlx://'"),
        ("postgres://user:secret@host:5432", "names no database"),
        ("heroku config:get DATABASE_URL", "starts with no scheme"),
    ],
)
def test_a_broken_database_url_is_named_without_leaking_the_password(url, message):
    result = manage("check", DATABASE_URL=url, **production_config_vars())
    assert_configuration_error(result, "DATABASE_URL", message)
    assert "secret" not in result.stderr


# --- E-mail ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("port", "use_tls", "use_ssl"), [("587", True, False), ("465", False, True), ("2525", True, False)]
)
def test_the_port_decides_between_starttls_and_tls(port, use_tls, use_ssl):
    settings = read_settings(
        "EMAIL_USE_TLS", "EMAIL_USE_SSL", EMAIL_PORT=port, **production_config_vars()
    )
    assert settings == {"EMAIL_USE_TLS": use_tls, "EMAIL_USE_SSL": use_ssl}


def test_a_relay_without_tls_is_said_explicitly():
    settings = read_settings(
        "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_BACKEND",
        EMAIL_PORT="25", EMAIL_USE_TLS="false", **production_config_vars(),
    )
    assert settings == {
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }


def test_a_non_numeric_mail_port_is_an_error():
    result = manage("check", EMAIL_PORT="smtp", **production_config_vars())
    assert_configuration_error(result, "EMAIL_PORT='smtp' is not a whole number")


def test_development_prints_mail_to_the_console():
    settings = read_settings("EMAIL_BACKEND", DJANGO_DEBUG="true")
    assert settings == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


# --- Logging -------------------------------------------------------------------


def test_errors_are_logged_to_stdout_even_with_debug_off():
    settings = read_settings("LOGGING", **production_config_vars())["LOGGING"]
    assert settings["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    assert settings["root"] == {"handlers": ["stdout"], "level": "INFO"}


# --- The WSGI entry point ----------------------------------------------------------


def test_gunicorn_loads_a_django_application_from_wsgi_py():
    result = python(
        "-c",
        "from staff.wsgi import application; print(type(application).__name__)",
        **production_config_vars(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "WSGIHandler"


def test_a_configuration_error_stops_wsgi_py_with_one_line():
    # gunicorn imports wsgi.py in its master (preload_app), so this exit is
    # what a dyno does at boot: one line in `heroku logs`, then crash (H10).
    result = python("-c", "import staff.wsgi")
    assert_configuration_error(result, "DJANGO_SECRET_KEY is not set")


# --- A dyno without its database -------------------------------------------------

NO_DATABASE_MESSAGE = "DATABASE_URL is not set on this dyno"
ADD_DATABASE = "heroku addons:create heroku-postgresql:essential-0"


def sqlite_file_state():
    """Whether example/db.sqlite3 exists, and its size and modification time if so."""
    path = EXAMPLE / "db.sqlite3"
    return path.stat()[6:9] if path.exists() else None


@pytest.mark.parametrize(
    ("dyno", "command"),
    [
        # The Procfile's release: line, in a release dyno (Heroku numbers them at random).
        pytest.param("release.3212", ["migrate", "--no-input"], id="release-phase"),
        # `heroku run` in a one-off dyno.
        pytest.param("run.1", ["loaddata", "sample_staff"], id="one-off-dyno"),
    ],
)
def test_a_dyno_without_database_url_refuses_and_writes_nothing(dyno, command):
    before = sqlite_file_state()
    result = manage(*command, DYNO=dyno, **production_config_vars())
    assert_configuration_error(result, NO_DATABASE_MESSAGE, ADD_DATABASE)
    assert result.stderr.count("\n") == 1, result.stderr  # one line
    assert sqlite_file_state() == before


def test_a_web_dyno_without_database_url_refuses_to_boot():
    # gunicorn's master imports wsgi.py (preload_app): this is the web dyno's boot.
    before = sqlite_file_state()
    result = python("-c", "import staff.wsgi", DYNO="web.1", **production_config_vars())
    assert_configuration_error(result, NO_DATABASE_MESSAGE, ADD_DATABASE)
    assert sqlite_file_state() == before


@pytest.mark.parametrize(
    "build_variables",
    [
        pytest.param({}, id="no-dyno"),
        # The buildpack exports BUILD_DIR to collectstatic (its spec/hatchet/django_spec.rb
        # shows the build's environment); its tests hide a DYNO variable there too.
        pytest.param({"DYNO": "build.1", "BUILD_DIR": "/tmp/build_0123abcd"}, id="dyno-and-build-dir"),
    ],
)
def test_the_build_without_database_url_still_collects_static_files(build_variables):
    # The build has the config vars, and collectstatic opens no database.
    result = manage("collectstatic", "--noinput", "--dry-run", **build_variables, **production_config_vars())
    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout


def test_a_dyno_with_database_url_reads_it():
    url = "postgres://user:secret@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8abc"
    database = read_settings("DATABASES", DYNO="web.1", DATABASE_URL=url, **production_config_vars())
    assert database["DATABASES"]["default"]["NAME"] == "d8abc"


# --- Errors mailed to a person ---------------------------------------------------


def test_admins_come_from_a_comma_separated_variable():
    settings = read_settings(
        "ADMINS", "SERVER_EMAIL",
        DJANGO_ADMINS="ops@example.com, you@example.com", **production_config_vars(),
    )
    admins = [entry if isinstance(entry, str) else entry[1] for entry in settings["ADMINS"]]
    assert admins == ["ops@example.com", "you@example.com"]
    assert settings["SERVER_EMAIL"] == "calibration@example.com"  # DEFAULT_FROM_EMAIL


def test_without_admins_nobody_is_mailed():
    assert read_settings("ADMINS", **production_config_vars()) == {"ADMINS": []}
