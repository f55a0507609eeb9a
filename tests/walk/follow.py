"""The guide followed as a reader follows it, on a project the reader wrote.

For steps 2 to 9, in page order, as the pages show them (tests/pages.py
reads them; Sphinx's own LiteralIncludeReader and the guide's placement
extension give each file block exactly as the built page shows it):

- every command of a console block outside tabs or in the "Linux and
  macOS" tab runs in the repository's root, in one bash per step, so that
  `export` and the activated virtual environment carry over inside a step
  as they do in a reader's terminal. Each step's shell starts by activating
  the environment, as step 2 tells a reader to do in every new terminal;
- the only changes made to a command, an output or a file are the ones
  step 2 names (names-in-this-guide): the folder of manage.py, the
  project package and, for a settings package, its shared module (for
  staff/settings.py) and the dynos' (for staff.settings). Commands marked
  `# example only` and blocks captioned "If ..." are left out, as the page
  says, and so is step 3's dropdown for a settings package on a shape
  with a settings.py;
- every file block is put where its `:place:` says (docs/_ext/placement.py),
  the settings it says to delete deleted first; in a settings package, the
  setting it replaces and those it deletes go from the other modules too,
  as step 3's dropdown says. On the root shape the lines a page prints for
  that layout ("FILE, with manage.py at the root") must be lines of the
  FILE placed;
- every output shown is compared with what the command printed, `...`
  standing for any lines (alone on a line) or any text (inside a line);
- a server a command starts (runserver, gunicorn, heroku local) runs until
  the page's next block that is not "In a second terminal", and is stopped
  with SIGINT, the reader's Control-C; the walk gets the shape's home page
  from it first, a redirect accepted as the pages accept it;
- the reader's own values the pages name: the home page's path in place of
  a URL's final `/` (and `302 Found` for `200 OK` where it redirects), the
  project's static folder in place of step 5's `static`, and the pins of
  the reader's requirements.txt where an environment installed from it is
  listed. Step 7 keeps a requirements.txt the project has, with
  its pins, and adds the page's lines it lacks;
- a shown output that differs, followed by a block captioned "If ..."
  (what to do when it does), is a reader's cue: that block runs, then the
  command again, which must then print what the page shows. Other "If ..."
  blocks are left out.

A failure names the page, the line of the block or command, and what
happened.
"""


import ast
import collections
import contextlib
import fnmatch
import os
import queue
import re
import resource
import shlex
import signal
import subprocess
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from heroku.dyno import answer, request
from heroku.processes import process_group
from pages import DOCS, read_page
from placement import parse_placement  # the build's own parser (docs/_ext, put on the path by pages)
from polling import wait_until

STEPS = sorted((DOCS / "steps").glob("*.rst"))
LINUX_TAB = "Linux and macOS"
# The pages' package-manager choice: sphinx-design tab-items, not platform tabs.
PACKAGE_MANAGERS = ("pip", "uv")
# Step 3's dropdown for a reader whose settings are a package (base, dev, production).
SETTINGS_PACKAGE = "If your settings are a package"
EXAMPLE_ONLY = re.compile(r"\s+#\s*example only\b.*$")
SECOND_TERMINAL = "In a second terminal"
# A text block captioned "FILE, with manage.py at the root" prints lines of
# FILE as a project with manage.py at the root has them: on the root shape,
# each must be a line of the FILE the walk placed from the page's include.
ROOT_LAYOUT = ", with manage.py at the root"
# Blocks that need the deployed app: step 10's emulation does what they check.
ON_HEROKU = "On Heroku"
SENTINEL = "__walk_done__"
# Seconds a command may take: a pip install from PyPI is the slowest.
COMMAND_TIMEOUT = 600
# Seconds between a server's last output and the reader's Control-C.
READER_PAUSE = 0.5
# Seconds a server may take to stop after Control-C. gunicorn 27.0.1's
# threaded worker can deadlock in its SIGINT/SIGQUIT handler (handle_quit
# calls ThreadPoolExecutor.shutdown, whose lock a second signal's handler,
# or submit(), already holds); the master then SIGKILLs it after
# graceful_timeout, 20 s in the guide's gunicorn.conf.py. Step 9 says so.
CONTROL_C_WITHIN = 30
# A stop slower than this many seconds is noted in the step's report.
SLOW_STOP = 5


