"""On a dyno, each gunicorn worker listens on a socket of its own (reuse_port), as step 6 says.

gunicorn 27 opens a worker's own SO_REUSEPORT socket in arbiter.py's
spawn_worker when reuse_port is set, and the kernel then spreads new
connections between the sockets. With one shared socket every worker would
hold the same one. How evenly the work is then split is measured by
`nox -s bench`, not here.
"""

import os
from pathlib import Path

from heroku import production_config_vars
from heroku.processes import children

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp*


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
