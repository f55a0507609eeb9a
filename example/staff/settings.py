"""Settings for the Staff Calibration example: one module for every environment.

Everything that differs between a laptop and a Heroku dyno comes from
environment variables (Heroku's config vars). Forgetting one never turns a
safety off: with no variables at all, DEBUG is off and the app refuses to
start without a secret key. A variable with a wrong value stops start-up with
a message that names it and says how to fix it.
"""

from pathlib import Path

# [start:settings-imports]
# For reading config vars (step 3).
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
# For ADMINS (step 11): the running Django's version.
import django
# [end:admins-imports]

# example/, the folder that holds manage.py.
BASE_DIR = Path(__file__).resolve().parent.parent


# [start:debug]
# Config vars are strings: read them into Python values, and
# stop with the variable's name on a value they cannot read.
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_flag(name, default=False):
    """A yes/no variable; unset or empty gives the default."""
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
    """A comma-separated list; unset or empty: the default."""
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",")]
    return [item for item in items if item] or default


def env_int(name, default):
    """A whole number; unset or empty gives the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a whole number. "
            f"Set it to a number such as {default}, "
            f"or unset it."
        ) from None


# On only when DJANGO_DEBUG says so: a dyno whose config vars
# were never set, or were lost, runs with DEBUG off.
DEBUG = env_flag("DJANGO_DEBUG")
# [end:debug]


# [start:secret-key]
# Signs password-reset links and signed cookies. Every dyno
# needs the same key, so production refuses to start without
# one rather than invent one.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Development: a new key at each start, never written down.
    SECRET_KEY = secrets.token_urlsafe(50)
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set, or shorter than 50 "
        "characters. Create one and set it as a config var:\n"
        "  heroku config:set DJANGO_SECRET_KEY="
        "\"$(python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))')\"\n"
        "or, to run locally with the development key, "
        "set DJANGO_DEBUG=true."
    )
# [end:secret-key]


# [start:allowed-hosts]
# Every app at <name>.herokuapp.com and a local run; add your
# domains with DJANGO_ALLOWED_HOSTS=www.example.com,example.com
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    [".herokuapp.com", "localhost", "127.0.0.1", "[::1]"],
)

# Forms from the site itself pass. List only *other* sites
# allowed to post here, each with its scheme (https://...).
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", []
)
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS entry {origin!r} has "
            f"no scheme. Write it as https://{origin}."
        )
# [end:allowed-hosts]


INSTALLED_APPS = [
    # [start:installed-apps]
    # runserver then serves static files with WhiteNoise, as
    # production does. It must come before staticfiles.
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

# [start:middleware-list]
MIDDLEWARE = [
    # [start:middleware]
    "django.middleware.security.SecurityMiddleware",
    # Right after SecurityMiddleware: static files get its
    # headers and HTTPS redirect, and skip everything below.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # [end:middleware]
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# [end:middleware-list]

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



# [start:database]
# Heroku Postgres sets DATABASE_URL. Without it: SQLite, fine
# on a laptop; on a dyno (Heroku sets DYNO) its disk is wiped
# at each restart, so stop. The build's collectstatic (it has
# BUILD_DIR) needs no database and is let through.
if (
    os.environ.get("DYNO")
    and not os.environ.get("BUILD_DIR")
    and not os.environ.get("DATABASE_URL")
):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set on this dyno, so its data "
        "would go to an SQLite file that the next restart "
        "deletes. "
        "Add a database: "
        "heroku addons:create heroku-postgresql:essential-0"
    )
DATABASE_URL = os.environ.get(
    "DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
)
database_url = urlsplit(DATABASE_URL)
is_postgres = database_url.scheme.startswith("postgres")
on_this_machine = database_url.hostname in (
    None, "localhost", "127.0.0.1", "::1"
)
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Reuse a connection for this many seconds, tested first.
            conn_max_age=600,
            conn_health_checks=True,
            # Encrypted, except to this machine.
            ssl_require=is_postgres and not on_this_machine,
        )
    }
# The URL holds a password: say what is wrong, never the URL.
except dj_database_url.UnknownSchemeError:
    scheme = database_url.scheme
    found = f"'{scheme}://'" if scheme else "no scheme"
    raise ImproperlyConfigured(
        f"DATABASE_URL starts with {found}, not a database "
        f"Django knows. Heroku Postgres URLs look like "
        f"postgres://USER:PASSWORD@HOST:5432/NAME."
    ) from None
except ValueError:
    raise ImproperlyConfigured(
        "DATABASE_URL cannot be read: is the port a number, "
        "and is every special character in the password "
        "%-encoded? Compare it with: "
        "heroku config:get DATABASE_URL"
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
# collectstatic (the Heroku build runs it) copies each app's
# files and STATICFILES_DIRS into STATIC_ROOT for WhiteNoise.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Listed only if it exists: a missing one is a warning
# (staticfiles.W004) that fails check --deploy.
STATICFILES_DIRS = [
    folder
    for folder in [BASE_DIR / "static"]
    if folder.is_dir()
]

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    },
    # Hashed names (site.3c5a1e0f.css), cached for ten years,
    # with gzip and Brotli copies.
    "staticfiles": {
        "BACKEND": "whitenoise.storage."
        "CompressedManifestStaticFilesStorage",
    },
}
# [end:static-files]


# [start:production]
# HTTPS. Heroku's router ends TLS and sets X-Forwarded-Proto:
# trust it, as Heroku's own example does, or the redirect
# below loops forever.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Outside development: redirect to HTTPS, keep cookies off
# plain HTTP, and ask browsers for HTTPS only for a year.
SECURE_SSL_REDIRECT = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = (
    0 if DEBUG else env_int("DJANGO_HSTS_SECONDS", 31536000)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Preloading (security.W021) takes months to undo: the site
# owner's decision, not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# E-mail, through an SMTP server set in config vars. Port 465
# is TLS from the first byte; others (587) upgrade with
# STARTTLS unless EMAIL_USE_TLS=false. Development prints mail.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_USE_SSL = EMAIL_PORT == 465
EMAIL_USE_TLS = not EMAIL_USE_SSL and env_flag(
    "EMAIL_USE_TLS", default=True
)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "calibration@localhost"
)
# The backend is set in both branches, so that an EMAIL_BACKEND
# set earlier in the file cannot print production mail.
if DEBUG or not EMAIL_HOST:
    # Without EMAIL_HOST, mail goes to the log.
    EMAIL_BACKEND = (
        "django.core.mail.backends.console.EmailBackend"
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# Logging: Heroku keeps what a dyno prints (heroku logs).
# Send every record to stdout, errors included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "{levelname} {name}: {message}",
            "style": "{",
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {
        "handlers": ["stdout"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
}
# [end:production]


# [start:admins]
# With DEBUG off, Django mails each server error's traceback to
# ADMINS: DJANGO_ADMINS=ops@example.com,you@example.com. Unset,
# errors reach only the log.
admin_addresses = env_list("DJANGO_ADMINS", [])
# Django 6.0 takes addresses; 5.2 needs (name, address) pairs.
ADMINS = (
    admin_addresses if django.VERSION >= (6, 0)
    else [(a, a) for a in admin_addresses]
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# [end:admins]
