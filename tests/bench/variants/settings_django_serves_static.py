"""Test-only: the example's settings without WhiteNoise, Django serving the collected files, for `nox -s bench` (d).

WhiteNoise's middleware and runserver_nostatic are removed, and
ROOT_URLCONF adds /static/ served by django.views.static.serve from
STATIC_ROOT: the view behind django.conf.urls.static.static(), which
Django documents as "grossly inefficient and probably insecure" and only
for development. It reads each file on each request, and sends no
compressed copy and no far-future Cache-Control.
"""

from staff.settings import *  # noqa: F403
from staff.settings import INSTALLED_APPS, MIDDLEWARE

MIDDLEWARE = [name for name in MIDDLEWARE if not name.startswith("whitenoise.")]
INSTALLED_APPS = [name for name in INSTALLED_APPS if not name.startswith("whitenoise.")]
ROOT_URLCONF = "urls_django_serves_static"
