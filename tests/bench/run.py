"""`nox -s bench`: the same built example served several ways, measured on one machine in one run.

(a) the guide: the Procfile's web line and example/gunicorn.conf.py, and
    (a0) the same without reuse_port;
(b) Heroku's getting-started example: its gunicorn.conf.py, every value;
(c) older tutorials' bare `gunicorn staff.wsgi` (sync worker): as a dyno
    runs it, with the buildpack's WEB_CONCURRENCY=2, and with 1 worker;
(d) Django serving the static files itself (django.views.static.serve), no
    WhiteNoise, under the guide's gunicorn configuration;
(e) nginx serving the collected files: the physical limit of this machine.

Every gunicorn runs with a dyno's environment (tests/heroku/) against a
throwaway PostgreSQL on 127.0.0.1. wrk measures requests per second and
latency for the database page (/) and a hashed CSS file; raw sockets measure
the bytes each text asset takes on the wire with br, gzip and no encoding.
The slow-request load measures (a), (b) and (c) again on the database page
while a few clients keep a request in flight that waits 1 s in PostgreSQL.

Writes docs/_measurements/bench.json, bench.rst.inc (included by
docs/measurements.rst) and bench.svg (the chart it shows), and prints the
tables.
"""

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS), str(TESTS / "bench" / "variants")]

from heroku import HTTPS, ThrowawayPostgres, dyno_environment, one_off, production_config_vars, release  # noqa: E402
from heroku import running_server, unused_port  # noqa: E402
from heroku.build import Slug, find_manage_py  # noqa: E402
from heroku.postgres import postgres_bin  # noqa: E402
from heroku.processes import children, cpu_seconds, total_memory_gib, tree_rss_mib  # noqa: E402
from wrk import figures as wrk_figures  # noqa: E402

import psutil  # noqa: E402

ROOT = TESTS.parent
# `nox -s bench` builds the app (python -m heroku build) and passes the build and its environment.
APP_VENV = Path(os.environ["APP_VENV"])
APP_BIN = APP_VENV / "bin"
SLUG = Path(os.environ["SLUG"])
BUILT = Slug(SLUG, APP_VENV, find_manage_py(SLUG))
VARIANTS = TESTS / "bench" / "variants"
OUT = ROOT / "docs" / "_measurements"
WRK = os.environ.get("WRK") or shutil.which("wrk")
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def app_environment(port, config_vars):
    return dyno_environment(APP_VENV, config_vars, port=port)


def hashed_static_path(name):
    return BUILT.hashed_static_path(name)
CSS = "css/site.css"
# The text assets a visitor of the example downloads (site) and an admin user (admin).
TEXT_ASSETS = ["css/site.css", "img/logo.svg", "admin/css/base.css", "admin/js/core.js"]
ENCODINGS = ["br", "gzip", "identity"]
# The slow-request load: the configurations it compares, and its bench-only page.
SLOW_LOAD = ["a", "b", "c"]
SLOW_PATH = "/slow-query/"
SLOW_SETTINGS = "settings_with_slow_query"

GUNICORN_BARE = "gunicorn staff.wsgi --no-control-socket --chdir example"
GETTING_STARTED_COMMIT = "f7c8d9929a782e90bc0bb9320f2cb43a3d62958d"
CONFIGURATIONS = {
    "a": {
        "name": "guide: Procfile + example/gunicorn.conf.py",
        "short": "guide",
        "detail": "gthread, WEB_CONCURRENCY=2 workers x 5 threads, preload_app, reuse_port on a dyno, WhiteNoise",
    },
    "a0": {
        "name": "guide without reuse_port",
        "short": "guide without reuse_port",
        "detail": "example/gunicorn.conf.py with reuse_port = False, as the guide had it before",
        "command": "gunicorn --config {variants}/guide_without_reuse_port.conf.py --chdir example staff.wsgi",
    },
    "b": {
        "name": "Heroku's getting-started gunicorn.conf.py",
        "short": "getting-started",
        "detail": "gthread, 2 workers x 5 threads, preload_app, reuse_port, logfmt access log "
        f"(heroku/python-getting-started {GETTING_STARTED_COMMIT[:7]})",
        "command": "gunicorn --config {variants}/getting_started_gunicorn.conf.py "
        "--no-control-socket --chdir example staff.wsgi",
    },
    "c": {
        "name": "older tutorials: bare gunicorn staff.wsgi",
        "short": "bare sync, 2 workers",
        "detail": "sync, 2 workers (gunicorn reads the buildpack's WEB_CONCURRENCY=2), WhiteNoise",
        "command": GUNICORN_BARE,
    },
    "c1": {
        "name": "bare gunicorn staff.wsgi, 1 worker",
        "short": "bare sync, 1 worker",
        "detail": "sync, 1 worker (WEB_CONCURRENCY unset), WhiteNoise",
        "command": GUNICORN_BARE,
        "env": {"WEB_CONCURRENCY": None},
    },
    "d": {
        "name": "Django serves static files (no WhiteNoise)",
        "short": "Django serves static files",
        "detail": "guide's gunicorn; django.views.static.serve from STATIC_ROOT",
        "env": {"DJANGO_SETTINGS_MODULE": "settings_django_serves_static"},
    },
    "e": {
        "name": "nginx serves the collected files",
        "short": "nginx",
        "detail": "nginx {nginx}, 2 worker processes, sendfile, gzip_static (no Brotli module)",
    },
}


