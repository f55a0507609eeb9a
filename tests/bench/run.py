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
import statistics
import string
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT / "docs" / "_ext")]

import bench_figures  # noqa: E402
import psutil  # noqa: E402
import wrk  # noqa: E402
from heroku import HTTPS, ThrowawayPostgres, deploy, production_config_vars, running_server, unused_port  # noqa: E402
from heroku.deploy import wait_for_200  # noqa: E402
from heroku.postgres import postgres_bin  # noqa: E402
from heroku.processes import children, cpu_seconds, tcp_sockets, total_memory_gib, tree_rss_mib  # noqa: E402

VARIANTS = TESTS / "bench" / "variants"
WRK = os.environ.get("WRK") or shutil.which("wrk")
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
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
          "command_run": "nginx -p FOLDER -c FOLDER/nginx.conf -g 'daemon off;' (tests/bench/nginx.conf)"},
}
DESCRIBED = ("name", "short", "command_run")  # what bench.json says of each configuration
NO_WORKER_SHARE = {"c1", "e"}  # one worker; nginx's workers are not gunicorn's
NGINX_CONF = string.Template((VARIANTS.parent / "nginx.conf").read_text())  # $root, $port, $static_root


def load(server, path, args, **options):
    """wrk through the router's HTTPS header: (figures, the command shown); an error or non-2xx/3xx stops the run.

    The figures include the machine's 1-minute load average when wrk started.
    """
    options = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads, **options}
    load_average = round(os.getloadavg()[0], 2)
    figures, output, shown = wrk.run(WRK, server.url + path, headers=["X-Forwarded-Proto: https"], **options)
    if figures["non_2xx_3xx"] or figures["socket_errors"]:
        raise RuntimeError(f"{shown}:\n{output}")
    return {**figures, "load_average_1m": load_average}, shown.replace(str(server.port), "PORT")


def body_bytes(server, path, encoding):
    """How one response to a request accepting `encoding` was sent: its Content-Encoding and its body's size."""
    status, headers, body = server.request("GET", path, headers={**HTTPS, "Accept-Encoding": encoding})
    assert status == 200, f"{path} answered {status}"
    return {"content_encoding": headers.get("content-encoding", "identity"), "body_bytes": len(body)}


def connections_per_worker(pid, port):
    """How many client connections on `port` each worker of a gunicorn master holds, most first."""
    return sorted((tcp_sockets(worker, port, psutil.CONN_ESTABLISHED) for worker in children(pid)), reverse=True)


def with_worker_share(server, path, args):
    """load()'s figures, with the busiest worker's part of the workers' CPU time (user + system), and the
    client connections each worker held halfway through (wrk's stay open: they explain the split)."""
    pid = server.process.pid
    before = cpu_seconds(children(pid))
    with ThreadPoolExecutor(1) as pool:
        measuring = pool.submit(load, server, path, args)
        time.sleep(args.seconds / 2)
        halfway = connections_per_worker(pid, server.port)
        figures, shown = measuring.result()
    after = cpu_seconds(children(pid))
    used = [after.get(worker, spent) - spent for worker, spent in before.items()]
    return {**figures, "busiest_worker_cpu_share": round(max(used) / (sum(used) or 1), 2),
            "connections_per_worker_halfway": halfway}, shown


def fast_round(key, server, css_path, args, runs, commands):
    """One round for one server: warm-up, then the database page (not for nginx) and the CSS file."""
    paths = {**({"database_page": "/"} if key != "e" else {}), "css": css_path}
    load(server, next(iter(paths.values())), args, seconds=args.warmup_seconds)
    for name, path in paths.items():
        figures, shown = (load if key in NO_WORKER_SHARE else with_worker_share)(server, path, args)
        runs.setdefault(name, []).append(figures)
        commands[name] = shown.replace(css_path, "/static/CSS")


def slow_round(server, args, runs, commands):
    """The database page under wrk's load while other clients each keep one slow request in flight.

    The slow clients start first and stop last, so every fast request of the
    measurement meets them; each of their requests waits 1 s in PostgreSQL.
    """
    load(server, "/", args, seconds=args.warmup_seconds)
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(load, server, SLOW_PATH, args, seconds=args.seconds + 2,
                           connections=args.slow_connections, threads=1)
        time.sleep(1)
        figures, commands["fast_requests"] = load(server, "/", args)
        slow_figures, commands["slow_requests"] = slow.result()
    runs.setdefault("slow_requests", []).append(
        {**figures, "slow_requests_per_second": slow_figures["requests_per_second"], "slow_p50_ms": slow_figures["p50_ms"]}
    )


def summarize(runs):
    """The median of the rounds for each figure, the spread of requests per second, and each round."""
    rates = [run["requests_per_second"] for run in runs]
    summary = {
        "requests_per_second": round(statistics.median(rates), 1),
        "requests_per_second_min_max": [min(rates), max(rates)],
        **{name: round(statistics.median(run[name] for run in runs), 2) for name in ("p50_ms", "p99_ms")},
    }
    if shares := [run["busiest_worker_cpu_share"] for run in runs if "busiest_worker_cpu_share" in run]:
        summary["busiest_worker_cpu_share"] = shares
    return {**summary, "rounds": runs}


def gunicorn(app, key, settings=None):
    """A web dyno of the deployment for configuration `key` (records the command it runs), ready at its first 200."""
    config = CONFIGURATIONS[key]
    overrides = {"PYTHONPATH": str(VARIANTS), **config.get("env", {})}
    overrides.update({"DJANGO_SETTINGS_MODULE": settings} if settings else {})
    command = config.get("command", app.slug.procfile()["web"])
    # Recorded with the repository's relative path: bench.json names no folder of this machine.
    config["command_run"] = command.format(variants=VARIANTS.relative_to(ROOT))
    return app.web_dyno(command=command.format(variants=VARIANTS), **overrides)


@contextlib.contextmanager
def nginx(static_root):
    """nginx from a config in a temporary folder, on an unused port, as an unprivileged user."""
    port, as_root = unused_port(), os.geteuid() == 0
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as root:
        Path(root, "nginx.conf").write_text(NGINX_CONF.substitute(root=root, port=port, static_root=static_root))
        if as_root:
            shutil.chown(root, user="nobody")
        command = f"{NGINX} -p {root} -e {root}/error.log -c {root}/nginx.conf -g 'daemon off;'"
        with running_server(("runuser -u nobody -- " if as_root else "") + command, os.environ, port=port, cwd=root,
                            ready_path="/static/") as server:
            yield server


def printed(*command):
    """What a command prints, on stdout and stderr (nginx -v and wrk -v print their version on stderr)."""
    done = subprocess.run(command, capture_output=True, text=True)
    return done.stdout + done.stderr


def versions(app_venv):
    script = ("import importlib.metadata as m, json, sys; print(json.dumps({'python': sys.version.split()[0], "
              "**{p.lower(): m.version(p) for p in ('Django', 'gunicorn', 'whitenoise', 'psycopg', 'brotli')}}))")
    return {**json.loads(printed(str(app_venv / "bin" / "python"), "-c", script)),
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
    css_path = app.slug.hashed_static_path("css/site.css")
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
                            encoding: body_bytes(server, app.slug.hashed_static_path(asset), encoding)
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
    parser.add_argument("--warmup", type=int, default=1, dest="warmup_seconds", help="wrk's warm-up per server, round")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--slow-connections", type=int, default=2, help="clients each keeping a 1 s request in flight")
    parser.add_argument("--no-slow", action="store_true", help="leave out the slow-request load")
    parser.add_argument("--only", nargs="*", choices=list(CONFIGURATIONS),
                        help="configurations to run (default: all); writes nothing")
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
                # --seconds, --rounds, --warmup, --connections, --threads, --slow-connections
                "settings": {name: value for name, value in vars(args).items() if type(value) is int},
            }
            runs, last = measure_all(app, args, wanted, commands)
            text_assets = all_text_assets(app.slug.path / "example" / "staticfiles")
    finally:
        database.delete()
    report["results"] = [
        {"configuration": key, **{name: value for name, value in CONFIGURATIONS[key].items() if name in DESCRIBED},
         **{name: summarize(figures) for name, figures in runs[key].items()}, **last[key]}
        for key in wanted
    ]
    minutes = round((time.monotonic() - started) / 60)
    report.update(wrk_commands=commands, all_text_assets_br=text_assets, minutes=minutes)
    if not (args.only or args.no_write):  # first: a measurement is never lost to a failure in printing it
        bench_figures.BENCH_JSON.write_text(json.dumps(report, indent=1) + "\n")
        print(f"Wrote {bench_figures.BENCH_JSON.relative_to(ROOT)}")
    print(f"\n{report['date']}; {report['machine']}; {report['versions']}")
    for name, (title, header, _) in bench_figures.TABLES.items():
        print(bench_figures.text_table(title, header, bench_figures.table_rows(report, name)), end="\n\n")
    for name, check in ({} if args.only else bench_figures.targets(report)).items():  # the targets compare them all
        print(f"{bench_figures.VERDICTS[check['met']]:8} {name}: {check['figures']}")


if __name__ == "__main__":
    main()
