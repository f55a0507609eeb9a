"""Test-only: the example's URLs plus /static/ served by Django itself; see settings_django_serves_static."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve
from staff.urls import urlpatterns as example_urlpatterns

urlpatterns = [re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}), *example_urlpatterns]