def wrk_command(url, seconds, connections, threads):
    return [
        WRK, f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s",
        "--timeout=10s", "--latency", "--header=X-Forwarded-Proto: https", url,
    ]


def wrk(url, seconds, connections, threads):
    """Run wrk; returns (figures, exact command)."""
    command = wrk_command(url, seconds, connections, threads)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode:
        raise RuntimeError(result.stdout + result.stderr)
    return wrk_figures(result.stdout), shown_command(command)


def shown_command(command):
    return " ".join(part if " " not in part else f"'{part}'" for part in ["wrk", *command[1:]])


def bytes_on_wire(port, path, encoding):
    """The bytes of one response (headers, body) for a request accepting `encoding`."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        f"Accept-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    ).encode()
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        while chunk := sock.recv(65536):
            raw += chunk
    head, body = raw.split(b"\r\n\r\n", 1)
    status = int(head.split()[1])
    sent_as = re.search(rb"(?im)^content-encoding:\s*(\S+)", head)
    return {
        "status": status,
        "content_encoding": sent_as.group(1).decode() if sent_as else "identity",
        "body_bytes": len(body),
        "total_bytes": len(raw),
    }


def worker_cpu_ticks(pid):
    """CPU time (user + system, in 1/100 s) of each child of a gunicorn master, from psutil."""
    return {child: round(seconds * 100) for child, seconds in cpu_seconds(children(pid)).items()}


def server_rss_mib(pid):
    """Resident memory of a server: its process and all descendants, from psutil."""
    return tree_rss_mib(pid)


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def summarize(runs):
    """The median of the rounds for each figure, and the spread of requests per second."""
    rates = [run["requests_per_second"] for run in runs]
    summary = {
        "requests_per_second": round(median(rates), 1),
        "p50_ms": round(median([run["p50_ms"] for run in runs]), 2),
        "p99_ms": round(median([run["p99_ms"] for run in runs]), 2),
        "requests_per_second_min_max": [min(rates), max(rates)],
        "non_2xx_3xx": sum(run["non_2xx_3xx"] for run in runs),
        "socket_errors": "; ".join(run["socket_errors"] for run in runs if run["socket_errors"]),
        "load_average_1m_min_max": [min(run["load_average_1m"] for run in runs), max(run["load_average_1m"] for run in runs)],
    }
    shares = [run["busiest_worker_cpu_share"] for run in runs if "busiest_worker_cpu_share" in run]
    if shares:
        summary["busiest_worker_cpu_share"] = shares
    return {**summary, "rounds": runs}


def load_average_1m():
    return round(os.getloadavg()[0], 2)


def connections_per_worker(pid, port):
    """How many client connections on `port` each worker of a gunicorn master holds, most first."""
    counts = []
    for worker in children(pid):
        try:
            connections = psutil.Process(worker).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        counts.append(sum(
            1 for connection in connections
            if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_ESTABLISHED
        ))
    return sorted(counts, reverse=True)


def busiest_share(pid, port, seconds, measure):
    """Run measure(); returns its result, the part of the workers' CPU time the busiest worker used,
    and the client connections each worker held halfway through (wrk's stay open: they explain the split)."""
    halfway = {}
    timer = threading.Timer(seconds / 2, lambda: halfway.update(split=connections_per_worker(pid, port)))
    before = worker_cpu_ticks(pid)
    timer.start()
    try:
        result = measure()
    finally:
        timer.cancel()
        timer.join()
    after = worker_cpu_ticks(pid)
    used = [after.get(worker, 0) - ticks for worker, ticks in before.items()]
    return result, round(max(used) / max(sum(used), 1), 2), halfway.get("split")


def measure_round(server, args, commands):
    """One round for one server: warm-up, then the database page (not for nginx) and the CSS file."""
    key, port = server["key"], server["port"]
    url = f"http://127.0.0.1:{port}"
    css_path = hashed_static_path(CSS)
    targets = ([("database_page", "/")] if key != "e" else []) + [("css", css_path)]
    wrk(url + targets[0][1], args.warmup, args.connections, args.threads)
    for name, path in targets:
        load = load_average_1m()
        measure = lambda: wrk(url + path, args.seconds, args.connections, args.threads)  # noqa: E731
        if key in ("e", "c1"):  # nginx has no gunicorn workers; c1 has one
            (figures, command), share, split = measure(), None, None
        else:
            (figures, command), share, split = busiest_share(server["pid"], port, args.seconds, measure)
        figures["load_average_1m"] = load
        if share is not None:
            figures["busiest_worker_cpu_share"] = share
            figures["connections_per_worker_halfway"] = split
        server["runs"].setdefault(name, []).append(figures)
        commands[name] = command.replace(str(port), "PORT").replace(css_path, "/static/CSS")


def slow_request_round(server, args, commands):
    """The database page under wrk's load while other clients each keep one slow request in flight.

    The slow clients start first and stop last, so every fast request of the
    measurement meets them; each of their requests waits 1 s in PostgreSQL.
    """
    port = server["port"]
    url = f"http://127.0.0.1:{port}"
    wrk(url + "/", args.warmup, args.connections, args.threads)
    slow_command = wrk_command(url + SLOW_PATH, args.seconds + 2, args.slow_connections, 1)
    slow = subprocess.Popen(slow_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        load = load_average_1m()
        figures, command = wrk(url + "/", args.seconds, args.connections, args.threads)
        out, err = slow.communicate(timeout=args.seconds + 60)
    finally:
        if slow.poll() is None:
            slow.kill()
            slow.wait()
    if slow.returncode:
        raise RuntimeError(out + err)
    slow_figures = wrk_figures(out)
    figures["load_average_1m"] = load
    figures["slow_requests_per_second"] = slow_figures["requests_per_second"]
    figures["slow_p50_ms"] = slow_figures["p50_ms"]
    figures["non_2xx_3xx"] += slow_figures["non_2xx_3xx"]
    figures["socket_errors"] = "; ".join(e for e in (figures["socket_errors"], slow_figures["socket_errors"]) if e)
    server["runs"].setdefault("slow_requests", []).append(figures)
    commands["fast_requests"] = command.replace(str(port), "PORT")
    commands["slow_requests"] = shown_command(slow_command).replace(str(port), "PORT")


def bytes_for_assets(port):
    return {
        asset: {encoding: bytes_on_wire(port, hashed_static_path(asset), encoding) for encoding in ENCODINGS}
        for asset in TEXT_ASSETS
    }


def start_gunicorn(key, database, stack, settings=None):
    config = CONFIGURATIONS[key]
    port = unused_port()
    env = app_environment(port, production_config_vars(DATABASE_URL=database.url))
    env["PYTHONPATH"] = str(VARIANTS)
    for name, value in {**config.get("env", {}), **({"DJANGO_SETTINGS_MODULE": settings} if settings else {})}.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    command = config.get("command", BUILT.procfile()["web"])
    # Recorded with the repository's relative path: bench.json names no folder of this machine.
    config["command_run"] = command.format(variants=VARIANTS.relative_to(ROOT))
    command = command.format(variants=VARIANTS)
    server = stack.enter_context(running_server(command, env, port=port, cwd=SLUG, ready_headers=HTTPS))
    assert server.request("GET", "/", headers=HTTPS)[0] == 200, server.log()
    return {"key": key, "port": port, "pid": server.process.pid, "server": server, "runs": {}}


NGINX_CONF = """
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 95s;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{
            alias {static_root}/;
            add_header Cache-Control "max-age=315360000, public, immutable";
        }}
    }}
}}
"""


@contextlib.contextmanager
def running_nginx():
    """nginx from a config in a temporary folder, on an unused port, as an unprivileged user."""
    root = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    port = unused_port()
    (root / "nginx.conf").write_text(
        NGINX_CONF.format(root=root, port=port, static_root=SLUG / "example" / "staticfiles")
    )
    as_user = []
    if os.geteuid() == 0:
        shutil.chown(root, user="nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    command = [*as_user, NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf"), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", hashed_static_path(CSS))
                assert connection.getresponse().status == 200
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}") from None
                time.sleep(0.1)
        yield {"key": "e", "port": port, "pid": process.pid, "server": None, "runs": {}}
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def versions():
    app_python = str(APP_BIN / "python")
    packages = subprocess.run(
        [app_python, "-c", "import importlib.metadata as m, sys; print(sys.version.split()[0]); "
         "[print(m.version(p)) for p in ('Django', 'gunicorn', 'whitenoise', 'psycopg', 'brotli')]"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    postgres = subprocess.run([str(postgres_bin() / "postgres"), "--version"], capture_output=True, text=True).stdout
    nginx = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True)
    return {
        "python": packages[0],
        "django": packages[1],
        "gunicorn": packages[2],
        "whitenoise": packages[3],
        "psycopg": packages[4],
        "brotli": packages[5],
        "postgresql": postgres.split()[2],
        "nginx": nginx.strip().split("/")[-1],
        "wrk": (wrk_version.stdout + wrk_version.stderr).split()[1],
    }


def machine():
    # psutil has no CPU model name: Linux's /proc/cpuinfo has it, elsewhere platform.processor().
    cpuinfo = Path("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo.read_text(), re.M) if cpuinfo.exists() else None
    return {
        "nproc": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory_gib": total_memory_gib(),
        "kernel": platform.release(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def reduction(sizes, encoding):
    return round(100 * (1 - sizes[encoding]["body_bytes"] / sizes["identity"]["body_bytes"]), 1)


def spread(figures):
    low, high = figures["requests_per_second_min_max"]
    return f"{low:.0f}-{high:.0f}"


def tables(report):
    """The figures as reStructuredText list-tables (for the guide) and plain text (for the terminal)."""
    results = {result["configuration"]: result for result in report["results"]}
    speed_rows = []
    for key, result in results.items():
        page = result.get("database_page")
        css = result["css"]
        speed_rows.append([
            f"({key}) {result['name']}",
            f"{page['requests_per_second']:.0f} ({spread(page)})" if page else "n/a",
            f"{page['p50_ms']:.1f} / {page['p99_ms']:.1f}" if page else "n/a",
            f"{css['requests_per_second']:.0f} ({spread(css)})",
            f"{css['p50_ms']:.1f} / {css['p99_ms']:.1f}",
            f"{result['rss_mib_after']:.0f}",
            " ".join(
                f"{run['busiest_worker_cpu_share']:.0%} ({'+'.join(map(str, run['connections_per_worker_halfway'] or []))})"
                for run in page["rounds"]
            ) if page and "busiest_worker_cpu_share" in page else "n/a",
        ])
    speed_header = ["Configuration", "Database page req/s (range)", "p50 / p99 ms", "CSS file req/s (range)", "p50 / p99 ms", "RSS MiB", "Busiest worker's CPU share, database page (connections per worker)"]
    slow_rows = []
    for key, result in results.items():
        if "slow_requests" not in result:
            continue
        slow, page = result["slow_requests"], result["database_page"]
        slow_rows.append([
            f"({key}) {result['name']}",
            f"{slow['requests_per_second']:.0f} ({spread(slow)})",
            f"{slow['p50_ms']:.1f} / {slow['p99_ms']:.1f}",
            f"{page['requests_per_second']:.0f} / {page['p99_ms']:.1f}",
            f"{median([run['slow_requests_per_second'] for run in slow['rounds']]):.1f}",
        ])
    slow_header = ["Configuration", "Database page req/s (range)", "p50 / p99 ms", "Without slow requests: req/s / p99 ms", "Slow requests done per s"]
    bytes_rows = []
    for key in ("a", "d", "e"):
        for asset, sizes in results[key]["bytes"].items():
            bytes_rows.append([
                f"({key}) {asset}",
                *(f"{sizes[e]['body_bytes']:,}" + ("" if sizes[e]["content_encoding"] == e else f" ({sizes[e]['content_encoding']})") for e in ENCODINGS),
                f"{reduction(sizes, 'br')} %",
            ])
    bytes_header = ["Server and asset", "br", "gzip", "identity", "br saves"]
    return (speed_header, speed_rows), (slow_header, slow_rows), (bytes_header, bytes_rows)


def rst_table(title, header, rows, widths):
    lines = [f".. list-table:: {title}", "   :header-rows: 1", f"   :widths: {' '.join(map(str, widths))}", ""]
    for row in [header, *rows]:
        # "(a) ..." at the start of a cell would read as an enumerated list.
        first = f"\\{row[0]}" if row[0].startswith("(") else row[0]
        lines.append(f"   * - {first}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def text_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def targets(report):
    """The issue's targets for the guide's configuration (a), each met or not, with its figures.

    met is None for a comparison the page reports without a target.
    """
    results = {result["configuration"]: result for result in report["results"]}
    guide = results["a"]["database_page"]
    checks = {}
    for other in ("b", "c"):
        page = results[other]["database_page"]
        checks[f"(a) at least as many req/s as ({other}) on the database page"] = {
            "met": guide["requests_per_second"] >= page["requests_per_second"],
            "figures": f"{guide['requests_per_second']:.0f} vs {page['requests_per_second']:.0f} req/s",
        }
    checks["(a) p99 no worse than (b) on the database page"] = {
        "met": guide["p99_ms"] <= results["b"]["database_page"]["p99_ms"],
        "figures": f"{guide['p99_ms']:.1f} vs {results['b']['database_page']['p99_ms']:.1f} ms",
    }
    checks["(a) p99 against bare sync (c) on the database page"] = {
        "met": None,
        "figures": f"{guide['p99_ms']:.1f} vs {results['c']['database_page']['p99_ms']:.1f} ms",
    }
    shares = guide["busiest_worker_cpu_share"]
    checks["(a) busiest worker at most 60 % of the work in every round"] = {
        "met": max(shares) <= 0.60,
        "figures": " ".join(f"{share:.0%}" for share in shares),
    }
    if "slow_requests" in results["a"]:
        slow = {key: results[key]["slow_requests"] for key in SLOW_LOAD}
        for other in ("b", "c"):
            checks[f"(a) at least as many req/s as ({other}) with slow requests in flight"] = {
                "met": slow["a"]["requests_per_second"] >= slow[other]["requests_per_second"],
                "figures": f"{slow['a']['requests_per_second']:.0f} vs {slow[other]['requests_per_second']:.0f} req/s",
            }
            checks[f"(a) p99 no worse than ({other}) with slow requests in flight"] = {
                "met": slow["a"]["p99_ms"] <= slow[other]["p99_ms"],
                "figures": f"{slow['a']['p99_ms']:.1f} vs {slow[other]['p99_ms']:.1f} ms",
            }
    for asset, sizes in results["a"]["bytes"].items():
        checks[f"Brotli at least 70 % smaller: {asset}"] = {
            "met": reduction(sizes, "br") >= 70,
            "figures": f"{sizes['identity']['body_bytes']:,} -> {sizes['br']['body_bytes']:,} bytes ({reduction(sizes, 'br')} % smaller)",
        }
    every = report["all_text_assets_br"]
    below = sorted(name for name, sizes in every.items() if sizes["saving_percent"] < 70)
    checks["Brotli at least 70 % smaller: every text file collectstatic wrote"] = {
        "met": not below,
        "figures": f"{len(every) - len(below)} of {len(every)} files; below 70 %: "
        + ", ".join(f"{name} ({every[name]['identity']:,} B, {every[name]['saving_percent']} %)" for name in below[:12])
        + (" ..." if len(below) > 12 else ""),
    }
    ratio = results["a"]["css"]["requests_per_second"] / results["e"]["css"]["requests_per_second"]
    checks["WhiteNoise+gunicorn as a share of nginx on the CSS file"] = {
        "met": None,
        "figures": f"{ratio:.0%} ({results['a']['css']['requests_per_second']:.0f} vs {results['e']['css']['requests_per_second']:.0f} req/s)",
    }
    return checks


VERDICTS = {True: "met", False: "NOT MET", None: "report"}


def load_range(report):
    """The lowest and highest 1-minute load average seen at the start of a measurement."""
    values = [
        run["load_average_1m"]
        for result in report["results"]
        for name in ("database_page", "css", "slow_requests")
        for run in result.get(name, {}).get("rounds", [])
    ]
    return min(values), max(values)


def prose_figures(report):
    """The figures the guide's prose quotes, by name, formatted: docs read them from here (the :bench: role)."""
    figures = {"date": report["date"], "rounds": str(report["settings"]["rounds"]), "minutes": str(report["minutes"])}
    figures["slow_connections"] = str(report["settings"]["slow_connections"])
    figures["connections"] = str(report["settings"]["connections"])
    low, high = load_range(report)
    figures["load_average"] = f"{low:.1f} to {high:.1f}"
    for result in report["results"]:
        key = result["configuration"]
        for name in ("database_page", "css", "slow_requests"):
            if name not in result:
                continue
            measured = result[name]
            prefix = f"{key}.{name}"
            figures[f"{prefix}.rps"] = f"{measured['requests_per_second']:.0f}"
            figures[f"{prefix}.range"] = spread(measured)
            figures[f"{prefix}.p50"] = f"{measured['p50_ms']:.0f}"
            figures[f"{prefix}.p99"] = f"{measured['p99_ms']:.0f}"
            if "busiest_worker_cpu_share" in measured:
                shares = measured["busiest_worker_cpu_share"]
                figures[f"{prefix}.busiest_share_max"] = f"{max(shares):.0%}".replace("%", " %")
                figures[f"{prefix}.busiest_shares"] = ", ".join(f"{share:.0%}".replace("%", " %") for share in shares)
                figures[f"{prefix}.connections"] = ", ".join(
                    "+".join(map(str, run.get("connections_per_worker_halfway") or [])) for run in measured["rounds"]
                )
        if "slow_requests" in result:
            done = median([run["slow_requests_per_second"] for run in result["slow_requests"]["rounds"]])
            figures[f"{key}.slow_requests.slow_done_per_second"] = f"{done:.1f}"
    return figures


def share_span(shares):
    """"51 %" or "51-73 %": the lowest and highest busiest-worker share of the rounds."""
    low, high = round(100 * min(shares)), round(100 * max(shares))
    return f"{low} %" if low == high else f"{low}-{high} %"


def write_chart(report):
    """An SVG bar chart of the database page's requests per second, alone and with slow requests in flight."""
    results = [result for result in report["results"] if "database_page" in result]
    panels = [
        (
            f"Database page: requests per second (bar: median of {report['settings']['rounds']} rounds; line: lowest to highest)",
            [(result, result["database_page"]) for result in results],
        ),
        (
            f"The same while {report['settings']['slow_connections']} requests at a time wait 1 s in PostgreSQL",
            [(result, result["slow_requests"]) for result in results if "slow_requests" in result],
        ),
    ]
    width, label_width, bar_height, gap, right = 820, 230, 18, 8, 300
    plot = width - label_width - right
    # One scale for both panels, so the fall under slow requests shows as it is.
    top = max(measured["requests_per_second_min_max"][1] for _, rows in panels for _, measured in rows) or 1
    parts, y = [], 10
    for title, rows in panels:
        if not rows:
            continue
        y += 18
        parts.append(f'<text x="10" y="{y}" class="title">{escape(title)}</text>')
        y += 10
        for result, measured in rows:
            low, high = measured["requests_per_second_min_max"]
            value = measured["requests_per_second"]
            guide = result["configuration"] == "a"
            bar = plot * value / top
            middle = y + bar_height / 2
            parts += [
                f'<text x="{label_width - 8}" y="{middle + 4:.1f}" class="label" text-anchor="end">'
                f'({result["configuration"]}) {escape(result["short"])}</text>',
                f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" class="{"guide" if guide else "other"}"/>',
                f'<line x1="{label_width + plot * low / top:.1f}" x2="{label_width + plot * high / top:.1f}" '
                f'y1="{middle:.1f}" y2="{middle:.1f}" class="range"/>',
                f'<text x="{label_width + plot * high / top + 6:.1f}" y="{middle + 4:.1f}" class="value">'
                f'{value:.0f} req/s, p99 {measured["p99_ms"]:.0f} ms'
                + (f", busiest worker {share_span(measured['busiest_worker_cpu_share'])}"
                   if "busiest_worker_cpu_share" in measured else "")
                + "</text>",
            ]
            y += bar_height + gap
        y += 10
    height = y + 14
    parts.append(
        f'<text x="10" y="{height - 6}" class="note">nox -s bench, {escape(report["date"])}, '
        f'{report["machine"]["nproc"]} shared cores, load average {"{:.1f} to {:.1f}".format(*load_range(report))}</text>'
    )
    style = (
        "text{font-family:sans-serif;font-size:12px;fill:#222}.title{font-weight:bold}"
        ".note{font-size:11px;fill:#555}.guide{fill:#2980b9}.other{fill:#a5b1b8}"
        ".range{stroke:#222;stroke-width:1.5}"
    )
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="bench-chart-title">',
        '<title id="bench-chart-title">Requests per second on the database page for each configuration</title>',
        f"<style>{style}</style>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        *parts,
        "</svg>",
        "",
    ])


def findings(report):
    """What this run shows on the questions the guide's choices rest on, worded by the figures themselves."""
    results = {result["configuration"]: result for result in report["results"]}
    page = {key: result["database_page"] for key, result in results.items() if "database_page" in result}
    lines = []
    if {"a", "a0"} <= page.keys():
        shares = {key: share_span(page[key]["busiest_worker_cpu_share"]) for key in ("a0", "a", "b") if key in page}
        lines.append(
            "The busiest worker's share on the database page, over the rounds: "
            + "; ".join(f"({key}) {CONFIGURATIONS[key]['short']}: {span}" for key, span in shares.items())
            + " (50 % is an even split)."
        )
        splits = {
            key: ", ".join("+".join(map(str, run["connections_per_worker_halfway"] or [])) for run in page[key]["rounds"])
            for key in ("a0", "a") if key in page
        }
        lines.append(
            f"How wrk's {report['settings']['connections']} connections were split between the workers, halfway through each round: "
            + "; ".join(f"({key}) {split}" for key, split in splits.items())
            + "."
        )
    if {"a", "c"} <= page.keys():
        guide, sync = page["a"]["p99_ms"], page["c"]["p99_ms"]
        if sync < guide:
            lines.append(f"On fast requests alone, bare sync workers (c) kept the lower p99: {sync:.0f} ms against the guide's {guide:.0f} ms.")
        else:
            lines.append(f"On fast requests alone, the guide's p99 was no higher than bare sync's (c): {guide:.0f} ms against {sync:.0f} ms.")
    if all("slow_requests" in results.get(key, {}) for key in ("a", "c")):
        slow = {key: results[key]["slow_requests"] for key in SLOW_LOAD}
        lines.append(
            f"With {report['settings']['slow_connections']} slow requests in flight, the database page answered "
            + "; ".join(
                f"({key}) {slow[key]['requests_per_second']:.0f} req/s, p50 {slow[key]['p50_ms']:.0f} ms, p99 {slow[key]['p99_ms']:.0f} ms"
                for key in SLOW_LOAD
            )
            + "."
        )
        if slow["a"]["requests_per_second"] > slow["c"]["requests_per_second"] and slow["a"]["p99_ms"] < slow["c"]["p99_ms"]:
            lines.append("There the guide's threads served more fast requests, with a lower p99, than bare sync workers.")
        else:
            lines.append("There bare sync workers did as well as the guide's threads: this run does not support the guide's choice of threads.")
    return lines


def write_include(report, speed, slow, sizes):
    m, v, settings = report["machine"], report["versions"], report["settings"]
    low, high = load_range(report)
    text = [
        ".. This file is written by `nox -s bench` (tests/bench/run.py): do not edit it.",
        "",
        f"Measured on {report['date']} on {m['nproc']} cores of an {m['cpu']} with {m['memory_gib']} GiB of memory "
        f"(Linux {m['kernel']}; the 1-minute load average was {low:.1f} to {high:.1f} at the start of the measurements, "
        f"so other jobs shared the cores), with Python {v['python']}, "
        f"Django {v['django']}, gunicorn {v['gunicorn']}, WhiteNoise {v['whitenoise']}, psycopg {v['psycopg']}, "
        f"PostgreSQL {v['postgresql']}, nginx {v['nginx']} and wrk {v['wrk']}. "
        f"In each of {settings['rounds']} rounds, each in another order, each "
        f"configuration was started afresh, had a {settings['warmup_seconds']} s warm-up, "
        "and then this for the database page ``/`` and the same for the hashed CSS file "
        "(``PORT`` and the path differ):",
        "",
        ".. code-block:: text",
        "",
        f"   {report['wrk_commands']['database_page']}",
        "",
        "The tables give the median of the rounds, with the lowest and highest requests per "
        "second in brackets; RSS is the memory of the server's processes at the end of the last round, "
        "and the busiest worker's CPU share is, for each round, the part of the workers' CPU time "
        "its busiest worker used while wrk loaded the database page (50 % is an even split), with, in brackets, "
        "how many of wrk's connections each worker held halfway through. wrk, the "
        "servers and PostgreSQL share the machine's cores.",
        "",
        ".. _bench-speed-table:",
        "",
        rst_table("Requests per second and latency", *speed, [30, 14, 12, 14, 12, 7, 11]),
    ]
    if slow[1]:
        text += [
            ".. _bench-slow-table:",
            "",
            f"With slow requests in flight: a server of its own for each configuration, with the "
            f"bench-only page ``{SLOW_PATH}`` that waits 1 s in PostgreSQL (``SELECT pg_sleep(1)``). "
            f"A second wrk keeps {settings['slow_connections']} of those requests in flight from 1 s before "
            "to 1 s after the same load on the database page:",
            "",
            ".. code-block:: text",
            "",
            f"   {report['wrk_commands']['slow_requests']}",
            "",
            rst_table("The database page while slow requests are in flight", *slow, [30, 16, 14, 18, 12]),
        ]
    text += [
        ".. _bench-findings:",
        "",
        "In this run:",
        "",
        *(f"- {line}" for line in findings(report)),
        "",
        ".. _bench-targets:",
        "",
        "The targets for the guide's configuration (a), from the same run (``report``: a comparison without a target):",
        "",
        *(f"- **{VERDICTS[check['met']]}**: {name}: {check['figures']}" for name, check in report["targets"].items()),
        "",
        ".. _bench-bytes-table:",
        "",
        rst_table("Response body bytes by Accept-Encoding (the encoding actually sent, when different, in brackets)", *sizes, [34, 14, 14, 14, 10]),
    ]
    return "\n".join(text)


def all_text_assets():
    """Brotli's saving for every hashed text file collectstatic wrote, from the .br copies on disk."""
    static_root = SLUG / "example" / "staticfiles"
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    savings = {}
    for name, hashed in manifest["paths"].items():
        if not name.endswith((".css", ".js", ".svg", ".txt", ".html", ".json", ".map")):
            continue
        original = (static_root / hashed).stat().st_size
        compressed = static_root / f"{hashed}.br"
        # WhiteNoise keeps a compressed copy only when it is at most 95 % of the original.
        size = compressed.stat().st_size if compressed.exists() else original
        savings[name] = {"identity": original, "br": size, "saving_percent": round(100 * (1 - size / original), 1)}
    return savings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each in a new order; figures are medians")
    parser.add_argument("--warmup", type=int, default=1, help="wrk's warm-up per server and round")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--slow-connections", type=int, default=2, help="clients each keeping one 1 s request in flight")
    parser.add_argument("--no-slow", action="store_true", help="leave out the slow-request load")
    parser.add_argument("--only", nargs="*", help="configurations to run (default: all); prints JSON, writes nothing")
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    args = parser.parse_args()
    started = time.monotonic()

    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "nox -s bench",
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "seconds": args.seconds, "rounds": args.rounds, "warmup_seconds": args.warmup,
            "connections": args.connections, "threads": args.threads,
            "slow_connections": args.slow_connections,
        },
        "results": [],
    }
    CONFIGURATIONS["e"]["detail"] = CONFIGURATIONS["e"]["detail"].format(nginx=report["versions"]["nginx"])
    wanted = args.only or list(CONFIGURATIONS)
    commands = {}
    # Every gunicorn holds up to workers x threads connections, all at once.
    os.environ.setdefault("FAULTS_PG_MAX_CONNECTIONS", "100")
    database = ThrowawayPostgres()
    try:
        config = production_config_vars(DATABASE_URL=database.url)
        release(BUILT, config)
        done = one_off(BUILT, "python example/manage.py loaddata sample_staff", config)
        if done.returncode:
            raise RuntimeError(done.stdout + done.stderr)
        runs = {key: {} for key in wanted}
        last = {}
        for round_number in range(args.rounds):
            # A fresh server for each configuration in each round, in a new
            # order each round. Fresh, because how gunicorn's workers share
            # wrk's kept-alive connections is settled when a server starts
            # (see worker_cpu_share); a new order, so a disturbance from other
            # jobs on the machine does not always hit the same configuration.
            shift = round_number % len(wanted)
            for key in wanted[shift:] + wanted[:shift]:
                with contextlib.ExitStack() as stack:
                    server = stack.enter_context(running_nginx()) if key == "e" else start_gunicorn(key, database, stack)
                    server["runs"] = runs[key]
                    measure_round(server, args, commands)
                    if round_number == args.rounds - 1:
                        last[key] = {
                            "rss_mib_after": server_rss_mib(server["pid"]),
                            "bytes": bytes_for_assets(server["port"]),
                            "worker_timeouts": server["server"].log().count("WORKER TIMEOUT") if server["server"] else 0,
                        }
                if key in SLOW_LOAD and not args.no_slow:
                    # A server of its own: the slow page exists only in its settings.
                    with contextlib.ExitStack() as stack:
                        server = start_gunicorn(key, database, stack, settings=SLOW_SETTINGS)
                        server["runs"] = runs[key]
                        slow_request_round(server, args, commands)
            print(f"round {round_number + 1} of {args.rounds} done (load average {os.getloadavg()[0]:.1f})", flush=True)
        for key in wanted:
            result = {"configuration": key, **{k: v for k, v in CONFIGURATIONS[key].items() if k != "env"}}
            for name, figures in runs[key].items():
                result[name] = summarize(figures)
                if result[name]["non_2xx_3xx"] or result[name]["socket_errors"]:
                    raise RuntimeError(f"({key}) {name}: {result[name]}")
            result.update(last[key])
            report["results"].append(result)
    finally:
        database.delete()
    report["wrk_commands"] = commands
    report["all_text_assets_br"] = all_text_assets()

    if args.only:
        print(json.dumps(report["results"], indent=1))
        return
    speed, slow, sizes = tables(report)
    report["targets"] = targets(report)
    report["minutes"] = round((time.monotonic() - started) / 60)
    report["figures"] = prose_figures(report)
    print()
    print(f"{report['date']}; {report['machine']}; {report['versions']}")
    print(text_table(*speed))
    print()
    if slow[1]:
        print(text_table(*slow))
        print()
    print(text_table(*sizes))
    print()
    for name, check in report["targets"].items():
        print(f"{VERDICTS[check['met']]:8} {name}: {check['figures']}")
    if not args.no_write:
        OUT.mkdir(exist_ok=True)
        (OUT / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
        (OUT / "bench.rst.inc").write_text(write_include(report, speed, slow, sizes))
        (OUT / "bench.svg").write_text(write_chart(report))
        print(f"\nWrote {OUT.relative_to(ROOT)}/bench.json, bench.rst.inc and bench.svg")


if __name__ == "__main__":
    main()
