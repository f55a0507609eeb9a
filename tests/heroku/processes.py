"""The processes of a dyno, read with psutil (Linux, macOS): workers, memory, CPU time, process groups."""

import contextlib
import os

import psutil


def children(pid):
    """The pids of a process's direct children: a gunicorn master's workers."""
    with contextlib.suppress(psutil.NoSuchProcess):
        return [child.pid for child in psutil.Process(pid).children()]
    return []


def rss_kib(pid):
    """Resident memory of one process, in KiB."""
    return psutil.Process(pid).memory_info().rss // 1024


def tree_rss_mib(pid):
    """Resident memory of a process and all its descendants, in MiB (0 once it is gone)."""
    total = 0
    with contextlib.suppress(psutil.NoSuchProcess):
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
    return round(total / 1024**2, 1)


def cpu_seconds(pids):
    """{pid: user + system CPU seconds} of each process still running."""
    used = {}
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            used[pid] = times.user + times.system
    return used


def tcp_sockets(pid, port, status):
    """How many TCP sockets of process `pid` on local `port` are in `status` (psutil.CONN_LISTEN...); 0 once it is gone."""
    with contextlib.suppress(psutil.NoSuchProcess):
        connections = psutil.Process(pid).net_connections(kind="tcp")
        return sum(1 for c in connections if c.laddr and c.laddr.port == port and c.status == status)
    return 0


def live_processes(where):
    """{pid: command line} of the live (not zombie) processes for which where(pgid, command line) is true."""
    found = {}
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            command = " ".join(process.info["cmdline"] or [])
            if where(os.getpgid(process.info["pid"]), command):
                found[process.info["pid"]] = command
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue  # gone, or not ours to read
    return found


def process_group(pgid):
    """{pid: command line} of the live processes in a process group (a dyno's: Heroku signals the group)."""
    return live_processes(lambda group, command: group == pgid)


def total_memory_gib():
    return round(psutil.virtual_memory().total / 1024**3, 1)
