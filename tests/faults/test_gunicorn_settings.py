"""What step 6 says two of the guide's gunicorn settings do, shown on a web dyno.

reuse_port: on a dyno each worker listens on a socket of its own (gunicorn
27 opens it in arbiter.py's spawn_worker), so the kernel spreads new
connections between them; how evenly is measured by `nox -s bench`, not here.

preload_app: without it, a settings error surfaces in each worker, and what
gunicorn then does depends on wsgi.py: Django's stock one raises, the worker
exits with gunicorn's boot-error status 3 and gunicorn halts (status 3, or 1
when a second worker fails as it stops); the example's
exits through sys.exit(1), and gunicorn replaces the worker again and again.
"""

import os
import signal
import subprocess
from pathlib import Path

import psutil
from heroku import dyno_environment, one_off, production_config_vars, unused_port
from heroku.processes import children, tcp_sockets
from polling import wait_until

VARIANTS = Path(__file__).resolve().parent / "variants"

BOOT_TIMEOUT = 90
WORKERS_LISTENING_WITHIN = 30  # seconds; the first worker answering does not mean the second has booted


def test_each_worker_listens_on_a_socket_of_its_own(web_dyno):
    # A socket the master opened and the workers inherited would show in the
    # master too; a master that listens on nothing, with one listening socket
    # in each worker, means each worker opened its own (SO_REUSEPORT).
    with web_dyno() as server:
        def per_worker():
            return {pid: tcp_sockets(pid, server.port, psutil.CONN_LISTEN) for pid in children(server.process.pid)}

        wait_until(lambda: list(per_worker().values()) == [1, 1], WORKERS_LISTENING_WITHIN, every=0.2)
        sockets = per_worker()
        master = tcp_sockets(server.process.pid, server.port, psutil.CONN_LISTEN)
    # WEB_CONCURRENCY=2, as on an Eco, Basic or Standard-1X dyno.
    assert list(sockets.values()) == [1, 1], f"listening sockets per worker: {sockets}"
    assert master == 0, f"the master listens too ({master} sockets): the workers share its socket"


def without_preload(slug, wsgi_module):
    """gunicorn with the guide's config but preload_app off, and a web dyno's environment that lacks DJANGO_SECRET_KEY."""
    config = production_config_vars(DATABASE_URL="postgres://postgres@127.0.0.1:1/unused", DJANGO_SECRET_KEY=None)
    env = {**dyno_environment(slug.app_venv, config, port=unused_port()), "PYTHONPATH": str(VARIANTS)}
    return f"gunicorn --config {VARIANTS}/guide_without_preload.conf.py --chdir example {wsgi_module}", env


def test_without_preload_a_stock_wsgi_py_halts_gunicorn(slug):
    command, env = without_preload(slug, "stock_wsgi")
    result = one_off(slug, command, env=env, timeout=BOOT_TIMEOUT)
    log = result.stdout + result.stderr
    # Status 3 when one worker fails first; when the second fails while the
    # master is already stopping, gunicorn 27's halt() meets a second
    # HaltServer and exits 1 with its traceback (arbiter.py, stop() reaping).
    assert result.returncode in (1, 3), log
    assert "Worker failed to boot." in log and "DJANGO_SECRET_KEY is not set" in log, log
    assert "Booting worker" in log and log.count("exited with code 3.") >= 1, log


def test_without_preload_the_examples_wsgi_py_has_its_workers_replaced(slug, tmp_path):
    command, env = without_preload(slug, "staff.wsgi")
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["bash", "-c", command], cwd=slug.path, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)

    def four_replaced_or_stopped():
        return log_path.read_text().count("exited with code 1.") >= 4 or process.poll() is not None

    try:
        assert wait_until(four_replaced_or_stopped, BOOT_TIMEOUT, every=0.5), (
            f"fewer than 4 workers replaced in {BOOT_TIMEOUT} s:\n{log_path.read_text()}")
        still_running = process.poll() is None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    log = log_path.read_text()
    assert still_running, f"gunicorn stopped (exit {process.returncode}):\n{log}"
    assert log.count("Booting worker") >= 4 and "Worker failed to boot" not in log, log
