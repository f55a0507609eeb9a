"""Shutdown as Heroku does it: SIGTERM to every process of the dyno, SIGKILL 30 s later.

Runs last (conftest.py orders it): it stops the web dyno the other probes share.
"""

import http.client
import socket
import time

from heroku import APP_HOST as HOST
from heroku import SIGKILL_AFTER

# "Well inside" the 30 s, with room for a loaded machine: graceful_timeout is 20 s, and a
# worker with nothing left to do exits at once.
EXPECTED_EXIT_WITHIN = 15


def test_sigterm_finishes_the_request_in_flight_and_exits_cleanly(web, timings):
    # A client that has sent half its request: the worker has accepted it and waits for the rest.
    with socket.create_connection(("127.0.0.1", web.port), timeout=15) as client:
        client.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\n".encode())
        time.sleep(0.3)  # long enough for a worker to accept it

        web.sigterm()  # the whole process group, as Heroku does
        stopping = time.monotonic()
        time.sleep(0.5)  # the dyno is stopping; the rest of the request is still on its way
        assert web.process.poll() is None, f"the server exited {web.process.returncode} at SIGTERM with a request in flight:\n{web.log()[-3000:]}"

        client.sendall(b"X-Forwarded-Proto: https\r\nAccept: text/html\r\n\r\n")
        response = http.client.HTTPResponse(client)
        response.begin()
        body = response.read()
        assert response.status == 200 and b"Ada Lovelace" in body, f"the request in flight at SIGTERM got {response.status}, {len(body)} bytes"

    code = web.wait_for_exit(SIGKILL_AFTER)  # SIGKILL and fail, as Heroku would kill it
    took = time.monotonic() - stopping
    timings["web: SIGTERM to exit, request in flight"] = took
    assert code == 0, f"the server exited {code} after SIGTERM, not 0:\n{web.log()[-3000:]}"
    assert took < EXPECTED_EXIT_WITHIN, f"the server took {took:.1f} s to exit after SIGTERM"
