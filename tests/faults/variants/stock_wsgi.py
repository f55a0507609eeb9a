"""Test-only: the example's project with Django's stock wsgi.py, as startproject writes it (no sys.exit on a settings error)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staff.settings")

application = get_wsgi_application()