class WalkFailure(AssertionError):
    pass


def fail(where, message):
    raise WalkFailure(f"{where}: {message}")


# --- the reader's substitutions (step 2, "Your names for the example's") and values ---


def substitute(text, shape):
    """The example's folder and project package replaced by the reader's, and nothing else."""
    # At the root: no --chdir, no folder.
    text = re.sub(r"(?<=--chdir )example\b" if shape.folder else r"--chdir example\s+", shape.folder, text)
    text = re.sub(r"(?<![\w.-])example/", f"{shape.folder}/".lstrip("/"), text)
    return substitute_package(text, shape)


def substitute_package(text, shape):
    """The package, and in a settings package (step 2) staff/settings.py its shared module and staff.settings the dynos'."""
    text = re.sub(r"(?<![\w.-])staff/settings\.py\b", f"staff/{shape.settings_file}", text)
    text = re.sub(r"(?<![\w.-])staff\.settings\b(?!\.)", f"staff.{shape.dyno_settings}", text)
    return re.sub(r"(?<![\w.-])staff(?=[./](?:wsgi|settings|urls)\b)", shape.package, text)


def as_the_reader_says(text, shape, command=""):
    """A command or output with the reader's names and home page (its path for a URL's final `/`; 302 where the command gets a home page that redirects)."""
    text = re.sub(r"(//127\.0\.0\.1:\d+)/(?=\s|$)", rf"\g<1>{shape.home}", substitute(text, shape))
    home = re.search(r"//127\.0\.0\.1:\d+/(\s|$)", command) and shape.home != shape.landing
    return text.replace("HTTP/1.1 200 OK", "HTTP/1.1 302 Found") if home else text


def package_name(line):
    """The package a requirements line names, as pip compares names; "" for a comment or a blank line."""
    return re.match(r"[\w.-]*", line.strip()).group().lower().replace("_", "-")


def with_reader_pins(shown, repository):
    """A shown list of `NAME==VERSION` pins as the reader's requirements.txt pins each NAME."""
    lines = (Path(repository) / "requirements.txt").read_text().splitlines()
    pins = {package_name(line): re.sub(r"\[.*?\]", "", line.strip()) for line in lines}
    return [pins.get(package_name(line), line) if "==" in line else line for line in shown]


# --- outputs ---


def _trimmed(lines):
    """Lines without trailing spaces, nor blank lines at the end or the start (collectstatic prints one)."""
    return "\n".join(line.rstrip() for line in lines).strip("\n").splitlines()


