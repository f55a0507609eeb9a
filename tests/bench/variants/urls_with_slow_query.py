"""Test-only: the example's URLs plus /slow-query/, which waits 1 s in the database; see settings_with_slow_query."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from staff.urls import urlpatterns as example_urlpatterns

SLOW_QUERY_SECONDS = 1


def slow_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [SLOW_QUERY_SECONDS])
    return HttpResponse("slept\n", content_type="text/plain")


urlpatterns = [*example_urlpatterns, path("slow-query/", slow_query)]
