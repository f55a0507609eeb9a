"""WSGI entry point: gunicorn loads `application`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE", "staff.settings"
)

# [start:wsgi-config-error]
# gunicorn loads this once, in its master (preload_app), so a
# configuration mistake stops the dyno at boot with one line in
# `heroku logs`, not a traceback from every worker.
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.exit(f"Configuration error: {error}")
# [end:wsgi-config-error]