def output_matches(shown, printed):
    """True when the printed lines are the shown ones, `...` alone on a line standing for any lines, inside one for any text."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line == "..." else "[^\n]*".join(map(re.escape, line.split("..."))) + r"\n"
                      for line in _trimmed(shown))
    return re.fullmatch(pattern, "".join(line + "\n" for line in _trimmed(printed))) is not None


def show_difference(shown, printed):
    return "the page shows:\n    " + "\n    ".join(shown) + "\nthe command printed:\n    " + "\n    ".join(printed or ["(nothing)"])


# --- file blocks ---


def _setting(node):
    """The names a module-level statement sets: an assignment's, or a function's (replace-function)."""
    return [node.name] if isinstance(node, ast.FunctionDef) else [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]


def _settings(tree, patterns):
    """The module-level statements setting a name that matches one of `patterns` (fnmatch, as EMAIL_*)."""
    return [node for node in tree.body if any(fnmatch.fnmatchcase(name, each) for each in patterns for name in _setting(node))]


def _assignment(tree, name, where, path):
    found = _settings(tree, [name])
    if len(found) != 1:
        fail(where, f"{path} has {len(found)} settings named {name}, where the page's placement needs exactly one")
    return found[0]


def _deleting(path, text, patterns, notes, repository):
    """`text` of `path` without its settings that match `patterns` (the page's "delete any ... setting of yours"), each noted."""
    lines, found = text.splitlines(True), _settings(ast.parse(text), patterns)
    for node in reversed(found):
        del lines[node.lineno - 1:node.end_lineno]
    if found:
        notes.append(f"deleted {', '.join(_setting(node)[0] for node in found)} from {path.relative_to(repository)}")
    return "".join(lines)


def _splice(lines, start, end, text):
    return "".join(lines[:start]) + text + "".join(lines[end:])


def _reindent(text, line):
    """`text` indented as `line`, the line it replaces."""
    indent = re.match(r"\s*", line).group()
    return "".join(indent + each if each.strip() else each for each in textwrap.dedent(text).splitlines(True))


def place(block, shape, repository, where, notes):
    """Do to the reader's file what the block's :place: says; returns the file's path, or None for reference."""
    placement = parse_placement(block.options.get("place", ""))
    if placement is None:  # the docs build fails on it too, saying which forms there are
        fail(where, f"the file block {block.caption or block.argument} has no :place: the walk knows")
    action = placement["action"]
    if action == "reference":
        return None
    file = substitute(block.caption.split(" (")[0], shape)
    path = Path(repository, file)
    text = substitute(block.shown().text, shape).rstrip("\n") + "\n"
    if shape.static:  # step 5: the project's own static folder in the block's STATICFILES_DIRS, as the page says
        text = text.replace('BASE_DIR / "static"', f'BASE_DIR / "{shape.static}"')
    old = path.read_text() if path.exists() else None
    deleting = (placement.get("deleting") or "").split()
    if old and deleting:
        old = _deleting(path, old, deleting, notes, repository)
    if old is None and action in ("new", "end-or-new"):
        path.parent.mkdir(parents=True, exist_ok=True)
        new = text
    elif old is None:
        fail(where, f"the page says to change {file}, which the project does not have")
    elif action == "new" and file == "requirements.txt":
        # Step 7: a project's own requirements.txt is kept, with its pins, and gets the page's lines it lacks.
        have = {package_name(line) for line in old.splitlines()} | {""}
        new = old + "".join(f"{line}\n" for line in text.splitlines() if package_name(line) not in have)
    elif action == "new":
        fail(where, f"the page says to create {file}, which the project has already")
    elif action == "whole":
        new = text
    elif action in ("end", "end-or-new"):
        new = old.rstrip("\n") + "\n\n" + text
    else:
        new = _place_in(old, text, placement, where, file)
    path.write_text(new)
    if path.suffix == ".py":
        try:
            compile(new, str(path), "exec")
        except SyntaxError as error:
            fail(where, f"{file} is not valid Python once the block is placed: {error}")
    # Step 3: what the block replaces or deletes goes from the other modules of a settings package (dev.py,
    # production.py) too, or they undo it; a settings.py's folder holds urls.py and wsgi.py, and none of it.
    named = deleting + ([placement["name"]] if action in ("replace", "replace-after") else [])
    others = path.parent.glob("*.py") if shape.settings_file != "settings.py" and path.match(shape.settings_file) else []
    for module in sorted(set(others) - {path, path.parent / "__init__.py"}):
        module.write_text(_deleting(module, module.read_text(), named, notes, repository))
    return path


def _place_in(old, text, placement, where, file):
    """`old` with `text` placed in it by a placement that finds a line, an import or a setting."""
    lines, action = old.splitlines(True), placement["action"]
    if action == "replace-line":
        found = [i for i, line in enumerate(lines) if line.strip() == placement["text"]]
        if len(found) != 1:
            fail(where, f"{file} has {len(found)} lines reading {placement['text']!r}; the page says to replace one")
        return _splice(lines, found[0], found[0] + 1, _reindent(text, lines[found[0]]))
    tree = ast.parse(old)
    if action == "imports":
        at = max((node.end_lineno for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))), default=0)
        return _splice(lines, at, at, "\n" + text)
    target = _assignment(tree, placement["name"], where, file)
    start, end = target.lineno - 1, target.end_lineno
    if action == "replace-item":
        item = placement["text"].strip("\"'")
        found = [e.lineno - 1 for e in getattr(target.value, "elts", []) if isinstance(e, ast.Constant) and e.value == item]
        if len(found) != 1:
            fail(where, f"{placement['name']} in {file} has no entry {item!r} to replace")
        return _splice(lines, found[0], found[0] + 1, _reindent(text, lines[found[0]]))
    if action in ("replace", "replace-function"):
        return _splice(lines, start, end, text)
    if action == "replace-after":
        other = _assignment(tree, placement["other"], where, file)
        kept = lines[:start] + lines[end:]
        at = other.end_lineno - (end - start if other.lineno > end else 0)
        return _splice(kept, at, at, "\n" + text)
    fail(where, f"no walk for :place: {action}")


