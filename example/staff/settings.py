"""Settings for the Staff Calibration example: one module for every environment.

Everything that differs between a laptop and a Heroku dyno comes from
environment variables (Heroku's config vars). Forgetting one never turns a
safety off: with no variables at all, DEBUG is off and the app refuses to
start without a secret key. A variable with a wrong value stops start-up with
a message that names it and says how to fix it.
"""

from pathlib import Path

# [start:settings-imports]
# For reading config vars (step 3): the environment, a random development
# key, and Django's exception for a broken configuration.
import os
import secrets

from django.core.exceptions import ImproperlyConfigured
# [end:settings-imports]

# [start:database-imports]
# For DATABASE_URL (step 4).
from urllib.parse import urlsplit

import dj_database_url
# [end:database-imports]

# [start:admins-imports]
# For ADMINS (step 11): the version of the running Django.
import django
# [end:admins-imports]

# example/, the folder that holds manage.py.
BASE_DIR = Path(__file__).resolve().parent.parent


# [start:env-helpers]
# Config vars are strings. These helpers turn them into Python values and
# reject anything they cannot read, naming the variable, instead of guessing.
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_flag(name, default=False):
    """Read a yes/no variable; unset or empty gives the default."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a yes/no value. "
        f"Set it to true or false, or unset it."
    )


def env_list(name, default):
    """Read a comma-separated list; unset or empty gives the default."""
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


def env_int(name, default):
    """Read a whole number; unset or empty gives the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number. "
            f"Set it to a number such as {default}, or unset it."
        ) from None


# [end:env-helpers]


# [start:debug]
# DEBUG shows tracebacks and settings to anyone who triggers an error, so it
# is on only when DJANGO_DEBUG says so in words. A dyno whose config vars
# were never set, or were lost, runs with DEBUG off.
DEBUG = env_flag("DJANGO_DEBUG")
# [end:debug]


# [start:secret-key]
# The secret key signs password-reset links, signed-cookie sessions and
# anything made with django.core.signing. It lives in a config var, never
# in the repository. Every dyno must share one key, or a link or cookie
# signed on one dyno is rejected by the next, so production refuses to
# start without it rather than inventing one.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Development only: a fresh random key each time the server starts,
    # so no key is ever written down. Restarting logs you out.
    SECRET_KEY = secrets.token_urlsafe(50)
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set, or shorter than 50 characters. Create one "
        "and set it as a config var:\n"
        "  heroku config:set DJANGO_SECRET_KEY="
        "\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\"\n"
        "or, to run locally with the development key, set DJANGO_DEBUG=true."
    )
# [end:secret-key]


# [start:allowed-hosts]
# Django answers only requests whose Host header is listed here. The
# default covers every app at <name>.herokuapp.com and a local run; add
# custom domains with DJANGO_ALLOWED_HOSTS=www.example.com,example.com.
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [".herokuapp.com", "localhost", "127.0.0.1", "[::1]"]
)

# A form posted over HTTPS is accepted when its Origin header matches the
# site itself. Only origins that are *other* sites (a separate front end,
# say) belong here, each with its scheme: https://app.example.com.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS entry {origin!r} has no scheme. "
            f"Write it as https://{origin}."
        )
# [end:allowed-hosts]


INSTALLED_APPS = [
    # [start:installed-apps]
    # WhiteNoise's runserver_nostatic stops `manage.py runserver` serving
    # static files itself, so development uses the same code as production.
    # It must come before django.contrib.staticfiles.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # [end:installed-apps]
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "calibration",
]

# [start:middleware]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise answers requests for static files before the rest of Django
    # runs. It goes directly after SecurityMiddleware, so static files still
    # get the security headers and the HTTPS redirect.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# [end:middleware]

ROOT_URLCONF = "staff.urls"
WSGI_APPLICATION = "staff.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# [start:https]
# Heroku's router ends HTTPS and forwards the request to the dyno over
# plain HTTP, adding X-Forwarded-Proto: https. The router always sets that
# header, replacing any a client sent, so Django can trust it to tell
# whether the visitor used HTTPS. gunicorn trusts it too on Heroku (the
# buildpack sets FORWARDED_ALLOW_IPS='*'), but this line keeps Django right
# under any server; where neither trusts the header, SECURE_SSL_REDIRECT
# would redirect every request, even HTTPS ones, forever.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Outside development: send plain-HTTP visitors to HTTPS, keep cookies off
# plain HTTP, and tell browsers to use only HTTPS for a year (HSTS).
SECURE_SSL_REDIRECT = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# `check --deploy` also asks for SECURE_HSTS_PRELOAD (security.W021). The
# preload list is a request to browser vendors that takes months to undo,
# so it is a decision for the site's owner, not a default of this example.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# [end:https]


