"""Test-only: gunicorn settings like Heroku's python-getting-started example, for `nox -s bench` (b).

As in heroku/python-getting-started's gunicorn.conf.py: gthread, workers from
WEB_CONCURRENCY, 5 threads, the same timeouts, and no preload_app. The
guide's example/gunicorn.conf.py differs from it only by preload_app.
"""

import os

bind = [f"[::]:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", 1))
worker_class = "gthread"
threads = 5
timeout = 20
graceful_timeout = 20
keepalive = 95
accesslog = "-"
forwarded_allow_ips = "*"