def check_root_layout(block, shape, repository, where):
    file = block.caption[: -len(ROOT_LAYOUT)]
    path = Path(repository, file)
    placed = path.read_text().splitlines() if path.exists() else []
    # The package only: these lines are written for the root already, and must not name example/.
    missing = [line for line in substitute_package(block.text, shape).splitlines() if line.strip() and line not in placed]
    if missing:
        fail(where, f"{missing}, the page's lines of {file} with manage.py at the root, are not in the {file} "
                    "the walk placed from the page:\n    " + "\n    ".join(placed or ["(no file)"]))


# --- shells and servers ---


def default_interrupt_signals():
    """SIGINT and SIGQUIT at their defaults, as in a reader's terminal.

    A program a shell without job control starts in the background (`cmd &`
    in a script or a subshell) ignores both, its children inherit that, and
    bash cannot undo a signal ignored on entry: every server would then
    shrug off the walk's Control-C.
    """
    for each in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(each, signal.SIG_DFL)


class Shell:
    """One bash, as a reader's terminal: commands in order, their output, their exit status."""

    def __init__(self, cwd, env):
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=default_interrupt_signals,
        )
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        # Job control: a server started in the background gets a process group
        # of its own, which SIGINT reaches as Control-C reaches a foreground job.
        self.run("set -m")

    def _read(self):
        for line in iter(self.process.stdout.readline, b""):
            self.lines.put(line.decode(errors="replace"))
        self.lines.put(None)

    def run(self, command, timeout=COMMAND_TIMEOUT):
        """(exit status, printed lines). stdin is /dev/null: no command waits for an answer."""
        # `$?` is the previous command's status, as at a prompt: the sentinel's printf must not reset it.
        self.process.stdin.write(
            f"(exit ${{walk_status:-0}}); {{ {command}\n}} </dev/null 2>&1; walk_status=$?; "
            f"printf '\\n{SENTINEL} %s\\n' $walk_status\n".encode()
        )
        self.process.stdin.flush()
        printed, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"still running after {timeout} s; printed so far:\n" + "".join(printed)) from None
            if line is None:
                raise RuntimeError("the shell exited: " + "".join(printed))
            if line.startswith(SENTINEL + " "):
                text = "".join(printed)
                text = text[:-1] if text.endswith("\n") else text  # the newline printf added
                return int(line.split()[1]), text.splitlines()
            printed.append(line)

    def close(self):
        with contextlib.suppress(Exception):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.reader.join(timeout=10)
        self.process.stdout.close()


def server_port(line):
    """The port a server command listens on, or None for a command that exits by itself."""
    words = shlex.split(line, comments=True)
    if not words or "--print-config" in words or "--check-config" in words:
        return None
    if "runserver" in words:
        after = words[words.index("runserver") + 1:]
        address = next((w for w in after if not w.startswith("-")), "8000")
        return int(address.rsplit(":", 1)[-1])
    program = next((w for w in words if not re.match(r"^\w+=", w)), "")  # after VAR=value prefixes
    if program == "gunicorn" or re.match(r"heroku local( web)?(\s|$)", line):
        if port := re.search(r"(?:--port[= ]|PORT=)(\d+)", line):
            return int(port[1])
        return 5006 if words[0] == "heroku" else 8000
    return None


RunningServer = collections.namedtuple("RunningServer", "pid port log where command shell")


