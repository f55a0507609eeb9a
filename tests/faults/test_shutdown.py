"""A dyno restarts while requests are in flight.

Heroku sends SIGTERM to every process of the dyno, then SIGKILL 30 s later.
The guide's gunicorn.conf.py gives in-flight requests graceful_timeout
(20 s) to finish. What gunicorn's gthread worker waits for is every
connection it has accepted: a request whose headers or body are still
arriving (a slow client, a large upload), and, for 2 s, a kept-alive
connection on which the client may be sending its next request. A slow
*reader* is no test: the kernel buffers megabytes of a response on loopback,
so the server has finished long before the client has.
"""

import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from heroku import SIGKILL_AFTER as HEROKU_SIGKILL_AFTER
from pages import example_values

# The example's own value, read as the pages render it (docs/_ext/example_values.py).
GRACEFUL_TIMEOUT = example_values.example_value("gunicorn.conf.py:graceful_timeout")
SLOW_CLIENTS = 4
# Each slow client takes this long to send its request headers.
TRICKLE_SECONDS = 3.0


def response(sock):
    """One HTTP/1.1 response read from `sock` by http.client's parser: (status, its Connection header)."""
    answer = http.client.HTTPResponse(sock)
    answer.begin()
    answer.read()
    return answer.status, answer.getheader("connection", "").lower()


def answered(client, *arguments):
    """(what client(*arguments) returns, when it returned), or (what cut it, None)."""
    try:
        return client(*arguments), time.monotonic()
    except (OSError, http.client.HTTPException) as error:  # reset, or closed before the answer was whole
        return repr(error), None


def slow_client(port, index):
    """Send a GET for the home page one header line at a time, then read the whole answer: its status."""
    with socket.create_connection(("127.0.0.1", port), timeout=HEROKU_SIGKILL_AFTER) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n")
        for line in range(6):
            time.sleep(TRICKLE_SECONDS / 6)
            sock.sendall(f"X-Slow-Client-{index}: line {line}\r\n".encode())
        sock.sendall(b"Connection: close\r\n\r\n")
        return response(sock)[0]


def kept_alive_client(port, sigterm_sent):
    """One request, then a second one on the same connection 1 s after SIGTERM: both statuses, the last Connection."""
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=HEROKU_SIGKILL_AFTER) as sock:
        sock.sendall(request)
        first, _ = response(sock)
        sigterm_sent.wait(timeout=HEROKU_SIGKILL_AFTER)
        time.sleep(1)
        sock.sendall(request)
        return (first, *response(sock))


@pytest.mark.parametrize(("graceful_args", "expect_clean"), [
    pytest.param("", True, id="guide-config-finishes-requests"),
    # The protection removed: a 1 s graceful timeout cuts the slow requests.
    pytest.param(" --graceful-timeout 1", False, id="short-graceful-timeout-fails"),
])
def test_sigterm_with_requests_in_flight(web_dyno, report, graceful_args, expect_clean):
    with web_dyno(GUNICORN_CMD_ARGS="--access-logfile -" + graceful_args) as server:
        sigterm_sent = threading.Event()
        with ThreadPoolExecutor(SLOW_CLIENTS + 1) as pool:  # its end waits for every client
            clients = {index: pool.submit(answered, slow_client, server.port, index) for index in range(SLOW_CLIENTS)}
            clients["kept-alive"] = pool.submit(answered, kept_alive_client, server.port, sigterm_sent)
            time.sleep(0.5)  # every client connected, and sending
            sigterm_at = time.monotonic()
            sigterm_sent.set()
            exit_code = server.stop(timeout=HEROKU_SIGKILL_AFTER)
            exited_after = time.monotonic() - sigterm_at
        results = {key: client.result() for key, client in clients.items()}
        log = server.log()

    cut = {key: outcome for key, (outcome, answered_at) in results.items() if answered_at is None}
    if not expect_clean:
        assert cut, f"a 1 s graceful timeout cut no request: the test cannot see a cut\n{results}"
        report(f"SIGTERM with --graceful-timeout 1: {len(cut)} of {len(results)} requests cut: {sorted(set(cut.values()))}")
        return
    assert not cut, f"requests in flight at SIGTERM were cut: {cut}\n{log}"
    for index in range(SLOW_CLIENTS):
        assert results[index][0] == 200
        assert results[index][1] > sigterm_at, "the slow request was not in flight at SIGTERM"
    # Both answered on the one connection, the second saying it closes.
    assert results["kept-alive"][0] == (200, 200, "close"), results["kept-alive"]
    assert exit_code == 0, log
    assert exited_after < GRACEFUL_TIMEOUT < HEROKU_SIGKILL_AFTER, log
    report(f"SIGTERM with {SLOW_CLIENTS} slow requests and a kept-alive connection in flight: all answered 200, "
           f"server exited {exit_code} after {exited_after:.1f} s (graceful_timeout {GRACEFUL_TIMEOUT} s, "
           f"Heroku's SIGKILL at {HEROKU_SIGKILL_AFTER} s)")
