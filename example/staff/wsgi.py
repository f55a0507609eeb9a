"""WSGI entry point: the Procfile's `gunicorn ... staff.wsgi` loads `application`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")

# [start:wsgi-config-error]
# gunicorn loads this module once, in its master process (preload_app in
# gunicorn.conf.py). A configuration mistake then stops the dyno at boot with
# one readable line in `heroku logs` instead of a traceback from every worker.
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.exit(f"Configuration error: {error}")
# [end:wsgi-config-error]
