"""gunicorn's settings on a Heroku web dyno.

The Procfile passes this file with --config. Each value answers
a behaviour of Heroku's platform, named beside it.
"""

import os

# Heroku gives each web dyno its port in $PORT; the router sends
# traffic nowhere else. "[::]" takes IPv6 and IPv4 alike.
bind = [f"[::]:{os.environ.get('PORT', '8000')}"]

# Processes: Heroku's classic Python buildpack sets
# WEB_CONCURRENCY from the dyno's size (2 on Eco, Basic and
# Standard-1X); elsewhere, 2. Change it with
# `heroku config:set WEB_CONCURRENCY=3`.
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
# Threads: while one waits on the database, another serves.
worker_class = "gthread"
threads = 5
# Import Django once, before forking the workers: they start
# faster and share memory, and a configuration error stops
# the dyno at boot with one clear line.
preload_app = True
# On a dyno (Heroku sets DYNO), each worker gets a socket of
# its own (SO_REUSEPORT), so the kernel spreads connections
# between them. Off on your machine, so that a second gunicorn
# on the same port fails instead of sharing it.
reuse_port = "DYNO" in os.environ

# Replace a worker that stops answering the master for this
# many seconds.
# It does not cut a slow request short: the router answers
# those with H12 after 30 s.
timeout = 20
# A dyno gets SIGTERM, then SIGKILL 30 s later: finish the
# requests in flight within this many seconds, and exit in
# time.
graceful_timeout = 20
# The router closes a connection idle for 90 s; staying open
# longer means gunicorn never closes one the router is using.
keepalive = 95

# Heroku's log collects stdout and stderr: "-" is stdout.
accesslog = "-"
# Nothing on a dyno uses gunicorn's control socket, and two
# servers on one machine would both claim it.
control_socket_disable = True
