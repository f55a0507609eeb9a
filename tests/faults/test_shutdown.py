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

import socket
import threading
import time

import pytest
from heroku import SIGKILL_AFTER as HEROKU_SIGKILL_AFTER
from heroku import production_config_vars
from pages import example_values

# The example's own value, read as the pages render it (docs/_ext/example_values.py).
GRACEFUL_TIMEOUT = example_values.example_value("gunicorn.conf.py:graceful_timeout")
SLOW_CLIENTS = 4
# Each slow client takes this long to send its request headers.
TRICKLE_SECONDS = 3.0


def read_response(sock):
    """Read one HTTP/1.1 response with a Content-Length; returns (status, headers text, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before the headers were complete: {data!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    head = head.decode("latin-1")
    length = int(next(line.split(":", 1)[1] for line in head.split("\r\n") if line.lower().startswith("content-length:")))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {len(body)} of {length} body bytes")
        body += chunk
    return int(head.split()[1]), head, body


def slow_client(port, results, index):
    """Send a GET for the home page one header line at a time, then read the whole answer."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=HEROKU_SIGKILL_AFTER) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n")
            lines = 6
            for line in range(lines):
                time.sleep(TRICKLE_SECONDS / lines)
                sock.sendall(f"X-Slow-Client-{index}: line {line}\r\n".encode())
            sock.sendall(b"Connection: close\r\n\r\n")
            status, _, body = read_response(sock)
        results[index] = ("answered", status, len(body), time.monotonic())
    except OSError as error:  # ConnectionResetError and friends
        results[index] = ("failed", repr(error), time.monotonic() - started, time.monotonic())


def kept_alive_client(port, results, sigterm_sent):
    """One request, then a second one on the same connection 1 s after SIGTERM."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=HEROKU_SIGKILL_AFTER) as sock:
            request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n"
            sock.sendall(request)
            first, _, _ = read_response(sock)
            sigterm_sent.wait(timeout=HEROKU_SIGKILL_AFTER)
            time.sleep(1)
            sock.sendall(request)
            second, head, _ = read_response(sock)
        results["kept-alive"] = ("answered", (first, second), "connection: close" in head.lower(), time.monotonic())
    except OSError as error:
        results["kept-alive"] = ("failed", repr(error), None, time.monotonic())


@pytest.mark.parametrize(
    ("graceful_args", "expect_clean"),
    [
        pytest.param("", True, id="guide-config-finishes-requests"),
        # The protection removed: a 1 s graceful timeout cuts the slow requests.
        pytest.param(" --graceful-timeout 1", False, id="short-graceful-timeout-fails"),
    ],
)
def test_sigterm_with_requests_in_flight(database, web_dyno, report, graceful_args, expect_clean):
    config = production_config_vars(DATABASE_URL=database.url)
    with web_dyno(config, GUNICORN_CMD_ARGS="--access-logfile -" + graceful_args) as server:
        results = {}
        sigterm_sent = threading.Event()
        clients = [
            threading.Thread(target=slow_client, args=(server.port, results, index))
            for index in range(SLOW_CLIENTS)
        ]
        clients.append(threading.Thread(target=kept_alive_client, args=(server.port, results, sigterm_sent)))
        for client in clients:
            client.start()
        time.sleep(0.5)  # every client connected, and sending
        sigterm_at = time.monotonic()
        sigterm_sent.set()
        exit_code = server.stop(timeout=HEROKU_SIGKILL_AFTER)
        exited_after = time.monotonic() - sigterm_at
        for client in clients:
            client.join(timeout=HEROKU_SIGKILL_AFTER)
        log = server.log()

    failed = {key: value for key, value in results.items() if value[0] != "answered"}
    if not expect_clean:
        assert failed, f"a 1 s graceful timeout cut no request: the test cannot see a cut\n{results}"
        cut = sorted({str(value[1]) for value in failed.values()})
        report(f"SIGTERM with --graceful-timeout 1: {len(failed)} of {len(results)} requests cut: {cut}")
        return
    assert not failed, f"requests in flight at SIGTERM were cut: {failed}\n{log}"
    assert len(results) == SLOW_CLIENTS + 1
    for index in range(SLOW_CLIENTS):
        _, status, _, finished = results[index]
        assert status == 200
        assert finished > sigterm_at, "the slow request was not in flight at SIGTERM"
    _, statuses, closes, _ = results["kept-alive"]
    assert statuses == (200, 200) and closes, results["kept-alive"]
    assert exit_code == 0, log
    assert exited_after < GRACEFUL_TIMEOUT < HEROKU_SIGKILL_AFTER, log
    report(
        f"SIGTERM with {SLOW_CLIENTS} slow requests and a kept-alive connection in flight: "
        f"all answered 200, server exited {exit_code} after {exited_after:.1f} s "
        f"(graceful_timeout {GRACEFUL_TIMEOUT} s, Heroku's SIGKILL at {HEROKU_SIGKILL_AFTER} s)"
    )
