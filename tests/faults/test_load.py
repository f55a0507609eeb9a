"""A bounded load run against the guide's web dyno: every answer a success, no worker lost, memory flat.

wrk (Debian's `wrk`) sends the home page (a database query) and a hashed
CSS file in turn, as the router would: with X-Forwarded-Proto: https and a
browser's Accept-Encoding.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from dyno import production_config_vars
from faults.built_app import HTTPS, hashed_static_path, report, rss_kib, worker_pids

WRK = os.environ.get("WRK") or shutil.which("wrk")
DURATION = int(os.environ.get("FAULTS_LOAD_SECONDS", "12"))
CONNECTIONS = 10
THREADS = 2
# A worker may grow while caches fill (templates, the manifest, connections);
# more than this over one short run would be a leak.
MAX_GROWTH_KIB = 20 * 1024

SCRIPT = """
local paths = {"/", "%(css)s"}
local headers = {["X-Forwarded-Proto"] = "https", ["Accept-Encoding"] = "br, gzip"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n %% 2 + 1], headers)
end
"""


def run_wrk(url, script, seconds):
    command = [
        WRK, f"--threads={THREADS}", f"--connections={CONNECTIONS}", f"--duration={seconds}s",
        "--timeout=10s", f"--script={script}", "--latency", url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(not WRK, reason="wrk is not installed: sudo apt-get install wrk")
def test_load(database, web_dyno):
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "home-and-css.lua"
        script.write_text(SCRIPT % {"css": hashed_static_path("css/site.css")})
        with web_dyno(production_config_vars(DATABASE_URL=database.url)) as server:
            assert server.request("GET", "/", headers=HTTPS)[0] == 200
            run_wrk(server.url, script, 2)  # warm-up: every thread imports, connects, caches
            workers = worker_pids(server)
            before = {pid: rss_kib(pid) for pid in workers}
            output = run_wrk(server.url, script, DURATION)
            after = {pid: rss_kib(pid) for pid in worker_pids(server)}
            log = server.log()

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)
    assert "Non-2xx or 3xx responses" not in output, output
    assert "Socket errors" not in output, output
    assert requests > 0
    assert "WORKER TIMEOUT" not in log and "Booting worker" in log
    assert set(after) == set(before), f"workers were replaced during the run: {before} -> {after}\n{log[-3000:]}"
    growth = {pid: after[pid] - before[pid] for pid in before}
    report(
        f"load: {requests} requests in {DURATION} s ({rate}/s, p99 {p99}), all 2xx; "
        f"worker RSS {', '.join(f'{before[p] // 1024} -> {after[p] // 1024} MiB' for p in before)}"
    )
    assert max(growth.values()) < MAX_GROWTH_KIB, growth
