"""A dyno on this machine: the release phase, one-off commands, and the web process started from the Procfile line exactly as written.

Every process runs through bash, as Heroku runs Procfile lines, in the build
folder, with dyno_environment(). A web dyno is started like Falcon's
tests/test_wsgi_servers.py starts its servers: an unused port, polling with
short timeouts, noticing a dead process, failing on a hang; and stopped as
Heroku stops it: SIGTERM to the whole process group, SIGKILL SIGKILL_AFTER
seconds later.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from heroku.build import DeployFailed, run_step
from heroku.platform import HTTPS, SIGKILL_AFTER, dyno_environment
from polling import wait_until


def unused_port():
    """A TCP port nothing on this machine listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port, method, path, *, headers=None, body=None, timeout=10):
    """One HTTP request to 127.0.0.1:`port`; returns (status, headers as a lowercase dict, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
    finally:
        connection.close()


def answer(port, path="/", headers=None):
    """What a server on `port` answers to GET `path` (request's tuple), or None while nothing answers there."""
    with contextlib.suppress(OSError):
        return request(port, "GET", path, headers=headers, timeout=2)


class Server:
    """A running server process whose output goes to a log file."""

    def __init__(self, process, port, log_path):
        self.process = process
        self.port = port
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def request(self, method, path, **options):
        """One HTTP request (dyno.request's options); returns (status, headers as a lowercase dict, body bytes)."""
        return request(self.port, method, path, **options)

    def stop(self, timeout=SIGKILL_AFTER):
        """SIGTERM to the whole process group, as Heroku sends it to every process of a dyno; the exit code.

        Still running after `timeout` seconds: SIGKILL, as Heroku sends it, and the hang reported.
        """
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"the server still ran {timeout} s after SIGTERM and was killed, as Heroku would SIGKILL it:\n{self.log()[-3000:]}") from None


@contextlib.contextmanager
def running_server(command, env, *, port, cwd, ready_path="/", ready_headers=None, boot_timeout=60, what="The server", fix=""):
    """Run `command` through bash, wait until `ready_path` answers, yield a Server, stop it.

    Any HTTP answer counts as ready. A process that dies or never answers
    raises DeployFailed with its output and `fix`, so a broken Procfile line reads as one.
    """
    log_dir = Path(tempfile.mkdtemp(prefix="server-log-"))
    log_path = log_dir / "server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(["bash", "-c", command], cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(process, port, log_path)
    try:
        if not wait_until(lambda: process.poll() is not None or answer(port, ready_path, ready_headers), boot_timeout):
            raise DeployFailed(f"{what} `{command}` (no answer on port {port} within {boot_timeout} s)", server.log(), fix)
        if process.poll() is not None:
            raise DeployFailed(f"{what} `{command}` (exit {process.returncode} before answering on port {port})", server.log(), fix)
        yield server
    finally:
        if process.poll() is None:
            server.stop()
        shutil.rmtree(log_dir, ignore_errors=True)


def release(slug, config_vars):
    """The release phase: the Procfile's release: line through bash, in a release dyno's environment.

    Returns its output; raises DeployFailed when it fails or the Procfile has none.
    """
    command = slug.procfile().get("release")
    if not command:
        raise DeployFailed("The release phase", "", "The Procfile has no release: line, so nothing migrates the database.")
    started = time.monotonic()
    code, output = run_step(command, dyno_environment(slug.app_venv, config_vars, process_type="release"), slug.path)
    if code:
        raise DeployFailed(f"The release phase `{command}` (exit {code})", output, "The Procfile's release: line runs before every new release starts.")
    slug.timings["release"] = time.monotonic() - started
    return output


def one_off(slug, command, config_vars=None, *, env=None, timeout=120):
    """`heroku run COMMAND`: the command through bash in a one-off dyno; returns the CompletedProcess (text).

    `env` replaces the dyno's environment made from `config_vars`.
    """
    if env is None:
        env = dyno_environment(slug.app_venv, config_vars, process_type="run")
    return subprocess.run(["bash", "-c", command], cwd=slug.path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def web_dyno(slug, config_vars, *, env_overrides=None, boot_timeout=60, command=None):
    """The Procfile's web: line (or `command`), exactly as written, through bash, in a web dyno's environment on an unused port.

    Ready at its first HTTP answer to a request through the router
    (HTTPS); yields the Server and stops it with SIGTERM on the way out.
    `env_overrides` sets (or, with None, removes) variables of the dyno's
    environment, as the buildpack or the platform would have them
    otherwise: WEB_CONCURRENCY, GUNICORN_CMD_ARGS, PYTHONPATH...
    """
    command = command or slug.procfile().get("web")
    if not command:
        raise DeployFailed("Starting the web dyno", "", "The Procfile has no web: line.")
    port = unused_port()
    env = {name: value for name, value in {**dyno_environment(slug.app_venv, config_vars, port=port), **(env_overrides or {})}.items() if value is not None}
    fix = ("The Procfile's web: line starts the web dyno: a ModuleNotFoundError names a module that does not exist "
           "(a WSGI module is found from the folder of --chdir), an ImproperlyConfigured a config var to set.")
    with running_server(command, env, port=port, cwd=slug.path, ready_headers=HTTPS, boot_timeout=boot_timeout, what="The web dyno", fix=fix) as server:
        yield server
