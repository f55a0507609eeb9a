"""A bounded load run against the guide's web dyno: every answer a success, no worker lost, memory flat.

wrk (Debian's `wrk`) sends the home page (a database query) and a hashed
CSS file in turn, as the router would: with X-Forwarded-Proto: https and a
browser's Accept-Encoding.
"""

import os
import shutil
import string
from pathlib import Path

import wrk
from heroku import HTTPS
from heroku.processes import children, rss_kib

DURATION = int(os.environ.get("FAULTS_LOAD_SECONDS", "12"))
CONNECTIONS = 10
THREADS = 2
# A worker may grow while caches fill (templates, the manifest, connections);
# more than this over one short run would be a leak.
MAX_GROWTH_KIB = 20 * 1024

# wrk's requests, in Lua: the home page and a hashed CSS file in turn.
SCRIPT = string.Template((Path(__file__).parent / "home-and-css.lua").read_text())


def test_load(web_dyno, slug, report, tmp_path):
    # The session passes WRK; a run without wrk fails and says how to install it, never skips.
    program = os.environ.get("WRK") or shutil.which("wrk")
    assert program, "wrk is not installed, and the load check needs it: sudo apt-get install wrk (macOS: brew install wrk)"
    script = tmp_path / "home-and-css.lua"
    script.write_text(SCRIPT.substitute(css=slug.hashed_static_path("css/site.css")))

    def load(seconds):
        return wrk.run(program, server.url, seconds=seconds, connections=CONNECTIONS, threads=THREADS, script=script)

    with web_dyno() as server:
        assert server.request("GET", "/", headers=HTTPS)[0] == 200
        load(2)  # warm-up: every thread imports, connects, caches
        before = {pid: rss_kib(pid) for pid in children(server.process.pid)}
        figures, output, _ = load(DURATION)
        after = {pid: rss_kib(pid) for pid in children(server.process.pid)}
        log = server.log()
    assert figures["non_2xx_3xx"] == 0 and not figures["socket_errors"] and figures["requests"] > 0, output
    assert "WORKER TIMEOUT" not in log and "Booting worker" in log
    assert set(after) == set(before), f"workers were replaced during the run: {before} -> {after}\n{log[-3000:]}"
    growth = {pid: after[pid] - before[pid] for pid in before}
    report(
        f"load: {figures['requests']} requests in {DURATION} s ({figures['requests_per_second']}/s, "
        f"p99 {figures['p99_ms']}ms), all 2xx; "
        f"worker RSS {', '.join(f'{before[p] // 1024} -> {after[p] // 1024} MiB' for p in before)}"
    )
    assert max(growth.values()) < MAX_GROWTH_KIB, growth
