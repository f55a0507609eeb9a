"""`nox -s bench`: the same deployed example served several ways, measured on one machine in one run.

(a) the guide: the Procfile's web line and example/gunicorn.conf.py, and
    (a0) the same without reuse_port;
(b) Heroku's getting-started example: its gunicorn.conf.py, every value;
(c) older tutorials' bare `gunicorn staff.wsgi` (sync worker): as a dyno
    runs it, with the buildpack's WEB_CONCURRENCY=2, and with 1 worker;
(d) Django serving the static files itself (django.views.static.serve), no
    WhiteNoise, under the guide's gunicorn configuration;
(e) nginx serving the collected files: the physical limit of this machine.

The example is deployed once (tests/heroku's deploy(): build, release,
loaddata) against a throwaway PostgreSQL on 127.0.0.1; every gunicorn is a
web dyno of that deployment. wrk (tests/wrk.py) measures requests per second
and latency for the database page (/) and a hashed CSS file; raw sockets
measure the bytes each text asset takes on the wire with br, gzip and no
encoding. The slow-request load measures (a), (b) and (c) again on the
database page while a few clients keep a request in flight that waits 1 s
in PostgreSQL.

Writes docs/_measurements/bench.json, the one file the docs build draws the
measurements page's tables, lists and chart from (docs/_ext/bench_figures.py),
and prints the same tables and targets.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT / "docs" / "_ext")]

import bench_figures  # noqa: E402
import psutil  # noqa: E402
import wrk  # noqa: E402
from heroku import HTTPS, ThrowawayPostgres, deploy, dyno_environment, production_config_vars  # noqa: E402
from heroku import running_server, unused_port  # noqa: E402
from heroku.deploy import wait_for_200  # noqa: E402
from heroku.postgres import postgres_bin  # noqa: E402
from heroku.processes import children, cpu_seconds, total_memory_gib, tree_rss_mib  # noqa: E402

VARIANTS = TESTS / "bench" / "variants"
WRK = os.environ.get("WRK") or shutil.which("wrk")
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
CSS = "css/site.css"
# The text assets a visitor of the example downloads (site) and an admin user (admin).
TEXT_ASSETS = ["css/site.css", "img/logo.svg", "admin/css/base.css", "admin/js/core.js"]
SLOW_PATH, SLOW_SETTINGS = "/slow-query/", "settings_with_slow_query"  # the slow-request load's bench-only page
BARE = "gunicorn staff.wsgi --no-control-socket --chdir example"
# Without "command", the Procfile's web line. No gunicorn runs its control
# socket (two on one machine would both claim ~/.gunicorn/gunicorn.ctl): the
# guide's file disables it, the other commands pass --no-control-socket.
CONFIGURATIONS = {
    "a": {"name": "guide: Procfile + example/gunicorn.conf.py", "short": "guide"},
    "a0": {"name": "guide without reuse_port", "short": "guide without reuse_port",
           "command": "gunicorn --config {variants}/guide_without_reuse_port.conf.py --chdir example staff.wsgi"},
    "b": {"name": "Heroku's getting-started gunicorn.conf.py", "short": "getting-started",
          "command": "gunicorn --config {variants}/getting_started_gunicorn.conf.py --no-control-socket "
                     "--chdir example staff.wsgi"},
    "c": {"name": "older tutorials: bare gunicorn staff.wsgi", "short": "bare sync, 2 workers", "command": BARE},
    "c1": {"name": "bare gunicorn staff.wsgi, 1 worker", "short": "bare sync, 1 worker", "command": BARE,
           "env": {"WEB_CONCURRENCY": None}},
    "d": {"name": "Django serves static files (no WhiteNoise)", "short": "Django serves static files",
          "env": {"DJANGO_SETTINGS_MODULE": "settings_django_serves_static"}},
    "e": {"name": "nginx serves the collected files", "short": "nginx",
          "command_run": "nginx -p FOLDER -c FOLDER/nginx.conf -g 'daemon off;' (NGINX_CONF in tests/bench/run.py)"},
}
NO_WORKER_SHARE = {"c1", "e"}  # one worker; nginx's workers are not gunicorn's
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


def load(url, args, *, seconds=None, connections=None, threads=None):
    """wrk through the router's HTTPS header; returns (figures, the command as shown)."""
    figures, _, shown = wrk.run(WRK, url, seconds=seconds or args.seconds, connections=connections or args.connections,
                                threads=threads or args.threads, headers=["X-Forwarded-Proto: https"])
    return figures, shown