# [start:database]
# Heroku Postgres sets DATABASE_URL (postgres://USER:PASSWORD@HOST:5432/NAME).
# Without it the app uses an SQLite file, which suits a laptop but not a
# dyno: a dyno's disk is wiped at every restart, taking the file with it.
# So a dyno (Heroku sets DYNO in web, release and one-off dynos) refuses to
# start without DATABASE_URL. The build's collectstatic needs no database, so
# the build is let through: it has the buildpack's BUILD_DIR, and perhaps a
# DYNO too (the buildpack's own tests hide one from the build's environment).
if os.environ.get("DYNO") and not os.environ.get("BUILD_DIR") and not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set on this dyno, so its data would go to an SQLite "
        "file that the next restart deletes. Add a database: "
        "heroku addons:create heroku-postgresql:essential-0"
    )
DATABASE_URL = os.environ.get(
    "DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
)
database_url = urlsplit(DATABASE_URL)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Keep each connection open for 10 minutes instead of opening
            # one per request, and test it before reuse, so a database
            # restart (Heroku does them for maintenance) costs no request.
            conn_max_age=600,
            conn_health_checks=True,
            # Heroku Postgres accepts only encrypted connections. A database
            # on this machine (loopback or a socket) does not need it.
            ssl_require=database_url.scheme.startswith("postgres")
            and database_url.hostname not in (None, "localhost", "127.0.0.1", "::1"),
        )
    }
# The URL holds a password: say what is wrong, never echo the value.
except dj_database_url.UnknownSchemeError:
    found = f"'{database_url.scheme}://'" if database_url.scheme else "no scheme"
    raise ImproperlyConfigured(
        f"DATABASE_URL starts with {found}, not a database Django knows. "
        f"Heroku Postgres URLs look like postgres://USER:PASSWORD@HOST:5432/NAME."
    ) from None
except ValueError:
    raise ImproperlyConfigured(
        "DATABASE_URL cannot be read: is the port a number, and is every special "
        "character in the password %-encoded? Compare it with: heroku config:get DATABASE_URL"
    ) from None
if not DATABASES["default"]["NAME"]:
    raise ImproperlyConfigured(
        "DATABASE_URL names no database. "
        "Expected postgres://USER:PASSWORD@HOST:5432/NAME."
    )
# [end:database]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


# [start:static-files]
# Templates link static files under /static/. `collectstatic`, which the
# Heroku build runs for you, copies them from each app and from
# STATICFILES_DIRS into STATIC_ROOT, where WhiteNoise serves them.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Folders of static files that belong to no app. Django warns about a
# listed folder that does not exist (staticfiles.W004), which fails
# `check --deploy --fail-level WARNING`, so it is listed only if it exists.
STATICFILES_DIRS = [folder for folder in [BASE_DIR / "static"] if folder.is_dir()]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # At collectstatic time, give each file a name with a hash of its
    # content (site.3c5a1e0f.css) and write gzip and Brotli copies, so
    # WhiteNoise can tell browsers to cache it for ten years and send it
    # compressed.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
# [end:static-files]


# [start:email]
# Mail goes through an SMTP server whose details are config vars: Gmail
# (with an app password), Mailgun, SendGrid or any other. Port 465 speaks
# TLS from the first byte; any other port (587 is usual) upgrades with
# STARTTLS, unless EMAIL_USE_TLS=false says the server has no TLS at all.
# In development, messages are printed to the console instead.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_USE_SSL = EMAIL_PORT == 465
EMAIL_USE_TLS = not EMAIL_USE_SSL and env_flag("EMAIL_USE_TLS", default=True)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "calibration@localhost")
if DEBUG or not EMAIL_HOST:
    # Without EMAIL_HOST in production, messages go to the log and the
    # check framework says so (calibration.W001) on every deploy.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# [end:email]


# [start:admins]
# With DEBUG off, Django e-mails the traceback of every server error (500)
# to ADMINS, from SERVER_EMAIL, through the mail settings above. List the
# addresses in a config var: DJANGO_ADMINS=ops@example.com,you@example.com.
# Unset, nobody is mailed and errors reach only the log.
admin_addresses = env_list("DJANGO_ADMINS", [])
# Django 6.0 takes plain addresses and deprecates the (name, address) pairs
# that Django 5.2 requires.
ADMINS = admin_addresses if django.VERSION >= (6, 0) else [(a, a) for a in admin_addresses]
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# [end:admins]


# [start:logging]
# Heroku collects what a dyno writes to stdout and stderr: `heroku logs
# --tail` shows it. Send every log record there, errors included (by
# default Django prints them only when DEBUG is on).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
# [end:logging]
