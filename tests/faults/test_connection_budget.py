"""The connection budget of step 11: more threads holding connections than the database allows.

Heroku's Essential plans cap the connections a database accepts. Here a role
of the throwaway cluster gets a CONNECTION LIMIT below what one dyno of the
example may hold (workers x threads, each thread keeping its connection for
CONN_MAX_AGE), and the web dyno is put under concurrent requests: some fail,
and the log shows the ``too many connections`` the troubleshooting page
tells the reader to look for. With the limit at the budget, none fail.
"""

import concurrent.futures
import re
import subprocess

import pytest
from heroku import HTTPS, production_config_vars
from pages import DOCS, ROOT, read_page

PAGE = read_page(DOCS / "troubleshooting.rst")
WORKERS = 1
REQUESTS, CLIENTS = 150, 10


def threads():
    """gunicorn's threads per worker, from the app's gunicorn.conf.py (the build copies it as it is)."""
    text = (ROOT / "example" / "gunicorn.conf.py").read_text()
    return int(re.search(r"^threads = (\d+)$", text, re.M).group(1))


def limited_role(cluster, name, limit):
    """A role that may open at most `limit` connections, allowed to read and write the app's tables."""
    sql = (
        f"DROP ROLE IF EXISTS {name}; CREATE ROLE {name} LOGIN CONNECTION LIMIT {limit}; "
        f"GRANT pg_read_all_data, pg_write_all_data TO {name};"
    )
    subprocess.run(
        [*cluster.as_postgres, str(cluster.bin / "psql"), "-h", "127.0.0.1", "-p", str(cluster.port),
         "-U", cluster.user, "-d", cluster.database, "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, timeout=30,
    )
    return f"postgres://{name}@127.0.0.1:{cluster.port}/{cluster.database}"


def statuses_under_load(server):
    def one(_):
        return server.request("GET", "/", headers=HTTPS, timeout=20)[0]

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(REQUESTS)))


@pytest.mark.parametrize(
    ("limit", "fails"),
    [
        pytest.param(2, True, id="limit-below-threads"),
        pytest.param(WORKERS * threads(), False, id="limit-at-budget"),
    ],
)
def test_connection_budget(database, web_dyno, limit, fails):
    assert "too many connections" in PAGE.text
    url = limited_role(database, f"budget_{limit}", limit)
    config = production_config_vars(DATABASE_URL=url)
    with web_dyno(config, WEB_CONCURRENCY=str(WORKERS)) as server:
        statuses = statuses_under_load(server)
        server.stop()
        log = server.log()
    if fails:
        assert 500 in statuses, statuses
        assert "too many connections" in log, log[-3000:]
    else:
        assert set(statuses) == {200}, statuses
        assert "too many connections" not in log
