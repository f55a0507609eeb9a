"""What step 6 says two of the guide's gunicorn settings do, shown on a web dyno.

reuse_port: on a dyno each worker listens on a socket of its own (gunicorn
27 opens it in arbiter.py's spawn_worker), so the kernel spreads new
connections between them; how evenly is measured by `nox -s bench`, not here.

preload_app: without it, a settings error surfaces in each worker, and what
gunicorn then does depends on wsgi.py: Django's stock one raises, the worker
exits with gunicorn's boot-error status 3 and gunicorn halts; the example's
exits through sys.exit(1), and gunicorn replaces the worker again and again.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from heroku import dyno_environment, production_config_vars, unused_port
from heroku.processes import children

VARIANTS = Path(__file__).resolve().parent / "variants"

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp*
WITHOUT_PRELOAD = f"gunicorn --config {VARIANTS}/guide_without_preload.conf.py --chdir example"
BOOT_TIMEOUT = 90


def listening_sockets(pid, port):
    """The inodes of the TCP sockets that process `pid` holds open and that listen on `port`."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            held.add(target[len("socket:["):-1])
    listening = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == LISTEN:
                listening.add(fields[9])
    return held & listening


def test_each_worker_listens_on_a_socket_of_its_own(database, web_dyno):
    with web_dyno(production_config_vars(DATABASE_URL=database.url)) as server:
        workers = children(server.process.pid)
        sockets = {pid: listening_sockets(pid, server.port) for pid in workers}
        master = listening_sockets(server.process.pid, server.port)
    assert len(workers) == 2, workers  # WEB_CONCURRENCY=2, as on an Eco, Basic or Standard-1X dyno
    assert all(len(inodes) == 1 for inodes in sockets.values()), sockets
    assert len(set().union(*sockets.values())) == len(workers), f"workers share a socket: {sockets}"
    assert not master, f"the master listens too: {master}"


def without_secret_key(slug, port):
    """A web dyno's environment with DJANGO_SECRET_KEY forgotten: a settings error at import."""
    config = production_config_vars(DATABASE_URL="postgres://postgres@127.0.0.1:1/unused", DJANGO_SECRET_KEY=None)
    env = dyno_environment(slug.app_venv, config, port=port)
    env["PYTHONPATH"] = str(VARIANTS)  # stock_wsgi and the variant configuration
    return env


def test_without_preload_a_stock_wsgi_py_halts_gunicorn(slug):
    result = subprocess.run(
        ["bash", "-c", f"{WITHOUT_PRELOAD} stock_wsgi"],
        cwd=slug.path, env=without_secret_key(slug, unused_port()), capture_output=True, text=True, timeout=BOOT_TIMEOUT,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 3, log
    assert "Reason: Worker failed to boot." in log and "DJANGO_SECRET_KEY is not set" in log, log


def test_without_preload_the_examples_wsgi_py_has_its_workers_replaced(slug, tmp_path):
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            ["bash", "-c", f"{WITHOUT_PRELOAD} staff.wsgi"],
            cwd=slug.path, env=without_secret_key(slug, unused_port()), stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + BOOT_TIMEOUT
    try:
        while log_path.read_text().count("exited with code 1.") < 4 and process.poll() is None:
            assert time.monotonic() < deadline, f"fewer than 4 workers replaced in {BOOT_TIMEOUT} s:\n{log_path.read_text()}"
            time.sleep(0.5)
        still_running = process.poll() is None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    log = log_path.read_text()
    assert still_running, f"gunicorn stopped (exit {process.returncode}):\n{log}"
    assert log.count("Booting worker") >= 4 and "Worker failed to boot" not in log, log
