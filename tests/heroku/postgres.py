"""A throwaway PostgreSQL server, standing in for Heroku Postgres: created, restarted, stopped and deleted by the checks.

Never the machine's own server: a fresh cluster in a temporary folder, on an
unused port, listening on 127.0.0.1 only, with trust authentication and no
SSL (Django's settings skip `sslmode=require` for a database on loopback).
initdb refuses to run as root, so as root every PostgreSQL program runs as
the `postgres` user, in a folder that user owns.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from heroku.dyno import unused_port

# Every pg_ctl call waits at most this long; a cluster that needs more is broken.
PG_CTL_TIMEOUT = 30


def _major_version(initdb):
    """15 from /usr/lib/postgresql/15/bin/initdb (9.6 as (9, 6)): versions sort as numbers, not text."""
    return tuple(int(part) for part in Path(initdb).parent.parent.name.split("."))


def postgres_bin():
    """The folder of initdb and pg_ctl: $PG_BIN, the PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    on_path = shutil.which("initdb")
    if on_path:
        # Debian links a few programs into the PATH; the folder holds them all.
        return Path(on_path).resolve().parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    if debian:
        return Path(debian[-1]).parent
    raise RuntimeError("PostgreSQL's initdb is not installed, and the checks create a throwaway cluster with it. On Debian or Ubuntu: "
                       "sudo apt-get install postgresql; on macOS: brew install postgresql@17 (or set PG_BIN to the folder holding initdb).")


class ThrowawayPostgres:
    """One cluster: start(), stop(), restart(), psql(sql), and delete() when done."""

    user = "postgres"
    database = "staff"

    def __init__(self):
        self.bin = postgres_bin()
        self.port = unused_port()
        self.root = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.as_postgres = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-U", self.user, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        # Throwaway data: speed over durability (fsync, synchronous_commit, full_page_writes off).
        # 2 workers x 5 threads hold at most 10 connections per dyno; FAULTS_PG_MAX_CONNECTIONS
        # lowers the limit, to see the load check fail.
        (self.data / "postgresql.auto.conf").write_text(
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\nssl = off\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            f"max_connections = {int(os.environ.get('FAULTS_PG_MAX_CONNECTIONS', 50))}\n"
        )
        self.url = f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", self.port, "-U", self.user, self.database)

    def psql(self, sql):
        """Run SQL in the app's database as the superuser; RuntimeError with psql's message if it fails."""
        self._run("psql", "-h", "127.0.0.1", "-p", self.port, "-U", self.user, "-d", self.database, "-v", "ON_ERROR_STOP=1", "-c", sql)

    def _run(self, program, *args):
        command = [*self.as_postgres, str(self.bin / program), *map(str, args)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=PG_CTL_TIMEOUT + 10)
        if result.returncode:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}{log[-2000:]}")

    def pg_ctl(self, action, *args):
        self._run("pg_ctl", action, "-D", self.data, "-w", "-t", PG_CTL_TIMEOUT, "-l", self.log_path, *args)

    def start(self):
        self.pg_ctl("start")

    def stop(self):
        """Fast shutdown: every open connection is terminated, as in a maintenance restart."""
        self.pg_ctl("stop", "-m", "fast")

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def is_running(self):
        return (self.data / "postmaster.pid").exists()

    def delete(self):
        if self.is_running():
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
