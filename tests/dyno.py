"""What a Heroku dyno gives a process, reproduced on this machine for the tests.

The smoke, CLI, fault and bench checks all start the example the way Heroku
does: the Procfile's command, exactly as written, run by bash, with the
environment the Python buildpack and the platform set. This module is the one
place that knows what that environment is, and how to start and stop a server
like Falcon's tests/test_wsgi_servers.py does: an unused port, polling with
short timeouts, noticing a dead process, failing on a hang.
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example"


def procfile_commands(path=ROOT / "Procfile"):
    """The Procfile as {process type: command}, parsed as Heroku parses it."""
    commands = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            commands[match.group(1)] = match.group(2).strip()
    return commands


def runtime_python_version(path=ROOT / "runtime.txt"):
    """"3.13" from runtime.txt's "python-3.13" (or "3.13.5" from "python-3.13.5")."""
    match = re.fullmatch(r"python-(\d+\.\d+(?:\.\d+)?)", path.read_text().strip())
    if not match:
        raise ValueError(f"{path} does not read python-X.Y or python-X.Y.Z")
    return match.group(1)


def production_config_vars(**overrides):
    """The config vars the guide tells the reader to set with `heroku config:set`.

    DATABASE_URL is not among them: Heroku Postgres sets it.
    """
    config = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_HOST_USER": "calibration@example.com",
        "EMAIL_HOST_PASSWORD": "app-password",
        "DEFAULT_FROM_EMAIL": "calibration@example.com",
    }
    config.update(overrides)
    return config


def dyno_environment(port, config_vars, *, process_type="web", base=None):
    """The environment of a Heroku dyno: the platform's and buildpack's variables plus config vars.

    The platform sets PORT and DYNO. The Python buildpack's profile scripts
    set WEB_CONCURRENCY (2 on Eco, Basic and Standard-1X), FORWARDED_ALLOW_IPS
    and GUNICORN_CMD_ARGS. Everything else a dyno has comes from config vars.
    """
    env = dict(os.environ if base is None else base)
    # Variables from the machine running the tests that a dyno would not have.
    for name in list(env):
        if name.startswith(("DJANGO_", "EMAIL_", "GUNICORN_")) or name in (
            "DATABASE_URL",
            "DEFAULT_FROM_EMAIL",
            "WEB_CONCURRENCY",
        ):
            del env[name]
    env.update(
        {
            "PORT": str(port),
            "DYNO": f"{process_type}.1",
            "WEB_CONCURRENCY": "2",
            "FORWARDED_ALLOW_IPS": "*",
            "GUNICORN_CMD_ARGS": "--access-logfile -",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(config_vars)
    return env


def unused_port():
    """A TCP port nothing on this machine listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running server process whose output goes to a log file."""

    def __init__(self, process, port, log_path):
        self.process = process
        self.port = port
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def request(self, method, path, *, headers=None, body=None, timeout=10):
        """One HTTP request; returns (status, headers as a lowercase dict, body bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return (
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def stop(self, timeout=30):
        """SIGTERM to the whole process group, as Heroku sends it to every process of a dyno.

        Returns the exit code. A server still running after `timeout` seconds
        is killed and the hang reported, as Heroku would SIGKILL it.
        """
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(
                f"the server ignored SIGTERM for {timeout} s and was killed\n{self.log()}"
            ) from None


@contextlib.contextmanager
def running_server(command, env, *, port, cwd=ROOT, ready_path="/", ready_headers=None, boot_timeout=60):
    """Run `command` through bash, wait until `ready_path` answers, yield a Server, stop it.

    Any HTTP answer counts as ready. A process that dies or never answers
    fails with its output, so a broken Procfile line reads as one.
    """
    log_dir = Path(tempfile.mkdtemp(prefix="server-log-"))
    log_path = log_dir / "server.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=cwd,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(process, port, log_path)
    try:
        deadline = time.monotonic() + boot_timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(
                    f"`{command}` exited with {process.returncode} before answering "
                    f"on port {port}:\n{server.log()}"
                )
            try:
                server.request("GET", ready_path, headers=ready_headers, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"`{command}` did not answer on port {port} within "
                        f"{boot_timeout} s:\n{server.log()}"
                    ) from None
                time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            server.stop()
        shutil.rmtree(log_dir, ignore_errors=True)