def bytes_on_wire(port, path, encoding):
    """The bytes of one response (headers, body) for a request accepting `encoding`."""
    raw = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                     f"Accept-Encoding: {encoding}\r\nConnection: close\r\n\r\n".encode())
        while chunk := sock.recv(65536):
            raw += chunk
    head, body = raw.split(b"\r\n\r\n", 1)
    sent_as = re.search(rb"(?im)^content-encoding:\s*(\S+)", head)
    return {"status": int(head.split()[1]), "content_encoding": sent_as.group(1).decode() if sent_as else "identity",
            "body_bytes": len(body), "total_bytes": len(raw)}


def connections_per_worker(pid, port):
    """How many client connections on `port` each worker of a gunicorn master holds, most first."""
    counts = []
    for worker in children(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            counts.append(sum(
                1 for connection in psutil.Process(worker).net_connections(kind="tcp")
                if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_ESTABLISHED
            ))
    return sorted(counts, reverse=True)


def with_worker_share(server, args, measure):
    """measure()'s figures, with the part of the workers' CPU time the busiest worker used, and the
    client connections each worker held halfway through (wrk's stay open: they explain the split)."""
    pid, halfway = server.process.pid, {}

    def ticks():  # CPU time (user + system) of each worker, in 1/100 s
        return {worker: round(100 * seconds) for worker, seconds in cpu_seconds(children(pid)).items()}

    timer = threading.Timer(args.seconds / 2, lambda: halfway.update(split=connections_per_worker(pid, server.port)))
    before = ticks()
    timer.start()
    try:
        figures, shown = measure()
    finally:
        timer.cancel()
        timer.join()
    after = ticks()
    used = [after.get(worker, 0) - spent for worker, spent in before.items()]
    figures["busiest_worker_cpu_share"] = round(max(used) / max(sum(used), 1), 2)
    figures["connections_per_worker_halfway"] = halfway.get("split")
    return figures, shown


def fast_round(key, server, css_path, args, runs, commands):
    """One round for one server: warm-up, then the database page (not for nginx) and the CSS file."""
    paths = {**({"database_page": "/"} if key != "e" else {}), "css": css_path}
    load(server.url + next(iter(paths.values())), args, seconds=args.warmup)
    for name, path in paths.items():
        load_average = round(os.getloadavg()[0], 2)
        measure = lambda: load(server.url + path, args)  # noqa: E731
        figures, shown = measure() if key in NO_WORKER_SHARE else with_worker_share(server, args, measure)
        runs.setdefault(name, []).append({**figures, "load_average_1m": load_average})
        commands[name] = shown.replace(str(server.port), "PORT").replace(css_path, "/static/CSS")


def slow_round(server, args, runs, commands):
    """The database page under wrk's load while other clients each keep one slow request in flight.

    The slow clients start first and stop last, so every fast request of the
    measurement meets them; each of their requests waits 1 s in PostgreSQL.
    """
    load(server.url + "/", args, seconds=args.warmup)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(load, server.url + SLOW_PATH, args, seconds=args.seconds + 2,
                           connections=args.slow_connections, threads=1)
        time.sleep(1)
        load_average = round(os.getloadavg()[0], 2)
        figures, shown = load(server.url + "/", args)
        slow_figures, slow_shown = slow.result()
    runs.setdefault("slow_requests", []).append({
        **figures, "load_average_1m": load_average,
        "slow_requests_per_second": slow_figures["requests_per_second"], "slow_p50_ms": slow_figures["p50_ms"],
        "non_2xx_3xx": figures["non_2xx_3xx"] + slow_figures["non_2xx_3xx"],
        "socket_errors": "; ".join(filter(None, (figures["socket_errors"], slow_figures["socket_errors"]))),
    })
    commands["fast_requests"] = shown.replace(str(server.port), "PORT")
    commands["slow_requests"] = slow_shown.replace(str(server.port), "PORT")


def summarize(runs):
    """The median of the rounds for each figure, and the spread of requests per second."""
    rates, loads = [run["requests_per_second"] for run in runs], [run["load_average_1m"] for run in runs]
    summary = {
        "requests_per_second": round(statistics.median(rates), 1),
        "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 2),
        "p99_ms": round(statistics.median(run["p99_ms"] for run in runs), 2),
        "requests_per_second_min_max": [min(rates), max(rates)],
        "non_2xx_3xx": sum(run["non_2xx_3xx"] for run in runs),
        "socket_errors": "; ".join(run["socket_errors"] for run in runs if run["socket_errors"]),
        "load_average_1m_min_max": [min(loads), max(loads)],
    }
    if shares := [run["busiest_worker_cpu_share"] for run in runs if "busiest_worker_cpu_share" in run]:
        summary["busiest_worker_cpu_share"] = shares
    return {**summary, "rounds": runs}


def gunicorn(app, key, settings=None):
    """A web dyno of the deployment for configuration `key` (records the command it runs), ready at its first 200."""
    config = CONFIGURATIONS[key]
    overrides = {"PYTHONPATH": str(VARIANTS), **config.get("env", {})}
    if settings:
        overrides["DJANGO_SETTINGS_MODULE"] = settings
    command = config.get("command", app.slug.procfile()["web"])
    # Recorded with the repository's relative path: bench.json names no folder of this machine.
    config["command_run"] = command.format(variants=VARIANTS.relative_to(ROOT))
    if "command" not in config:
        return app.web_dyno(**overrides)
    port = unused_port()
    env = {**dyno_environment(app.slug.app_venv, app.config_vars, port=port), **overrides}
    env = {name: value for name, value in env.items() if value is not None}
    return running_server(command.format(variants=VARIANTS), env, port=port, cwd=app.slug.path, ready_headers=HTTPS)


@contextlib.contextmanager
def nginx(static_root):
    """nginx from a config in a temporary folder, on an unused port, as an unprivileged user."""
    root, port = Path(tempfile.mkdtemp(prefix="bench-nginx-")), unused_port()
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=port, static_root=static_root))
    as_user = ""
    if os.geteuid() == 0:
        shutil.chown(root, user="nobody")
        as_user = "runuser -u nobody -- "
    try:
        with running_server(f"{as_user}{NGINX} -p {root} -e {root}/error.log -c {root}/nginx.conf -g 'daemon off;'",
                            os.environ, port=port, cwd=root, ready_path="/static/") as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


