"""A network of the shape's own: its servers on the pages' fixed ports (8000, 5006), on a loopback no other shape shares.

own_network() moves the calling thread, and everything it starts from then
on (the reader's shells and servers, PostgreSQL, the dynos, the SMTP
server), into a new network namespace (os.unshare(CLONE_NEWNET)) whose only
interface, the loopback, it brings up; the commands stay as the pages print
them. A network namespace needs root (noxfile.py says so).

PyPI stays reachable, for the pages' pip installs and the app's environment,
through a proxy on that loopback (HTTPS_PROXY, which pip and uv honour): a
thread back in the machine's namespace tunnels each CONNECT out of it.
"""

import contextlib
import os
import socket
import subprocess
import threading

# The machine's network namespace, opened at import, before any thread has left it.
MACHINE_NETWORK = os.open("/proc/self/ns/net", os.O_RDONLY)


def own_network():
    """Move this thread into a new network namespace; returns the URL of its proxy to the machine's network."""
    os.unshare(os.CLONE_NEWNET)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_serve, args=(listener,), daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


def _serve(listener):
    os.setns(MACHINE_NETWORK, os.CLONE_NEWNET)  # this thread's sockets, and its tunnels', are the machine's
    while True:
        threading.Thread(target=_tunnel, args=(listener.accept()[0],), daemon=True).start()


def _tunnel(client):
    """One `CONNECT host:port` request: a TCP tunnel to host:port, each way until its sender is done."""
    # A client that goes away, or sends no CONNECT, just loses its tunnel.
    with client, contextlib.suppress(OSError, IndexError, ValueError):
        request = b""
        while b"\r\n\r\n" not in request and (data := client.recv(4096)):
            request += data
        host, port = request.split()[1].decode().rsplit(":", 1)
        with socket.create_connection((host, int(port))) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            back = threading.Thread(target=_pipe, args=(upstream, client))
            back.start()
            _pipe(client, upstream)
            back.join()


def _pipe(source, sink):
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
