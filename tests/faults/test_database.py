"""The database restarts, or is down, under a running web dyno.

Heroku restarts Postgres for maintenance and failover. The guide's settings
keep connections open (conn_max_age=600) and test each one before reuse
(conn_health_checks=True), so the first request after a restart reconnects
instead of failing on a dead connection.
"""

import pytest
from heroku import HTTPS

# Django keeps one connection per thread. With one worker and one thread,
# the request after the restart is served by the very thread, and so the
# very connection, that served the request before it: the case every
# thread of every worker meets after a real restart. With 2 workers of 5
# threads, the second request could land on a thread with no connection yet
# and pass whatever the setting says.
ONE_CONNECTION = {"WEB_CONCURRENCY": "1", "GUNICORN_CMD_ARGS": "--access-logfile - --threads 1"}


def home(server, timeout=10):
    """(status, body) of the home page, which reads the database."""
    status, _, body = server.request("GET", "/", headers=HTTPS, timeout=timeout)
    return status, body


def assert_plain_500(status, body):
    """A 500 that shows the example's 500.html, and nothing about the error."""
    assert status == 500, body[:500]
    text = body.decode()
    assert "Something went wrong" in text
    for leak in ("Traceback", "OperationalError", "psycopg", "DATABASE", "127.0.0.1"):
        assert leak not in text, f"the error page shows {leak!r}:\n{text}"


@pytest.mark.parametrize(("settings_module", "after_restart"), [
    pytest.param("staff.settings", 200, id="guide-settings-reconnect"),
    # The same test with the protection removed: the request after the
    # restart fails, which proves the test can see what the setting does.
    pytest.param("settings_without_health_checks", 500, id="without-health-checks-fails"),
])
def test_request_after_database_restart(database, web_dyno, settings_module, after_restart):
    with web_dyno(DJANGO_SETTINGS_MODULE=settings_module, **ONE_CONNECTION) as server:
        assert home(server)[0] == 200, server.log()[-3000:]
        database.restart()
        status, body = home(server)
        assert status == after_restart, server.log()[-3000:]
        if after_restart == 500:
            assert_plain_500(status, body)
            assert "terminating connection due to administrator command" in server.log()
        # Either way, the request after that one is served.
        assert home(server)[0] == 200, server.log()[-3000:]


def test_database_down_at_boot(database, web_dyno):
    """The dyno boots without its database, answers a plain 500, logs why, and recovers."""
    database.stop()
    with web_dyno() as server:
        assert_plain_500(*home(server))
        log = server.log()
        assert "ERROR django.request: Internal Server Error: /" in log and "Connection refused" in log, log
        # Static files need no database.
        assert server.request("GET", "/static/css/site.css", headers=HTTPS)[0] == 200
        database.start()
        assert home(server)[0] == 200, server.log()[-3000:]


def test_database_down_while_serving(database, web_dyno, report):
    """The database goes away under a serving dyno: a plain 500 while it is down, then service again."""
    with web_dyno() as server:
        assert home(server)[0] == 200
        database.stop()
        # Both workers, every thread: each request fails cleanly, none hangs.
        for _ in range(4):
            assert_plain_500(*home(server, timeout=15))
        database.start()
        statuses = [home(server)[0] for _ in range(4)]
        assert statuses == [200] * 4, server.log()[-3000:]
        report(f"database down while serving: 4 plain 500s, then {statuses} once it returned")