def printed(*command):
    """What a command prints, on stdout and stderr (nginx -v and wrk -v print their version on stderr)."""
    done = subprocess.run(command, capture_output=True, text=True)
    return done.stdout + done.stderr


def versions(app_venv):
    packages = ("Django", "gunicorn", "whitenoise", "psycopg", "brotli")
    script = ("import importlib.metadata as m, sys; print(sys.version.split()[0]); "
              f"[print(m.version(p)) for p in {packages}]")
    found = printed(str(app_venv / "bin" / "python"), "-c", script).split()
    return {"python": found[0], **{name.lower(): version for name, version in zip(packages, found[1:])},
            "postgresql": printed(str(postgres_bin() / "postgres"), "--version").split()[2],
            "nginx": printed(NGINX, "-v").strip().split("/")[-1], "wrk": printed(WRK, "-v").split()[1]}


def machine():
    # psutil has no CPU model name: Linux's /proc/cpuinfo has it, elsewhere platform.processor().
    cpuinfo = Path("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo.read_text(), re.M) if cpuinfo.exists() else None
    return {"nproc": os.cpu_count(), "cpu": model.group(1).strip() if model else platform.processor(),
            "memory_gib": total_memory_gib(), "kernel": platform.release(),
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()]}


def all_text_assets(static_root):
    """Brotli's saving for every hashed text file collectstatic wrote, from the .br copies on disk."""
    savings = {}
    for name, hashed in json.loads((static_root / "staticfiles.json").read_text())["paths"].items():
        if name.endswith((".css", ".js", ".svg", ".txt", ".html", ".json", ".map")):
            original, compressed = (static_root / hashed).stat().st_size, static_root / f"{hashed}.br"
            # WhiteNoise keeps a compressed copy only when it is at most 95 % of the original.
            size = compressed.stat().st_size if compressed.exists() else original
            savings[name] = {"identity": original, "br": size, "saving_percent": round(100 * (1 - size / original), 1)}
    return savings


