"""wrk, the HTTP load generator of the load check and the benchmark: one way to run it and read what it prints."""

import re
import subprocess


def run(wrk, url, *, seconds, connections, threads, script=None, headers=()):
    """Run wrk with --latency; returns (figures(output), the output, the command as a shell line)."""
    command = [
        wrk, f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s",
        "--timeout=10s", "--latency", *(f"--header={header}" for header in headers),
        *([f"--script={script}"] if script else []), url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}")
    shown = " ".join(part if " " not in part else f"'{part}'" for part in ["wrk", *command[1:]])
    return figures(result.stdout), result.stdout, shown


def _milliseconds(output, percent):
    value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\b", output, re.M).groups()
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)


def figures(output):
    """What wrk printed, as numbers: requests, requests per second, p50 and p99 in ms, errors."""
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": round(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), 1),
        "p50_ms": _milliseconds(output, 50),
        "p99_ms": _milliseconds(output, 99),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }
