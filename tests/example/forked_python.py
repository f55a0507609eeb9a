"""A Python that starts once, then forks a copy of itself for each command, as if started anew.

The settings tests run some fifty short commands (`python -c ...`,
`python manage.py check`), each of which must see only the variables it
names, because the settings are read once, at import. A new interpreter per
command pays for Python's start and Django's imports every time; a fork of
this process pays for neither, and still gives each command a process of its
own: its own environment, its own modules and settings, its own exit code.

Protocol: one JSON request per line on standard input,
{"argv": [...], "env": {...}, "cwd": "...", "stdout": PATH, "stderr": PATH,
"timeout": SECONDS}, where argv is what would follow `python` on a command
line ("-c", CODE, ... or SCRIPT, ...). One line per request on standard
output: the command's exit code, negative when a signal ended it, as
subprocess reports it (SIGALRM: it ran out of time). Standard input closed:
the server exits.

POSIX only (os.fork), like the rest of the checks.
"""

import atexit
import gc
import importlib
import json
import os
import runpy
import signal
import sys
import types

# Imported once, before any fork: the part of every command's start-up that
# does not depend on its variables. None of these reads the environment at
# import (Django reads DJANGO_SETTINGS_MODULE and the settings lazily, on first
# use), so each command's settings still come from its own variables alone.
for name in (
    "dj_database_url", "django.contrib.staticfiles.storage", "django.core.checks", "django.core.management",
    "django.core.serializers.json", "django.db.migrations", "django.db.models", "django.forms", "django.http",
    "django.template.backends.django", "django.urls",
):
    importlib.import_module(name)
# A command that reads its settings here would read the server's variables.
assert not importlib.import_module("django.conf").settings.configured, "an import before the fork read the settings"


def serve():
    """Fork once per request; return the request in the child, answer its exit code in the server."""
    # Objects made so far are never collected: a command's garbage collection
    # then leaves the pages it shares with the server untouched, uncopied.
    gc.freeze()
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            return json.loads(line)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
    sys.exit()


def become(request):
    """In the forked child: the command's folder, variables, streams and time limit, then its code."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path in ((0, os.devnull), (1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    signal.alarm(request["timeout"])  # SIGALRM's default action ends a command that hangs
    argv = request["argv"]
    if argv[0] == "-c":
        sys.argv, sys.path[0] = ["-c", *argv[2:]], ""  # as `python -c` has it: the current folder
        sys.modules["__main__"] = main = types.ModuleType("__main__")
        exec(compile(argv[1], "<string>", "exec"), main.__dict__)
    else:
        sys.argv, sys.path[0] = argv, os.path.dirname(os.path.abspath(argv[0]))  # the script's folder
        runpy.run_path(argv[0], run_name="__main__")


def exit_code(run):
    """run()'s exit code, with the message or traceback on standard error, as Python reports them."""
    try:
        run()
    except SystemExit as error:
        if isinstance(error.code, int | None):
            return error.code or 0
        print(error.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())
    else:
        return 0
    return 1


if __name__ == "__main__":
    request = serve()
    code = exit_code(lambda: become(request))
    # What Python does at exit, except tearing down every module: the atexit
    # handlers (coverage saves its data there) and the streams' buffers. The
    # teardown would touch every object inherited from the server, copying
    # its memory page by page, and change nothing the command shows.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
