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
line ("-c", CODE, ... or SCRIPT, ...). One JSON answer per line on standard
output: {"returncode": N} (negative: killed by that signal, as subprocess
reports it) or {"timeout": true}. Standard input closed: the server exits.

POSIX only (os.fork), like the rest of the checks.
"""

import atexit
import gc
import json
import os
import runpy
import select
import signal
import sys
import types

# Imported once, before any fork: the part of every command's start-up that
# does not depend on its variables. None of these reads the environment at
# import (Django reads DJANGO_SETTINGS_MODULE and the settings lazily, on first
# use), so each command's settings still come from its own variables alone.
import dj_database_url  # noqa: F401
import django.contrib.staticfiles.storage  # noqa: F401
import django.core.checks  # noqa: F401
import django.core.management  # noqa: F401
import django.core.serializers.json  # noqa: F401
import django.db.migrations  # noqa: F401
import django.db.models  # noqa: F401
import django.forms  # noqa: F401
import django.http  # noqa: F401
import django.template.backends.django  # noqa: F401
import django.urls  # noqa: F401
from django.conf import settings

# A command that reads its settings here would read the server's variables.
assert not settings.configured, "a module imported before the fork read the settings"


def run_as_python(argv):
    """Run `python ARGV` in this process: `-c CODE` or a script, with its arguments."""
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    if argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        sys.path[0] = ""  # as `python -c` has it: the current folder
        exec(compile(argv[1], "<string>", "exec"), main.__dict__)
    else:
        sys.argv = list(argv)
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))  # the script's folder
        runpy.run_path(argv[0], run_name="__main__")


def exit_code(error):
    """The exit code, and the message on standard error, of a SystemExit that ends Python."""
    if error.code is None:
        return 0
    if isinstance(error.code, int):
        return error.code
    print(error.code, file=sys.stderr)
    return 1


def child(request, requests, answers):
    """In the forked process: become the command, then end the way Python ends it."""
    for fd in (requests.fileno(), answers.fileno()):
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    try:
        run_as_python(request["argv"])
        code = 0
    except SystemExit as error:
        code = exit_code(error)
    except BaseException as error:
        # Python's report of an uncaught exception, from the command's first frame.
        traceback = error.__traceback__
        while traceback and traceback.tb_frame.f_code.co_filename in (__file__, runpy.__file__):
            traceback = traceback.tb_next
        sys.excepthook(type(error), error.with_traceback(traceback), traceback)
        code = 1
    # What Python does at exit, except tearing down every module: the atexit
    # handlers (coverage saves its data there) and the streams' buffers. The
    # teardown would touch every object inherited from the server, copying
    # its memory page by page, and change nothing the command shows.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve():
    # Requests and answers keep their own descriptors; 0 and 1 become the
    # commands' standard streams.
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    # Objects made so far are never collected: a command's garbage collection
    # then leaves the pages it shares with the server untouched, uncopied.
    gc.freeze()
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        done_reader, done_writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            # done_writer stays open until this process ends: the server's sign that the command is over.
            os.close(done_reader)
            child(request, requests, answers)
        os.close(done_writer)
        # The pipe's last writer is the child: it reads as closed when the child ends.
        finished, _, _ = select.select([done_reader], [], [], request["timeout"])
        os.close(done_reader)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        answer = {"returncode": os.waitstatus_to_exitcode(status)} if finished else {"timeout": True}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve()
