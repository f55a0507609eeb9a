"""gunicorn settings for a Heroku web dyno; the Procfile passes this file with --config.

Each value answers a behaviour of Heroku's platform, named beside it.
"""

# [start:gunicorn-bind]
import os

# Heroku tells each web dyno which port to listen on in $PORT; the router
# sends traffic nowhere else. "[::]" listens on IPv6 and IPv4 alike.
bind = [f"[::]:{os.environ.get('PORT', '8000')}"]
# [end:gunicorn-bind]

# [start:gunicorn-workers]
# One process per core, several threads each: a thread waiting on the
# database lets another serve a request. Heroku's classic Python buildpack
# sets WEB_CONCURRENCY from the dyno's memory and cores (2 on Eco, Basic and
# Standard-1X). The Fir generation's buildpack sets none, nor does your
# machine: then 2. Override it with `heroku config:set WEB_CONCURRENCY=3`.
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = 5
# Import Django once in the master before forking the workers: they start
# faster and share memory, and a configuration error stops the dyno at
# boot with one clear line instead of failing in every worker.
preload_app = True
# On a dyno (Heroku sets DYNO), each worker listens on a socket of its own
# (SO_REUSEPORT) and the kernel spreads new connections between them. With
# one shared socket a gthread worker accepts every connection it can, and
# Router 2.0 keeps its connections to the dyno open: one worker can end up
# with most of them, on one core, while the other idles (see the guide's
# measurements page). Off on your machine, so that a second gunicorn
# started on the same port fails instead of quietly sharing it.
reuse_port = "DYNO" in os.environ
# [end:gunicorn-workers]

# [start:gunicorn-timeouts]
# A worker process that stops answering the master for 20 s (frozen as a
# whole, not merely busy) is replaced. With threads this does not cut one
# slow request short: the router answers those with H12 after 30 s.
timeout = 20
# On restart or deploy a dyno gets SIGTERM, then SIGKILL 30 s later.
# Finishing in-flight requests within 20 s leaves room to exit cleanly.
graceful_timeout = 20
# The router closes idle connections to the dyno after 90 s. Keeping ours
# open longer means the router, never gunicorn, closes an idle connection,
# so a request is never sent down a connection gunicorn has just closed.
keepalive = 95
# [end:gunicorn-timeouts]

# [start:gunicorn-logging]
# Heroku's log collects stdout and stderr; "-" sends the access log there.
accesslog = "-"
# Nothing on a dyno talks to gunicorn's control socket, and two servers on
# one machine (tests, `heroku local`) would both claim ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True
# [end:gunicorn-logging]