def measure_all(app, args, wanted, commands):
    """Every round of every configuration: {configuration: {measurement: [figures of each round]}}, and the last
    round's memory, bytes on the wire and worker timeouts."""
    runs, last = {key: {} for key in wanted}, {}
    static_root = app.slug.path / "example" / "staticfiles"
    css_path = app.slug.hashed_static_path(CSS)
    for round_number in range(args.rounds):
        # A fresh server for each configuration in each round, in a new order
        # each round. Fresh, because how gunicorn's workers share wrk's
        # kept-alive connections is settled when a server starts; a new order,
        # so a disturbance from other jobs does not always hit one configuration.
        shift = round_number % len(wanted)
        for key in wanted[shift:] + wanted[:shift]:
            with nginx(static_root) if key == "e" else gunicorn(app, key) as server:
                wait_for_200(server, css_path if key == "e" else "/")
                fast_round(key, server, css_path, args, runs[key], commands)
                if round_number == args.rounds - 1:
                    last[key] = {
                        "rss_mib_after": tree_rss_mib(server.process.pid),
                        "bytes": {asset: {
                            encoding: bytes_on_wire(server.port, app.slug.hashed_static_path(asset), encoding)
                            for encoding in bench_figures.ENCODINGS
                        } for asset in TEXT_ASSETS},
                        "worker_timeouts": server.log().count("WORKER TIMEOUT") if key != "e" else 0,
                    }
            if key in bench_figures.SLOW_LOAD and not args.no_slow:
                # A server of its own: the slow page exists only in its settings.
                with gunicorn(app, key, settings=SLOW_SETTINGS) as server:
                    wait_for_200(server)
                    slow_round(server, args, runs[key], commands)
        print(f"round {round_number + 1} of {args.rounds} done (load average {os.getloadavg()[0]:.1f})", flush=True)
    return runs, last


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="wrk's duration per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each in a new order; figures are medians")
    parser.add_argument("--warmup", type=int, default=1, help="wrk's warm-up per server and round")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--slow-connections", type=int, default=2,
                        help="clients each keeping one 1 s request in flight")
    parser.add_argument("--no-slow", action="store_true", help="leave out the slow-request load")
    parser.add_argument("--only", nargs="*", choices=list(CONFIGURATIONS),
                        help="configurations to run (default: all); prints JSON, writes nothing")
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    args = parser.parse_args()
    started = time.monotonic()
    wanted, commands = args.only or list(CONFIGURATIONS), {}
    # Every gunicorn holds up to workers x threads database connections.
    os.environ.setdefault("FAULTS_PG_MAX_CONNECTIONS", "100")
    database = ThrowawayPostgres()
    try:
        with deploy(ROOT, production_config_vars(DATABASE_URL=database.url), loaddata="sample_staff", web=False) as app:
            report = {
                "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "command": "nox -s bench", "machine": machine(), "versions": versions(app.slug.app_venv),
                "settings": {"seconds": args.seconds, "rounds": args.rounds, "warmup_seconds": args.warmup,
                             "connections": args.connections, "threads": args.threads,
                             "slow_connections": args.slow_connections},
                "results": [],
            }
            runs, last = measure_all(app, args, wanted, commands)
            text_assets = all_text_assets(app.slug.path / "example" / "staticfiles")
    finally:
        database.delete()
    for key in wanted:
        config = {name: value for name, value in CONFIGURATIONS[key].items() if name not in ("env", "command")}
        result = {"configuration": key, **config}
        for name, figures in runs[key].items():
            result[name] = summarize(figures)
            if result[name]["non_2xx_3xx"] or result[name]["socket_errors"]:
                raise RuntimeError(f"({key}) {name}: {result[name]}")
        report["results"].append({**result, **last[key]})
    minutes = round((time.monotonic() - started) / 60)
    report.update(wrk_commands=commands, all_text_assets_br=text_assets, minutes=minutes)
    if args.only:
        print(json.dumps(report["results"], indent=1))
        return
    if not args.no_write:  # first: a measurement is never lost to a failure in printing it
        bench_figures.BENCH_JSON.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\n{report['date']}; {report['machine']}; {report['versions']}")
    for name, (title, header, _) in bench_figures.TABLES.items():
        print(bench_figures.text_table(title, header, bench_figures.table_rows(report, name)), end="\n\n")
    for name, check in bench_figures.targets(report).items():
        print(f"{bench_figures.VERDICTS[check['met']]:8} {name}: {check['figures']}")
    if not args.no_write:
        print(f"\nWrote {bench_figures.BENCH_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
