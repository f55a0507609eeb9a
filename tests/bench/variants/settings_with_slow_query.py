"""Test-only: the example's settings plus a page that waits 1 s in PostgreSQL, for the bench's slow-request load.

A stand-in for the requests a real app has that wait on something slow (a
report query, a payment API, an upload): while a few of them are in
flight, the bench measures how fast the database page still answers.
Nothing else differs from staff.settings.
"""

from staff.settings import *  # noqa: F403

ROOT_URLCONF = "urls_with_slow_query"
