"""Test-only: Heroku's getting-started gunicorn settings, for `nox -s bench` (b).

Every value of gunicorn.conf.py in heroku/python-getting-started at commit
f7c8d9929a782e90bc0bb9320f2cb43a3d62958d (2026-07-14; the file last changed
in be752c2a6714eaf312464e5dec5ab1a7a09e48b0, 2025-08-03), with its branch
on ENVIRONMENT: outside development (as on a dyno and in the bench),
preload_app, reuse_port and forwarded_allow_ips. The values are the file's;
its comments, which explain each one, are left out here.
"""

import os

bind = ["[::]:{}".format(os.environ.get("PORT", 5006))]
worker_class = "gthread"
workers = os.environ.get("WEB_CONCURRENCY", 1)
threads = 5
timeout = 20
graceful_timeout = 20
keepalive = 95
accesslog = "-"
access_log_format = (
    'gunicorn method=%(m)s path="%(U)s" status=%(s)s duration=%(M)sms '
    'request_id=%({x-request-id}i)s fwd="%({x-forwarded-for}i)s" user_agent="%(a)s"'
)

if os.environ.get("ENVIRONMENT") == "development":
    reload = True
else:
    preload_app = True
    reuse_port = True
    forwarded_allow_ips = "*"
