"""Settings in each environment the guide describes, each read by a process of its own.

Settings are read once, at import, so every case here runs in a process that
has exactly the variables it names (conftest.py's `python`): nothing leaks
in from the machine running the tests, or from another case.
"""

import django
import pytest
from heroku import production_config_vars as production
from pages import ROOT, blocks_setting

EXAMPLE = ROOT / "example"
PRODUCTION = production()
DEVELOPMENT = {"DJANGO_DEBUG": "true"}
HEROKU_POSTGRES = "postgres://user:secret@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8abc"
ADMINS = ["ops@example.com", "you@example.com"]


# (variables the process has alone, {setting: value}); a dotted name looks inside a dict.
SETTINGS = {
    "debug-off-for-" + word: (production(DJANGO_DEBUG=word), {"DEBUG": False})
    # The source guide's `os.environ.get('DEBUG_VALUE') != 'False'` turned
    # DEBUG on for every one of these but the exact word False.
    for word in ["false", "False", "0", "no", "off", ""]
} | {
    # Development mode only when said in words; unset (the variable missing) means off.
    **{"debug-on-for-" + word.strip(): ({"DJANGO_DEBUG": word}, {"DEBUG": True}) for word in ["true", "True", "1", "yes", "on", " ON "]},
    "debug-off-when-unset": (PRODUCTION, {"DEBUG": False}),
    "dyno-reads-database-url": (production(DYNO="web.1", DATABASE_URL=HEROKU_POSTGRES), {"DATABASES.default.NAME": "d8abc"}),
    "allowed-hosts-default": (PRODUCTION, {"ALLOWED_HOSTS": [".herokuapp.com", "localhost", "127.0.0.1", "[::1]"]}),
    "allowed-hosts-comma-separated": (
        production(DJANGO_ALLOWED_HOSTS=" www.example.com, example.com ,,"),
        {"ALLOWED_HOSTS": ["www.example.com", "example.com"]},
    ),
    "production-https-only": (PRODUCTION, {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"], "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 31536000,
    }),
    "development-plain-http": (DEVELOPMENT, {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}),
    "development-sqlite-in-the-project": (DEVELOPMENT, {
        "DATABASES.default.ENGINE": "django.db.backends.sqlite3",
        "DATABASES.default.NAME": str(EXAMPLE / "db.sqlite3"),
    }),
    "heroku-postgres-persistent-checked-encrypted": (production(DATABASE_URL=HEROKU_POSTGRES), {
        "DATABASES.default.ENGINE": "django.db.backends.postgresql", "DATABASES.default.NAME": "d8abc",
        "DATABASES.default.CONN_MAX_AGE": 600, "DATABASES.default.CONN_HEALTH_CHECKS": True,
        "DATABASES.default.OPTIONS": {"sslmode": "require"},
    }),
    # A database on this machine needs no TLS: no OPTIONS at all.
    **{f"no-tls-to-{host}": (production(DATABASE_URL=f"postgres://postgres@{host}:5432/test"),
                             {"DATABASES.default.OPTIONS": None}) for host in ["127.0.0.1", "localhost", "[::1]"]},
    # The port decides between STARTTLS and TLS.
    **{f"mail-port-{port}": (production(EMAIL_PORT=port), {"EMAIL_USE_TLS": tls, "EMAIL_USE_SSL": not tls})
       for port, tls in [("587", True), ("465", False), ("2525", True)]},
    "mail-relay-without-tls": (production(EMAIL_PORT="25", EMAIL_USE_TLS="false"), {
        "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }),
    "development-mail-to-the-console": (DEVELOPMENT, {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    "errors-logged-to-stdout": (PRODUCTION, {
        "LOGGING.handlers.stdout.stream": "ext://sys.stdout", "LOGGING.root": {"handlers": ["stdout"], "level": "INFO"},
    }),
    "admins-comma-separated": (production(DJANGO_ADMINS=", ".join(ADMINS)), {
        # The form the example's settings give ADMINS on this Django (see [start:admins]).
        "ADMINS": ADMINS if django.VERSION >= (6, 0) else [[a, a] for a in ADMINS],
        "SERVER_EMAIL": "calibration@example.com",  # DEFAULT_FROM_EMAIL
    }),
    "without-admins-nobody-is-mailed": (PRODUCTION, {"ADMINS": []}),
}


@pytest.mark.parametrize(("variables", "expected"), SETTINGS.values(), ids=SETTINGS.keys())
def test_settings_in_each_environment(python, variables, expected):
    assert python.settings(variables, *expected) == expected


def test_development_gets_a_fresh_random_key_in_each_process(python):
    first, second = (python.settings(DEVELOPMENT, "SECRET_KEY")["SECRET_KEY"] for _ in range(2))
    assert len(first) >= 50 and first != second


def test_an_email_backend_left_above_the_block_cannot_print_production_mail(python):
    # The e-mail block sets EMAIL_BACKEND in both branches (its comment says why): a reader's
    # own console backend, left anywhere above it, loses to SMTP once EMAIL_HOST is set.
    leftover = 'EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"\n'
    code = ("import pathlib, types; path = pathlib.Path('staff/settings.py'); module = types.ModuleType('staff.settings'); "
            f"module.__file__ = str(path); exec(compile({leftover!r} + path.read_text(), str(path), 'exec'), vars(module)); "
            "print(module.EMAIL_BACKEND)")
    result = python("-c", code, **PRODUCTION)
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend"], (
        f"{' and '.join(blocks_setting('EMAIL_BACKEND'))}: with EMAIL_HOST set, an EMAIL_BACKEND left above this block "
        f"gives {result.stdout.strip() or result.stderr}: the block must set EMAIL_BACKEND in both branches")


def test_no_secret_key_is_written_in_the_example():
    # The source guide kept its key in a comment. A key-shaped string in any
    # file of the example would be one a reader might deploy.
    for path in EXAMPLE.rglob("*.py"):
        text = path.read_text()
        assert "SECRET_KEY = \"" not in text and "SECRET_KEY = '" not in text, path


def sqlite_file_state():
    """Whether example/db.sqlite3 exists, and its size and modification time if so."""
    path = EXAMPLE / "db.sqlite3"
    return path.stat()[6:9] if path.exists() else None


def assert_refused(python, arguments, variables, *expected):
    """A non-zero exit with one readable message that names the variable, no traceback, nothing written."""
    before = sqlite_file_state()
    result = python(*arguments, **variables)
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: "), result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr
    assert sqlite_file_state() == before
    return result


CHECK = ("manage.py", "check")
# gunicorn imports wsgi.py in its master (preload_app), so its exit is a web
# dyno's boot: one line in `heroku logs`, then crash (H10).
WSGI = ("-c", "import staff.wsgi")
NO_DATABASE = ("DATABASE_URL is not set on this dyno", "heroku addons:create heroku-postgresql:essential-0")
# (command, variables it has alone, what its message says)
REFUSALS = {
    **{f"debug-word-{word}": (CHECK, production(DJANGO_DEBUG=word), f"DJANGO_DEBUG={word!r} is not a yes/no value")
       for word in ["Flase", "maybe", "debug", "2"]},
    "trusted-origin-without-scheme": (CHECK, production(DJANGO_CSRF_TRUSTED_ORIGINS="app.example.com"),
                                      "https://app.example.com"),
    "hsts-not-a-number": (CHECK, production(DJANGO_HSTS_SECONDS="a year"),
                          "DJANGO_HSTS_SECONDS='a year' is not a whole number"),
    "mail-port-not-a-number": (CHECK, production(EMAIL_PORT="smtp"), "EMAIL_PORT='smtp' is not a whole number"),
    # A broken DATABASE_URL is named without the password it holds.
    **{f"database-url-{name}": (CHECK, production(DATABASE_URL=url), "DATABASE_URL", message) for name, url, message in [
        ("port", "postgres://user:secret@host:port/name", "is the port a number"),
        ("scheme", "mysqlx://user:secret@host/name", "starts with 'mysqlx://'"),
        ("no-name", "postgres://user:secret@host:5432", "names no database"),
        ("a-command", "heroku config:get DATABASE_URL", "starts with no scheme"),
    ]},
    # The Procfile's release: line, in a release dyno (Heroku numbers them at random), and `heroku run`.
    "release-phase-without-database": (("manage.py", "migrate", "--no-input"), production(DYNO="release.3212"),
                                       *NO_DATABASE),
    "one-off-dyno-without-database": (("manage.py", "loaddata", "sample_staff"), production(DYNO="run.1"), *NO_DATABASE),
}


@pytest.mark.parametrize(("arguments", "variables", "expected"), [(c[0], c[1], c[2:]) for c in REFUSALS.values()],
                         ids=REFUSALS.keys())
def test_a_configuration_error_is_one_line_without_secrets(python, arguments, variables, expected):
    result = assert_refused(python, arguments, variables, *expected)
    assert result.stderr.count("\n") == 1 and "secret" not in result.stderr, result.stderr


@pytest.mark.parametrize("arguments", [CHECK, WSGI], ids=["manage-py", "wsgi-py"])
def test_an_empty_environment_refuses_to_start_without_a_secret_key(python, arguments):
    assert_refused(python, arguments, {}, "DJANGO_SECRET_KEY is not set", "heroku config:set")


def test_a_web_dyno_without_database_url_refuses_to_boot(python):
    assert_refused(python, WSGI, production(DYNO="web.1"), *NO_DATABASE)


def test_check_deploy_is_clean_in_production_only_with_a_mail_server(python):
    deploy_check = ("check", "--deploy", "--fail-level", "WARNING")
    clean = python.manage(*deploy_check, **PRODUCTION)
    assert clean.returncode == 0 and "System check identified no issues (1 silenced)." in clean.stdout, clean.stderr
    without = python.manage(*deploy_check, **production(EMAIL_HOST=""))
    assert without.returncode != 0 and "calibration.W001" in without.stderr, without.stderr


@pytest.mark.parametrize(
    "build_variables",
    [
        pytest.param({}, id="no-dyno"),
        # The buildpack exports BUILD_DIR to collectstatic (its spec/hatchet/django_spec.rb
        # shows the build's environment); its tests hide a DYNO variable there too.
        pytest.param({"DYNO": "build.1", "BUILD_DIR": "/tmp/build_0123abcd"}, id="dyno-and-build-dir"),
    ],
)
def test_the_build_without_database_url_still_collects_static_files(python, build_variables):
    # The build has the config vars, and collectstatic opens no database.
    result = python.manage("collectstatic", "--noinput", "--dry-run", **build_variables, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout
