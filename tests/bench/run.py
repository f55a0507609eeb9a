"""`nox -s bench`: the same built example served five ways, measured on one machine in one run.

(a) the guide: the Procfile's web line and example/gunicorn.conf.py;
(b) like Heroku's getting-started example: gthread, 5 threads, no preload;
(c) the source guide's bare `gunicorn staff.wsgi` (sync worker): as a dyno
    runs it, with the buildpack's WEB_CONCURRENCY=2, and with 1 worker;
(d) Django serving the static files itself (django.views.static.serve), no
    WhiteNoise, under the guide's gunicorn configuration;
(e) nginx serving the collected files: the physical limit of this machine.

Every gunicorn runs with a dyno's environment (tests/heroku/) against a
throwaway PostgreSQL on 127.0.0.1. wrk measures requests per second and
latency for the database page (/) and a hashed CSS file; raw sockets measure
the bytes each text asset takes on the wire with br, gzip and no encoding.

Writes docs/_measurements/bench.json and bench.rst.inc (included by
docs/measurements.rst), and prints the tables.
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
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS), str(TESTS / "bench" / "variants")]

import wrk as wrk_program  # noqa: E402
from heroku import HTTPS, ThrowawayPostgres, dyno_environment, one_off, production_config_vars, release  # noqa: E402
from heroku import running_server, unused_port  # noqa: E402
from heroku.build import Slug, find_manage_py  # noqa: E402
from heroku.postgres import postgres_bin  # noqa: E402
from heroku.processes import children, cpu_seconds, total_memory_gib, tree_rss_mib  # noqa: E402

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

GUNICORN_BARE = "gunicorn staff.wsgi --no-control-socket --chdir example"
CONFIGURATIONS = {
    "a": {
        "name": "guide: Procfile + example/gunicorn.conf.py",
        "detail": "gthread, WEB_CONCURRENCY=2 workers x 5 threads, preload_app, WhiteNoise",
    },
    "b": {
        "name": "like Heroku's getting-started",
        "detail": "gthread, 2 workers x 5 threads, no preload_app, WhiteNoise",
        "command": "gunicorn --config {variants}/getting_started_gunicorn.conf.py "
        "--no-control-socket --chdir example staff.wsgi",
    },
    "c": {
        "name": "source guide: bare gunicorn staff.wsgi",
        "detail": "sync, 2 workers (gunicorn reads the buildpack's WEB_CONCURRENCY=2), WhiteNoise",
        "command": GUNICORN_BARE,
    },
    "c1": {
        "name": "bare gunicorn staff.wsgi, 1 worker",
        "detail": "sync, 1 worker (WEB_CONCURRENCY unset), WhiteNoise",
        "command": GUNICORN_BARE,
        "env": {"WEB_CONCURRENCY": None},
    },
    "d": {
        "name": "Django serves static files (no WhiteNoise)",
        "detail": "guide's gunicorn; django.views.static.serve from STATIC_ROOT",
        "env": {"DJANGO_SETTINGS_MODULE": "settings_django_serves_static"},
    },
    "e": {
        "name": "nginx serves the collected files",
        "detail": "nginx {nginx}, 2 worker processes, sendfile, gzip_static (no Brotli module)",
    },
}


def wrk(url, seconds, connections, threads):
    """Run wrk; returns (figures, exact command)."""
    figures, _, shown = wrk_program.run(
        WRK, url, seconds=seconds, connections=connections, threads=threads,
        headers=["X-Forwarded-Proto: https"],
    )
    return figures, shown


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
    return {
        "requests_per_second": round(median(rates), 1),
        "p50_ms": round(median([run["p50_ms"] for run in runs]), 2),
        "p99_ms": round(median([run["p99_ms"] for run in runs]), 2),
        "requests_per_second_min_max": [min(rates), max(rates)],
        "non_2xx_3xx": sum(run["non_2xx_3xx"] for run in runs),
        "socket_errors": "; ".join(run["socket_errors"] for run in runs if run["socket_errors"]),
        "rounds": runs,
    }


def measure_round(server, args, commands):
    """One round for one server: warm-up, then the database page (not for nginx) and the CSS file."""
    key, port = server["key"], server["port"]
    url = f"http://127.0.0.1:{port}"
    css_path = hashed_static_path(CSS)
    targets = ([("database_page", "/")] if key != "e" else []) + [("css", css_path)]
    wrk(url + targets[0][1], args.warmup, args.connections, args.threads)
    for name, path in targets:
        figures, command = wrk(url + path, args.seconds, args.connections, args.threads)
        server["runs"].setdefault(name, []).append(figures)
        commands[name] = command.replace(str(port), "PORT").replace(css_path, "/static/CSS")


def bytes_for_assets(port):
    return {
        asset: {encoding: bytes_on_wire(port, hashed_static_path(asset), encoding) for encoding in ENCODINGS}
        for asset in TEXT_ASSETS
    }


def start_gunicorn(key, database, stack):
    config = CONFIGURATIONS[key]
    port = unused_port()
    env = app_environment(port, production_config_vars(DATABASE_URL=database.url))
    env["PYTHONPATH"] = str(VARIANTS)
    for name, value in config.get("env", {}).items():
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
            " ".join(f"{share:.0%}" for share in result["busiest_worker_cpu_share"]) if "busiest_worker_cpu_share" in result else "n/a",
        ])
    speed_header = ["Configuration", "Database page req/s (range)", "p50 / p99 ms", "CSS file req/s (range)", "p50 / p99 ms", "RSS MiB", "Busiest worker's CPU share"]
    bytes_rows = []
    for key in ("a", "d", "e"):
        for asset, sizes in results[key]["bytes"].items():
            bytes_rows.append([
                f"({key}) {asset}",
                *(f"{sizes[e]['body_bytes']:,}" + ("" if sizes[e]["content_encoding"] == e else f" ({sizes[e]['content_encoding']})") for e in ENCODINGS),
                f"{reduction(sizes, 'br')} %",
            ])
    bytes_header = ["Server and asset", "br", "gzip", "identity", "br saves"]
    return (speed_header, speed_rows), (bytes_header, bytes_rows)


def rst_table(title, header, rows, widths):
    lines = [f".. list-table:: {title}", "   :header-rows: 1", f"   :widths: {' '.join(map(str, widths))}", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def text_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths))  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def targets(report):
    results = {result["configuration"]: result for result in report["results"]}
    guide = results["a"]["database_page"]
    checks = {}
    for other in ("b", "c", "c1"):
        page = results[other]["database_page"]
        checks[f"a at least as fast as {other} on the database page"] = {
            "met": guide["requests_per_second"] >= page["requests_per_second"],
            "figures": f"{guide['requests_per_second']:.0f} vs {page['requests_per_second']:.0f} req/s",
        }
        checks[f"a p99 no worse than {other} on the database page"] = {
            "met": guide["p99_ms"] <= page["p99_ms"],
            "figures": f"{guide['p99_ms']:.1f} vs {page['p99_ms']:.1f} ms",
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


def write_include(report, speed, sizes):
    m, v = report["machine"], report["versions"]
    text = [
        ".. This file is written by `nox -s bench` (tests/bench/run.py): do not edit it.",
        "",
        f"Measured on {report['date']} on {m['nproc']} cores of an {m['cpu']} with {m['memory_gib']} GiB of memory "
        f"(Linux {m['kernel']}; load average {m['load_average_at_start'][0]} at the start), with Python {v['python']}, "
        f"Django {v['django']}, gunicorn {v['gunicorn']}, WhiteNoise {v['whitenoise']}, psycopg {v['psycopg']}, "
        f"PostgreSQL {v['postgresql']}, nginx {v['nginx']} and wrk {v['wrk']}. "
        f"In each of {report['settings']['rounds']} rounds, each in another order, each "
        f"configuration was started afresh, had a {report['settings']['warmup_seconds']} s warm-up, "
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
        "its busiest worker used (50 % is an even split). wrk, the "
        "servers and PostgreSQL share the machine's cores, and other jobs ran on it too.",
        "",
        ".. _bench-speed-table:",
        "",
        rst_table("Requests per second and latency", *speed, [30, 14, 12, 14, 12, 7, 11]),
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
    parser.add_argument("--only", nargs="*", help="configurations to run (default: all); prints JSON, writes nothing")
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    args = parser.parse_args()

    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "nox -s bench",
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "seconds": args.seconds, "rounds": args.rounds, "warmup_seconds": args.warmup,
            "connections": args.connections, "threads": args.threads,
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
                    workers = worker_cpu_ticks(server["pid"]) if key != "e" else {}
                    measure_round(server, args, commands)
                    if workers:
                        after = worker_cpu_ticks(server["pid"])
                        used = [after.get(pid, 0) - ticks for pid, ticks in workers.items()]
                        runs[key].setdefault("busiest_worker_cpu_share", []).append(round(max(used) / max(sum(used), 1), 2))
                    if round_number == args.rounds - 1:
                        last[key] = {
                            "rss_mib_after": server_rss_mib(server["pid"]),
                            "bytes": bytes_for_assets(server["port"]),
                            "worker_timeouts": server["server"].log().count("WORKER TIMEOUT") if server["server"] else 0,
                        }
            print(f"round {round_number + 1} of {args.rounds} done", flush=True)
        for key in wanted:
            result = {"configuration": key, **{k: v for k, v in CONFIGURATIONS[key].items() if k != "env"}}
            shares = runs[key].pop("busiest_worker_cpu_share", None)
            for name, figures in runs[key].items():
                result[name] = summarize(figures)
                if result[name]["non_2xx_3xx"] or result[name]["socket_errors"]:
                    raise RuntimeError(f"({key}) {name}: {result[name]}")
            if shares and key != "c1":  # c1 has one worker
                result["busiest_worker_cpu_share"] = shares
            result.update(last[key])
            report["results"].append(result)
    finally:
        database.delete()
    report["wrk_commands"] = commands
    report["all_text_assets_br"] = all_text_assets()

    if args.only:
        print(json.dumps(report["results"], indent=1))
        return
    speed, sizes = tables(report)
    report["targets"] = targets(report)
    print()
    print(f"{report['date']}; {report['machine']}; {report['versions']}")
    print(text_table(*speed))
    print()
    print(text_table(*sizes))
    print()
    for name, check in report["targets"].items():
        verdict = {True: "met", False: "NOT MET", None: "report"}[check["met"]]
        print(f"{verdict:8} {name}: {check['figures']}")
    if not args.no_write:
        OUT.mkdir(exist_ok=True)
        (OUT / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
        (OUT / "bench.rst.inc").write_text(write_include(report, speed, sizes))
        print(f"\nWrote {OUT.relative_to(ROOT)}/bench.json and bench.rst.inc")


if __name__ == "__main__":
    main()
