"""Test-only: example/gunicorn.conf.py with preload_app off, to show what step 6 says happens then.

Every other value is the guide's, read from the file itself. Run from the
root of the built app, as the Procfile's web command is.
"""

from runpy import run_path

globals().update({name: value for name, value in run_path("example/gunicorn.conf.py").items() if name[0] != "_"})
preload_app = False