def start_server(shell, command, port, log, where):
    # The shape's network is its own (test_walk.py): the page's fixed ports are free.
    pid = int(shell.run(f"{{ {command}\n}} </dev/null >{log} 2>&1 & printf '%s\\n' $!")[1][-1])
    # Ready at its first HTTP answer (any status); the job's process group is empty once it has exited.
    if not wait_until(lambda: answer(port) or not process_group(pid), 90, every=0.2):
        os.killpg(pid, signal.SIGKILL)
        fail(where, f"`{command}` did not answer on port {port} within 90 s:\n{log.read_text(errors='replace')}")
    if not process_group(pid):
        fail(where, f"`{command}` exited before answering on port {port}:\n{log.read_text(errors='replace')}")
    return RunningServer(pid, port, log, where, command, shell)


def stop_server(server):
    """Control-C: SIGINT to the server's process group; every process of it must be gone within CONTROL_C_WITHIN.

    Returns the seconds from Control-C until the last process was gone.
    """
    # A reader presses Control-C after reading the output, not within a
    # millisecond of the last response, while the worker is still handing
    # the closing connection to its thread pool (one of the races above).
    time.sleep(READER_PAUSE)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGINT)
    pressed = time.monotonic()
    # Control-C reaches the whole foreground job: every process of its group must exit.
    if not wait_until(lambda: not process_group(server.pid), CONTROL_C_WITHIN):
        left = process_group(server.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        fail(server.where, f"`{server.command}`: processes still running {CONTROL_C_WITHIN} s after Control-C: {left}")
    server.shell.run(f"wait {server.pid}", timeout=20)  # the reader's shell collects its job
    return time.monotonic() - pressed


# --- the walk ---


@dataclass
class StepReport:
    page: str
    commands: int = 0
    files: int = 0
    outputs: int = 0
    left_out: int = 0
    servers: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the walk and of every process the step ran
    notes: list = field(default_factory=list)


def cpu_seconds():
    """User and system CPU seconds of this process and of its children that have ended (shells, and all they ran)."""
    return sum(sum(resource.getrusage(who)[:2]) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def activation_command(step_two):
    """The command step 2 gives for activating the virtual environment in a new terminal."""
    for block in step_two.blocks:
        if block.tab in (None, LINUX_TAB):
            for command in block.commands():
                if command.text.startswith("source ") and "activate" in command.text:
                    return command.text
    raise WalkFailure(f"{step_two.name}: no `source .../activate` command for a new terminal")


def for_other_readers(page, shape):
    """The ids of the page's blocks in a package-manager tab other than the shape's (pip unless it says), or, for a settings.py, in step 3's dropdown for a settings package."""
    def other(node):
        if node.get("directive") == "tab-item":
            return node["argument"] in PACKAGE_MANAGERS and node["argument"] != shape.package_manager
        return node.get("directive") == "dropdown" and node["argument"].startswith(SETTINGS_PACKAGE) and shape.settings_file == "settings.py"
    inside = {id(node) for each in page.doctree.findall(nodes.container) if other(each) for node in each.findall()}
    return {id(block) for node_id, block in page._block_nodes if node_id in inside}


def walk_step(page, shape, repository, env, activate, logs, blocks=None):
    """Follow one step page (or some of its blocks, in order); returns its StepReport."""
    report = StepReport(page.name)
    not_chosen = for_other_readers(page, shape)
    started, cpu = time.monotonic(), cpu_seconds()
    shells, server = [], None
    from_file = set()  # the Pythons of environments installed from requirements.txt
    differs = None  # (where, message, shell, command, shown) of an output an "If ..." block may answer

    def new_shell():
        shells.append(Shell(repository, env))
        if activate and (Path(repository) / ".venv").is_dir():
            status, printed = shells[-1].run(activate)
            if status:
                fail(f"{page.name}", f"`{activate}` failed in a new terminal: {printed}")
        return shells[-1]

    def stop():
        nonlocal server
        if server and (seconds := stop_server(server)) > SLOW_STOP:
            report.notes.append(f"{server.where}: Control-C took {seconds:.1f} s (see CONTROL_C_WITHIN)")
        server = None

    def run(here, text, shown, where):
        """Run one command; how its output differs from the page's, or None."""
        try:
            status, printed = here.run(text)
        except TimeoutError as error:
            fail(where, f"`{text}` {error}")
        report.commands += 1
        if status and not any("error" in line.lower() for line in shown):
            fail(where, f"`{text}` exited with status {status}:\n    " + "\n    ".join(printed[-30:] or ["(no output)"]))
        if text.startswith("git ls-files"):
            # git sorts paths by name, so another project's names come in another order.
            shown, printed = sorted(shown), sorted(printed)
        if shown and not output_matches(shown, printed):
            return f"`{text}`: what it printed differs from the page.\n" + show_difference(shown, printed)
        report.outputs += bool(shown)

    shell = new_shell()
    try:
        for block in page.blocks if blocks is None else blocks:
            if block.tab not in (None, LINUX_TAB) or id(block) in not_chosen:
                continue
            where, caption = f"{page.name}, line {block.line}", block.caption or ""
            if differs and not caption.startswith("If "):
                fail(*differs[:2])
            answering = bool(differs)  # this "If ..." block follows an output that differs
            if caption != SECOND_TERMINAL:
                stop()
            if block.directive == "literalinclude":
                report.files += bool(place(block, shape, repository, where, report.notes))
                continue
            if caption.endswith(ROOT_LAYOUT):
                if not shape.folder:
                    check_root_layout(block, shape, repository, where)
                    report.outputs += 1
                continue
            commands = block.commands()
            if not commands or block.language != "console":
                continue
            if caption.startswith(("If ", ON_HEROKU)) and not answering:
                report.left_out += len(commands)
                report.notes.append(f"line {block.line}: {len(commands)} left out, captioned {caption!r}")
                continue
            here = new_shell() if caption == SECOND_TERMINAL else shell
            for command in commands:
                where = f"{page.name}, line {command.line}"
                if differs and not answering:  # only a block's last command waits for an "If ..."
                    fail(*differs[:2])
                if EXAMPLE_ONLY.search(command.text):
                    report.left_out += 1
                    continue
                text = as_the_reader_says(command.text, shape)
                shown = [as_the_reader_says(line, shape, command.text) for line in command.output]
                if "install -r requirements.txt" in text:
                    from_file.add(text.split()[0])
                elif text.split()[0] in from_file:
                    shown = with_reader_pins(shown, repository)
                if port := server_port(text):
                    stop()
                    server = start_server(here, text, port, Path(logs) / f"server-{len(shells)}-{command.line}.log", where)
                    report.commands, report.servers = report.commands + 1, report.servers + 1
                    status, _, body = request(port, "GET", shape.home, timeout=20)
                    if status >= 400:
                        fail(where, f"`{text}` answers GET {shape.home} with {status}:\n{body[:2000].decode(errors='replace')}")
                    report.outputs += bool(shown) and _wait_for_output(server, shown, where, text)
                    continue
                message = run(here, text, shown, where)
                if message and answering:
                    fail(where, message)
                differs = (where, message, here, text, shown) if message else differs
            if answering:
                # The reader did what the page says for that difference: the command must now print what the page shows.
                where, _, here, text, shown = differs
                if message := run(here, text, shown, where):
                    fail(where, f"{message}\nagain, after the block captioned {caption!r}")
                report.notes.append(f"line {block.line}: run, as {caption!r} says, and {where} again")
                differs = None
        if differs:
            fail(*differs[:2])
        stop()
    finally:
        if server:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
        for each in shells:
            each.close()
    report.seconds, report.cpu = time.monotonic() - started, cpu_seconds() - cpu
    return report


def _wait_for_output(server, shown, where, text):
    """True once the server's log reads as the page shows it; fails after 15 s."""
    def printed():
        return server.log.read_text(errors="replace").splitlines()

    if not wait_until(lambda: output_matches(shown, printed()), 15, every=0.2):
        fail(where, f"`{text}`: what it printed differs from the page.\n" + show_difference(shown, printed()))
    return True


def walk(shape, repository, env, logs):
    """Steps 2 to 9 in order; returns one StepReport per step."""
    pages = [read_page(path) for path in STEPS if 2 <= int(path.name.split("-")[0]) <= 9]
    activate = activation_command(pages[0])
    return [walk_step(page, shape, repository, env, activate, logs) for page in pages]
