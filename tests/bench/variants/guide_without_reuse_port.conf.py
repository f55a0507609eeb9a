"""Test-only: example/gunicorn.conf.py with reuse_port off, for `nox -s bench` (a0).

Every other value is the guide's, read from the file itself, so the two
variants differ by this one setting however the guide's file changes.
Run from the root of the built app, as the Procfile's web command is.
"""

from runpy import run_path

globals().update({name: value for name, value in run_path("example/gunicorn.conf.py").items() if name[0] != "_"})
reuse_port = False
