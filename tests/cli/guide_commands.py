"""Find every `heroku` command the guide shows and check it against the real Heroku CLI.

Where commands are found
------------------------
* Console blocks of the pages (docs/**/*.rst): ``code-block``, ``code``,
  ``sourcecode`` and sphinx-tabs ``code-tab`` directives in ``console``
  (``$ `` prompts, ``> `` continuation lines), ``ps1con`` (``PS> ``,
  ``>> ``) or ``doscon``, and ``::`` literal blocks that hold prompts. A
  prompt line continues while it ends in a line continuation (``\\`` in a
  POSIX shell, a backtick in PowerShell) or leaves a quote or ``$(`` open.
  Every simple command of the line counts: after ``&&``, ``||``, ``;`` or
  ``|``, and inside ``$(...)`` or backticks. Lines without a prompt are
  output. Script blocks (``bash``, ``sh``, ``powershell``...) are read
  whole, as scripts.
* Every file a page includes (``literalinclude``, ``include``), whole, not
  only the lines the page shows: its comments and strings are read by
  people too (an error message that tells the reader to run ``heroku
  config:set ...``). Python files are read with the tokenizer and the
  parser, so a command split over implicitly concatenated strings or over
  comment lines is read as one.
* Running text (rst paragraphs, comments, strings): a code span (```...```
  or ````...````) that starts with ``heroku``, a line that starts with
  ``heroku ``, and ``heroku WORD`` elsewhere when WORD is a CLI command or
  contains a colon. In running text a command reaches as far as its words
  look like command-line words (flags, NAME=value, UPPER_CASE, words with a
  colon); the rest is the sentence.

What is checked
---------------
A *command* (a console or script line, a code span or line with arguments)
is parsed the way oclif, the CLI's framework, parses it: the command or one
of its aliases exists; every flag exists for that command (long and short
forms, ``--flag=value``, ``--flag value``, ``-fvalue``, ``--no-flag``); an
option flag has a value and, where the CLI lists allowed values, one of
them; a flag is given once unless it may repeat; exclusive flags are not
combined and a flag's dependencies are given; there are no more arguments
than the command takes, and every required argument is given. As in the
CLI, a word starting with a dash is a flag of the heroku command wherever it
stands before ``--``, also after the command line of ``heroku run`` or
``heroku local:run`` (whose own flags need ``--`` before them). A few commands
check their arguments in code, not in the manifest; VARARG_RULES repeats
those rules (from the CLI's source, cited there).

Required ``--app``: most commands need to know the app. The CLI reads it
from ``--app``/``-a``, ``--remote``/``-r``, the HEROKU_APP variable, or the
git remote named ``heroku`` in the folder the command runs in. The guide
runs every command in the project's repository, where ``heroku create``
(``apps:create`` without ``--no-remote``) or ``heroku git:remote`` adds that
remote. So a required ``--app`` counts as given when the command names the
app or its remote, or sets HEROKU_APP, or when the guide itself shows the
command that adds the remote; without such a command in the guide it is an
error. Any other required flag must be written.

A *mention* (a bare ``heroku COMMAND`` in running text, such as "the
`heroku run` output") only has to name a command that exists.

Plan names: the add-on plan of ``addons:create``, ``addons:upgrade`` and
``addons:downgrade`` and of ``apps:create --addons``, any ``SERVICE:PLAN``
written anywhere in the guide's sources for a service listed in
heroku_plans.py, and dyno sizes given to ``ps:type`` and ``run --size``,
must be listed in heroku_plans.py.

Run it: python tests/cli/guide_commands.py --cli PATH/node_modules/heroku [DOCS]
"""

import argparse
import ast
import difflib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import heroku_plans  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# Commands whose arguments are checked in the CLI's code, not declared in
# its manifest: {command id: (minimum number of arguments, pattern each
# argument must match or None, what the CLI requires)}.
# config:set: dist/commands/config/set.js ("Must specify KEY and VALUE to
# set", "Must be in the format FOO=bar"); run: dist/commands/run/index.js
# ("Usage: heroku run COMMAND"); local:run: dist/commands/local/run.js
# ("Must specify command to run"); ps:scale: dist/commands/ps/scale.js
# (arguments not matching TYPE=N, TYPE+N or TYPE-N[:SIZE] are ignored).
VARARG_RULES = {
    "config:set": (1, r"[A-Za-z_][A-Za-z0-9_]*=.*", "KEY=VALUE arguments"),
    "run": (1, None, "a command to run"),
    "run:detached": (1, None, "a command to run"),
    "local:run": (1, None, "a command to run"),
    "ps:scale": (0, r"[\w-]+[=+-]\d+(?::[\w-]+)?", "TYPE=QUANTITY[:SIZE] arguments"),
}
# Commands that run a command line given as their arguments. The CLI (oclif
# 4) still reads every word starting with a dash before `--` as its own flag
# and stops at one it does not know: `heroku run -- python manage.py migrate
# --no-input` is right, without `--` it fails.
PASSTHROUGH = {"run", "run:detached", "run:inside", "local:run"}

CONSOLE_LANGUAGES = {
    "console": "posix", "shell-session": "posix", "sh-session": "posix",
    "ps1con": "powershell", "pwsh-session": "powershell", "doscon": "cmd",
}
SCRIPT_LANGUAGES = {
    "bash": "posix", "sh": "posix", "shell": "posix", "zsh": "posix",
    "powershell": "powershell", "ps1": "powershell", "pwsh": "powershell",
    "bat": "cmd", "batch": "cmd",
}
PROMPTS = {
    "posix": (re.compile(r"(?:\([^()\s]+\) )?\$(?: |$)"), re.compile(r"> ?")),
    "powershell": (re.compile(r"PS(?: [^>]*)?> ?"), re.compile(r">> ?")),
    "cmd": (re.compile(r"(?:[A-Za-z]:\\[^>]*)?> ?"), re.compile(r"More\? ?")),
}
SUFFIX_LANGUAGES = {
    ".py": "python", ".sh": "bash", ".bash": "bash", ".ps1": "powershell",
    ".console": "console", ".rst": "rst", ".bat": "bat", ".cmd": "bat",
}


@dataclass
class Found:
    """One `heroku` command the guide shows."""

    path: Path  # the file it is written in
    line: int
    argv: list  # ["heroku", "addons:create", ...], quotes removed
    text: str  # as written, on one line
    kind: str  # "command" (checked fully) or "mention" (its name only)
    page: Path  # the page showing it (the including page for an included file)
    env: dict = field(default_factory=dict)  # NAME=value words before `heroku`
    shell: str = None  # "posix", "powershell" or "cmd" for console and script lines

    def where(self):
        return f"{relative(self.path)}:{self.line}"


@dataclass
class Problem:
    path: Path
    line: int
    text: str
    message: str
    page: Path = None

    def __str__(self):
        shown = ""
        if self.page is not None and self.page != self.path:
            shown = f" (shown by {relative(self.page)})"
        return f"{relative(self.path)}:{self.line}{shown}: `{self.text}`: {self.message}"


def relative(path):
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# Shell words

# The escape and line-continuation character of each shell.
ESCAPES = {"posix": "\\", "powershell": "`", "cmd": "^"}


class Incomplete(ValueError):
    """The text stops inside a quote, a substitution or after a line continuation."""


def _closing_paren(text, start, dialect):
    """Index of the `)` matching the `(` just before `start`, skipping quotes."""
    depth, i, escape = 1, start, ESCAPES[dialect]
    while i < len(text):
        c = text[i]
        if c == escape:
            i += 2
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            while c == '"' and end != -1 and text[end - 1] == escape:
                end = text.find(c, end + 1)
            if end == -1:
                raise Incomplete("unclosed quote")
            i = end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise Incomplete("unclosed (")


def simple_commands(text, dialect="posix", base=0):
    """The simple commands in shell text: [(offset of the first word, [words])].

    Quotes are removed from the words; commands inside $(...) (and POSIX
    backticks) are listed too, after the command holding them. Redirections
    are dropped. Raises Incomplete when the text stops mid-command.
    """
    escape = ESCAPES[dialect]
    commands, nested = [], []
    words, word, first, skip_target = [], None, None, False
    i, n = 0, len(text)

    def end_word():
        nonlocal word, skip_target
        if word is not None:
            if skip_target:
                skip_target = False
            else:
                words.append("".join(word))
        word = None

    def end_command():
        nonlocal words, first
        end_word()
        if words:
            commands.append((first, words))
        words, first = [], None

    def start_word():
        nonlocal word, first
        if word is None:
            word = []
            if first is None and not skip_target:
                first = base + i

    def substitution(open_at, inner_start):
        """Read $(...) starting at open_at; returns the index after `)`."""
        close = _closing_paren(text, inner_start, dialect)
        nested.extend(simple_commands(text[inner_start:close], dialect, base + inner_start))
        word.extend(text[open_at:close + 1])
        return close + 1

    def backticks(open_at):
        """Read `...` starting at open_at; returns the index after the closing backtick."""
        end = text.find("`", open_at + 1)
        if end == -1:
            raise Incomplete("unclosed backtick")
        nested.extend(simple_commands(text[open_at + 1:end], dialect, base + open_at + 1))
        word.extend(text[open_at:end + 1])
        return end + 1

    while i < n:
        c = text[i]
        if c == escape:
            if i + 1 >= n:
                raise Incomplete("line continuation at the end")
            if text[i + 1] == "\n":
                i += 2
                continue
            start_word()
            word.append(text[i + 1])
            i += 2
        elif c in " \t\r":
            end_word()
            i += 1
        elif c in "\n;&|()":
            end_command()
            i += 1
        elif c == "#" and word is None and dialect != "cmd":
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif c == "'" and dialect != "cmd":
            start_word()
            end = text.find("'", i + 1)
            while dialect == "powershell" and end != -1 and text[end + 1:end + 2] == "'":
                word.extend(text[i + 1:end + 1])
                i = end + 1
                end = text.find("'", i + 1)
            if end == -1:
                raise Incomplete("unclosed single quote")
            word.extend(text[i + 1:end])
            i = end + 1
        elif c == '"':
            start_word()
            i += 1
            while True:
                if i >= n:
                    raise Incomplete("unclosed double quote")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == escape and dialect != "cmd":
                    if i + 1 >= n:
                        raise Incomplete("unclosed double quote")
                    if dialect == "posix" and text[i + 1] not in '"\\$`\n':
                        word.append(c)
                    if text[i + 1] != "\n":
                        word.append(text[i + 1])
                    i += 2
                elif c == "$" and text[i + 1:i + 2] == "(":
                    i = substitution(i, i + 2)
                elif c == "`" and dialect == "posix":
                    i = backticks(i)
                else:
                    word.append(c)
                    i += 1
        elif c == "$" and text[i + 1:i + 2] == "(" and dialect != "cmd":
            start_word()
            i = substitution(i, i + 2)
        elif c == "`" and dialect == "posix":
            start_word()
            i = backticks(i)
        elif c == "<" and PLACEHOLDER.match(text, i):
            # <app-name>: a placeholder for the reader to fill in, not a redirection.
            start_word()
            end = PLACEHOLDER.match(text, i).end()
            word.extend(text[i:end])
            i = end
        elif c in "<>":
            if word is not None and "".join(word).isdigit():
                word = None  # the 2 of 2>file
            end_word()
            i += 1
            while i < n and text[i] in "<>&|":
                i += 1
            if text[i - 1] == "&" and i < n and text[i].isdigit():
                i += 1  # 2>&1
            else:
                skip_target = True
        else:
            start_word()
            word.append(c)
            i += 1
    end_command()
    return commands + nested


PLACEHOLDER = re.compile(r"<[A-Za-z][\w.-]*(?: [\w.-]+)*>")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
PREFIXES = {"sudo", "time", "command", "exec", "env", "npx", "&", "."}


def heroku_argv(words):
    """(argv from `heroku` on, {NAME: value} assigned before it), or None if not a heroku command."""
    env = {}
    for index, word in enumerate(words):
        if ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            env[name] = value
        elif word in PREFIXES or word.startswith("-") and index and words[index - 1] == "env":
            continue
        else:
            name = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if name in ("heroku", "heroku.cmd", "heroku.exe", "heroku.ps1"):
                return ["heroku", *words[index + 1:]], env
            return None
    return None


# --------------------------------------------------------------------------
# Extraction

class Extractor:
    """Collects Found commands from pages and the files they include."""

    def __init__(self, is_command=lambda word: ":" in word):
        self.is_command = is_command  # for running text: is `heroku WORD` a command?
        self.found = []
        self.problems = []  # what could not be read (an unfinished console line...)
        self.files = {}  # every file read: path -> page that shows it
        self.texts = []  # (path, text, page) of every file read, for plan names

    # -- pages -------------------------------------------------------------

    def read_page(self, path, page=None):
        path = Path(path).resolve()
        page = page or path
        if path in self.files:
            return
        self.files[path] = page
        text = path.read_text(encoding="utf-8")
        self.texts.append((path, text, page))
        self._rst(path, text.splitlines(), 0, len(text.splitlines()), page)

    def _rst(self, path, lines, start, stop, page, literal_language="default"):
        directive = re.compile(r"(?P<indent>\s*)\.\.\s+(?P<name>[\w:-]+)::(?:\s+(?P<arg>.*))?$")
        prose = []
        i = start

        def flush():
            if prose:
                first = prose[0][0]
                chunk = "\n".join(line for _, line in prose)
                self._running_text(path, chunk, lambda offset: first + 1 + chunk.count("\n", 0, offset), page)
                prose.clear()

        while i < stop:
            line = lines[i]
            match = directive.match(line)
            if not match:
                prose.append((i, line))
                if line.rstrip().endswith("::") and not line.strip().startswith(".."):
                    flush()
                    body, i = self._block(lines, i + 1, stop, len(line) - len(line.lstrip()))
                    self._literal_block(path, body, page, literal_language)
                    continue
                i += 1
                continue
            flush()
            indent = len(match["indent"])
            name, arg = match["name"], (match["arg"] or "").strip()
            options, i = self._options(lines, i + 1, stop, indent)
            if name in ("code-block", "code", "sourcecode", "code-tab"):
                body, i = self._block(lines, i, stop, indent)
                language = arg.split()[0].lower() if arg else literal_language
                self._code(path, body, language, page)
            elif name == "highlight":
                literal_language = arg.lower()
            elif name in ("literalinclude", "include"):
                target = (path.parent / arg) if not arg.startswith("/") else (self.srcdir / arg.lstrip("/"))
                target = target.resolve()
                if not target.is_file():
                    self.problems.append(Problem(path, i, arg, f"included file {relative(target)} does not exist", page))
                elif name == "include" and "literal" not in options:
                    self.read_page(target, page)
                else:
                    language = options.get("language") or SUFFIX_LANGUAGES.get(target.suffix, "text")
                    self.read_file(target, page, language)
            # Any other directive's content is more rst: keep walking inside it.
        flush()

    srcdir = ROOT / "docs"

    @staticmethod
    def _options(lines, i, stop, indent):
        options = {}
        while i < stop:
            stripped = lines[i].strip()
            depth = len(lines[i]) - len(lines[i].lstrip())
            match = re.match(r":([\w-]+):\s*(.*)$", stripped)
            if not stripped or depth <= indent or not match:
                break
            options[match[1]] = match[2]
            i += 1
        return options, i

    @staticmethod
    def _block(lines, i, stop, indent):
        """The indented block from line i: [(line index, dedented text)], and the index after it."""
        body = []
        while i < stop:
            line = lines[i]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            body.append((i, line))
            i += 1
        while body and not body[-1][1].strip():
            body.pop()
        depth = min((len(t) - len(t.lstrip()) for _, t in body if t.strip()), default=0)
        return [(index, text[depth:]) for index, text in body], i

    def _literal_block(self, path, body, page, language):
        if language in CONSOLE_LANGUAGES or language in SCRIPT_LANGUAGES or language == "python":
            self._code(path, body, language, page)
            return
        for dialect in ("posix", "powershell"):
            if any(PROMPTS[dialect][0].match(text) for _, text in body):
                self._console(path, body, dialect, page)
                return
        self._code(path, body, "text", page)

    def _code(self, path, body, language, page):
        """A code block: body is [(0-based line index, text)]."""
        if language in CONSOLE_LANGUAGES:
            self._console(path, body, CONSOLE_LANGUAGES[language], page)
            return
        text = "\n".join(t for _, t in body)
        first = body[0][0] + 1 if body else 1
        line_of = lambda offset: first + text.count("\n", 0, offset)  # noqa: E731
        if language in SCRIPT_LANGUAGES:
            self._script(path, text, SCRIPT_LANGUAGES[language], line_of, page)
        elif language in ("python", "py", "python3"):
            self._python(path, text, page, first - 1)
        else:
            self._running_text(path, text, line_of, page)

    def _console(self, path, body, dialect, page):
        prompt, continuation = PROMPTS[dialect]
        i = 0
        while i < len(body):
            index, line = body[i]
            match = prompt.match(line)
            if not match:
                i += 1  # output
                continue
            text = line[match.end():]
            lines = [index]
            while True:
                try:
                    commands = simple_commands(text, dialect)
                    break
                except Incomplete as error:
                    if i + 1 >= len(body) or prompt.match(body[i + 1][1]):
                        self.problems.append(Problem(path, index + 1, text, f"the command is not finished ({error})", page))
                        commands = []
                        break
                    i += 1
                    lines.append(body[i][0])
                    more = body[i][1]
                    more = more[continuation.match(more).end():] if continuation.match(more) else more
                    text += "\n" + more
            for offset, words in commands:
                self._add(path, lines[text.count("\n", 0, offset)] + 1, words, text, "command", page, dialect)
            i += 1

    def _script(self, path, text, dialect, line_of, page):
        try:
            commands = simple_commands(text, dialect)
        except Incomplete as error:
            self.problems.append(Problem(path, line_of(0), text.splitlines()[0], f"the script is not finished ({error})", page))
            commands = []
        for offset, words in commands:
            shown = text.split("\n")[text.count("\n", 0, offset)]
            self._add(path, line_of(offset), words, shown, "command", page, dialect)
        comments = "\n".join(re.sub(r"^\s*#?", "", line) if line.lstrip().startswith("#") else "" for line in text.split("\n"))
        self._running_text(path, comments, line_of, page, lines_are_commands=False)

    # -- included files ------------------------------------------------------

    def read_file(self, path, page, language):
        path = Path(path).resolve()
        if path in self.files:
            return
        self.files[path] = page
        text = path.read_text(encoding="utf-8")
        self.texts.append((path, text, page))
        if language == "rst":
            self.files.pop(path)
            self.texts.pop()
            self.read_page(path, page)
            return
        body = list(enumerate(text.splitlines()))
        if language in ("python", "py", "python3"):
            self._python(path, text, page, 0)
        else:
            self._code(path, body, language, page)

    def _python(self, path, source, page, line_offset):
        """Comments (consecutive ones read as one text) and string literals of Python source."""
        lines = source.splitlines()
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
            tree = ast.parse(source)
        except (SyntaxError, tokenize.TokenError):
            self._running_text(path, source, lambda o: line_offset + 1 + source.count("\n", 0, o), page)
            return
        # Comments: a run of comments on consecutive lines is one text.
        runs = []
        for token in tokens:
            if token.type == tokenize.COMMENT:
                row = token.start[0]
                body = token.string.lstrip("#")
                body = body[1:] if body.startswith(" ") else body
                if runs and runs[-1][-1][0] == row - 1:
                    runs[-1].append((row, body))
                else:
                    runs.append([(row, body)])
        for run in runs:
            chunk = "\n".join(body for _, body in run)
            rows = [row for row, _ in run]
            self._running_text(
                path, chunk, lambda o, rows=rows, chunk=chunk: line_offset + rows[chunk.count("\n", 0, o)], page
            )
        # Strings: implicitly concatenated literals are one value.
        inside_fstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                inside_fstrings.update(id(value) for value in node.values)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                value = "".join(v.value if isinstance(v, ast.Constant) else "{...}" for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstrings:
                value = node.value
            else:
                continue
            if "heroku" not in value:
                continue
            # The k-th "heroku" of the value is the k-th "heroku" of its source.
            segment_rows = []
            for row in range(node.lineno, node.end_lineno + 1):
                line = lines[row - 1]
                lo = node.col_offset if row == node.lineno else 0
                hi = node.end_col_offset if row == node.end_lineno else len(line)
                segment_rows.extend([row] * line[lo:hi].count("heroku"))

            def line_of(offset, value=value, rows=segment_rows, node=node):
                k = value.count("heroku", 0, offset)
                k = min(k, len(rows) - 1)
                return line_offset + (rows[k] if rows else node.lineno)

            self._running_text(path, value, line_of, page)

    # -- running text ----------------------------------------------------------

    CODE_SPAN = re.compile(r"(`+)(?P<body>[^`]+?)\1(?!`)")
    COMMAND_WORD = re.compile(
        r"""-{1,2}[\w-]+(?:=\S*)?|[A-Z][A-Z0-9_]*(?:=\S*)?|[\w.-]+=\S*|[\w-]+:[\w:.-]+|<[^>\s]+>|[\w-]+\.[\w.-]+"""
    )

    def _running_text(self, path, text, line_of, page, lines_are_commands=True):
        # 1. Code spans that hold a heroku command.
        masked = list(text)
        for match in self.CODE_SPAN.finditer(text):
            body = re.sub(r"\s*\n\s*#*\s*", " ", match["body"]).strip()
            body = re.sub(r"^\$\s+", "", body)
            if re.match(r"heroku\s+\S", body):  # ``heroku`` alone may be the git remote
                self._add_text(path, line_of(match.start("body")), body, page)
            masked[match.start():match.end()] = " " * (match.end() - match.start())
        masked = "".join(masked)
        # 2. Lines that are a heroku command; 3. heroku COMMAND within a sentence.
        offset = 0
        for line in masked.split("\n"):
            stripped = line.lstrip()
            stripped_at = offset + len(line) - len(stripped)
            command_line = re.match(r"(?:\$\s+)?heroku\s+\S", stripped)
            if lines_are_commands and command_line:
                body = stripped[command_line.start() if not stripped.startswith("$") else stripped.index("heroku"):]
                self._add_text(path, line_of(stripped_at), body.strip(), page)
            else:
                for match in re.finditer(r"(?<![\w$./@:-])heroku[ \t]+(?=[a-z])", line):
                    words = line[match.end():].split()
                    first = words[0]
                    name = first.rstrip(".,;:)!?'\"")
                    if not (":" in name or self.is_command(name)):
                        continue
                    taken = [name]
                    if name == first:
                        for word in words[1:]:
                            bare = word.rstrip(".,;)!?")
                            if not self.COMMAND_WORD.fullmatch(bare):
                                break
                            taken.append(bare)
                            if bare != word:
                                break
                    self._add_text(path, line_of(offset + match.start()), "heroku " + " ".join(taken), page)
            offset += len(line) + 1

    def _add_text(self, path, line, text, page):
        try:
            commands = simple_commands(text, "posix")
        except Incomplete:
            commands = [(0, text.split())]
        for _, words in commands:
            self._add(path, line, words, text, None, page)

    def _add(self, path, line, words, text, kind, page, shell=None):
        parsed = heroku_argv(words)
        if parsed is None:
            return
        argv, env = parsed
        if kind is None:
            kind = "command" if len(argv) > 2 else "mention"
        shown = " ".join(text.replace("\\\n", " ").replace("`\n", " ").split())
        self.found.append(Found(Path(path), line, argv, shown, kind, Path(page), env, shell))


def guide_pages(docs):
    """The guide's pages, in a stable order (Sphinx's build folder excluded)."""
    return sorted(p for p in Path(docs).rglob("*.rst") if "_build" not in p.relative_to(docs).parts)


# --------------------------------------------------------------------------
# The Heroku CLI's commands

def isolated_cli_environment(home):
    """Variables that keep the Heroku CLI inside `home`, quiet and on this machine.

    The CLI writes its cache, its config and a git credential helper (into
    the global git config) under HOME. No telemetry, no update check and no
    background `heroku update --autoupdate`: that is a detached process of
    its own session, which SIGTERM to a process group would not reach.
    """
    for folder in ("cache", "config", "data", "runtime"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "DISABLE_TELEMETRY": "true",
        "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
        "HEROKU_DISABLE_AUTOUPDATE": "true",
    }


class HerokuCLI:
    """Commands, aliases and flags of an installed Heroku CLI, from its oclif manifests."""

    def __init__(self, package_dir):
        self.package_dir = Path(package_dir)
        pjson = json.loads((self.package_dir / "package.json").read_text())
        self.version = pjson["version"]
        oclif = pjson.get("oclif", {})
        self.help_flags = {"--help", *oclif.get("additionalHelpFlags", [])}
        self.version_flags = {"--version", *[f for f in oclif.get("additionalVersionFlags", []) if f.startswith("-")]}
        self.commands, self.aliases, self.sources = {}, {}, {}
        self._load(self.package_dir, "heroku")
        node_modules = self.package_dir.parent
        for plugin in oclif.get("plugins", []):
            plugin_dir = node_modules / plugin
            if not plugin_dir.is_dir():
                plugin_dir = self.package_dir / "node_modules" / plugin
            if not (plugin_dir / "package.json").is_file():
                raise FileNotFoundError(f"the CLI's plugin {plugin} is not installed next to {self.package_dir}")
            self._load(plugin_dir, plugin)
        self.topics = {cid.split(":")[0] for cid in self.commands}

    def _load(self, directory, name):
        manifest_path = directory / "oclif.manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(f"{manifest_path} is missing: cannot list {name}'s commands")
        for cid, command in json.loads(manifest_path.read_text())["commands"].items():
            self.commands[cid] = command
            self.sources[cid] = name
            for alias in command.get("aliases", []) + command.get("hiddenAliases", []):
                self.aliases.setdefault(alias, cid)

    def resolve(self, word):
        """The command id a word names (itself or an alias), or None."""
        if word in self.commands:
            return word
        return self.aliases.get(word)

    def is_command(self, word):
        return self.resolve(word) is not None

    def suggest(self, word):
        names = list(self.commands) + list(self.aliases)
        close = difflib.get_close_matches(word, names, n=3, cutoff=0.75)
        return f" (did you mean {' or '.join(close)}?)" if close else ""


# --------------------------------------------------------------------------
# Checks

def app_sources(found, cli):
    """The guide's commands that add the `heroku` git remote the CLI reads the app from."""
    sources = []
    for item in found:
        if item.kind != "command" or len(item.argv) < 2:
            continue
        cid = cli.resolve(item.argv[1])
        if cid == "git:remote" or cid == "apps:create" and not {"--no-remote", "-n"} & set(item.argv):
            sources.append(item)
    return sources


def parse_flags(item, cid, command):
    """Walk argv like oclif: ({flag name: [values]}, [arguments], [messages])."""
    flags = command.get("flags", {})
    by_char, by_alias = {}, {}
    for name, flag in flags.items():
        if flag.get("char"):
            by_char[flag["char"]] = name
        for alias in flag.get("aliases") or []:
            by_alias[alias] = name
        for alias in flag.get("charAliases") or []:
            by_char[alias] = name
    given, arguments, messages = {}, [], []
    words = list(item.argv[2:])
    parsing_flags = True
    shown = f"heroku {item.argv[1]}"
    runner_hint = ""
    if cid in PASSTHROUGH:
        runner_hint = (
            f": the CLI reads every word starting with a dash before `--` as its own flag "
            f"(Nonexistent flag): write `{shown} -- COMMAND ...`"
        )

    def long_name(text):
        if text in flags:
            return text
        if text in by_alias:
            return by_alias[text]
        if text.startswith("no-"):
            name = by_alias.get(text[3:], text[3:])
            if flags.get(name, {}).get("type") == "boolean" and flags[name].get("allowNo"):
                return name
        return None

    while words:
        word = words.pop(0)
        if not parsing_flags or not word.startswith("-") or word == "-" or re.fullmatch(r"-\d+(\.\d+)?", word):
            arguments.append(word)
            continue
        if word == "--":
            parsing_flags = False
            continue
        if word in {"--help", "-h"}:
            continue
        value = None
        if word.startswith("--"):
            text, eq, inline = word[2:].partition("=")
            name = long_name(text)
            if name is None:
                close = difflib.get_close_matches(text, list(flags), n=1, cutoff=0.6) or [
                    name for name in flags if text.startswith(name) or name.startswith(text)
                ]
                hint = f" (did you mean --{close[0]}?)" if close else ""
                messages.append(f"`{shown}` has no flag --{text}{hint}{runner_hint}")
                if eq:
                    continue
                # An unknown flag's value would otherwise read as an argument.
                if words and not words[0].startswith("-"):
                    words.pop(0)
                continue
            if eq:
                value = inline
        else:
            char = word[1]
            name = by_char.get(char)
            if name is None:
                messages.append(f"`{shown}` has no flag -{char}{runner_hint}")
                continue
            rest = word[2:]
            if flags[name]["type"] == "option" and rest:
                value = rest[1:] if rest.startswith("=") else rest
            elif rest:
                words.insert(0, "-" + rest)  # combined boolean short flags
        flag = flags[name]
        if flag["type"] == "option":
            if value is None:
                if not words or words[0].startswith("-") and words[0] != "-":
                    messages.append(f"flag --{name} of `{shown}` needs a value")
                    continue
                value = words.pop(0)
            options = flag.get("options")
            if options and not re.search(r"[$<{%]", value) and value not in options:
                messages.append(f"--{name} {value!r} is not one of {', '.join(options)}")
        if name in given and not flag.get("multiple") and flag["type"] == "option":
            messages.append(f"flag --{name} of `{shown}` can only be given once")
        given.setdefault(name, []).append(value)
    return given, arguments, messages


def check_command(item, cli, sources):
    """Messages about one Found command (empty when it is right)."""
    argv = item.argv
    if len(argv) == 1:
        return []  # `heroku` alone prints the help
    word = argv[1]
    if word.startswith("-"):
        if word in cli.help_flags | cli.version_flags and len(argv) == 2:
            return []
        return [f"`heroku {word}`: the CLI has no global flag {word}"]
    cid = cli.resolve(word)
    if cid is None:
        return [f"`{word}` is not a command of the Heroku CLI {cli.version}{cli.suggest(word)}"]
    if item.kind == "mention":
        return []
    command = cli.commands[cid]
    if cid == "help":
        topic = " ".join(a for a in argv[2:] if not a.startswith("-"))
        if topic and not cli.is_command(topic.replace(" ", ":")) and topic not in cli.topics:
            return [f"`heroku help {topic}`: no such command{cli.suggest(topic)}"]
        return []
    given, arguments, messages = parse_flags(item, cid, command)
    shown = f"heroku {word}"
    flags = command.get("flags", {})
    # Arguments.
    declared = command.get("args") or {}
    strict = command.get("strict", True)
    if strict and len(arguments) > len(declared):
        extra = arguments[len(declared):]
        messages.append(f"`{shown}` takes {len(declared)} argument(s), got unexpected {' '.join(extra)!r}")
    for position, (name, arg) in enumerate(declared.items()):
        if arg.get("required") and position >= len(arguments):
            messages.append(f"`{shown}` needs the argument {name.upper()}")
        if position < len(arguments) and arg.get("options") and not re.search(r"[$<{%]", arguments[position]):
            if arguments[position] not in arg["options"]:
                messages.append(f"argument {arguments[position]!r} is not one of {', '.join(arg['options'])}")
    if cid in VARARG_RULES:
        minimum, pattern, what = VARARG_RULES[cid]
        if len(arguments) < minimum:
            messages.append(f"`{shown}` needs {what}")
        if pattern:
            for argument in arguments:
                if not re.fullmatch(pattern, argument):
                    messages.append(f"`{shown}` needs {what}: {argument!r} is not one")
    # Required flags, and where the app comes from.
    for name, flag in flags.items():
        if not flag.get("required") or name in given:
            continue
        if name == "app":
            if "remote" in given or "HEROKU_APP" in item.env:
                continue
            if sources:
                continue
            messages.append(
                f"`{shown}` needs --app (or --remote): give it, or show `heroku create` or "
                f"`heroku git:remote` in the guide so the app comes from the `heroku` git remote"
            )
        elif flag.get("env") and flag["env"] in item.env:
            continue
        else:
            messages.append(f"`{shown}` needs the flag --{name}")
    # Exclusive flags and dependencies.
    for name in given:
        for other in flags[name].get("exclusive") or []:
            if other in given and name < other:
                messages.append(f"--{name} and --{other} cannot be used together")
        for other in flags[name].get("dependsOn") or []:
            if other not in given:
                messages.append(f"--{name} needs --{other}")
    # Plans and dyno sizes.
    if cid == "addons:create" and arguments:
        messages += check_plan(arguments[0], required=True)
    if cid in ("addons:upgrade", "addons:downgrade") and len(arguments) > 1:
        messages += check_plan(arguments[1], required=":" in arguments[1])
    if cid == "apps:create":
        for value in given.get("addons", []):
            for plan in (value or "").split(","):
                messages += check_plan(plan.strip(), required=True)
    sizes = []
    if cid == "ps:type":
        sizes = [a.split("=", 1)[-1] for a in arguments]
    if cid == "ps:scale":
        sizes = [a.split(":", 1)[1] for a in arguments if ":" in a]
    if cid in PASSTHROUGH and "size" in given:
        sizes = given["size"]
    for size in sizes:
        messages += check_dyno_size(size)
    return messages


def check_plan(service_plan, required):
    """Messages about an add-on SERVICE:PLAN against heroku_plans.py."""
    if re.search(r"[$<{%]", service_plan):
        return []  # a placeholder
    service, _, plan = service_plan.partition(":")
    where = f"tests/cli/heroku_plans.py (checked {heroku_plans.CHECKED})"
    if service not in heroku_plans.PLANS:
        if required:
            return [f"add-on service {service!r} is not listed in {where}: add its plans with their source"]
        return []
    if not plan:
        return []  # the add-on's default plan
    retired = heroku_plans.RETIRED.get(service, {})
    if plan in retired:
        return [f"plan {service}:{plan} is retired: use {retired[plan]} ({where})"]
    if plan not in heroku_plans.PLANS[service]:
        return [f"plan {service}:{plan} is not a current plan in {where}"]
    return []


def check_dyno_size(size):
    name = size.lower()
    if re.search(r"[$<{%]", name) or name in heroku_plans.DYNO_SIZES:
        return []
    if name in heroku_plans.RETIRED_DYNO_SIZES:
        return [f"dyno size {size} is retired: use {heroku_plans.RETIRED_DYNO_SIZES[name]}"]
    return [f"dyno size {size!r} is not listed in tests/cli/heroku_plans.py"]


PLAN_MENTION = re.compile(r"(?<![\w-])(?P<service>[a-z][a-z0-9-]*):(?P<plan>[a-z][a-z0-9-]*)(?![\w-])")


def plan_mentions(texts):
    """SERVICE:PLAN written anywhere in the guide's sources, for the services heroku_plans.py lists."""
    mentions = []
    for path, text, page in texts:
        for match in PLAN_MENTION.finditer(text):
            if match["service"] in heroku_plans.PLANS:
                line = text.count("\n", 0, match.start()) + 1
                mentions.append((path, line, match.group(0), page))
    return mentions


@dataclass
class Report:
    cli_version: str
    found: list
    problems: list
    plans: list
    sources: list

    @property
    def commands(self):
        return [f for f in self.found if f.kind == "command"]

    @property
    def mentions(self):
        return [f for f in self.found if f.kind == "mention"]

    def summary(self):
        files = len({f.path for f in self.found})
        return (
            f"checked {len(self.found)} `heroku` commands against Heroku CLI {self.cli_version} "
            f"({len(self.commands)} in full, {len(self.mentions)} mentioned by name) in {files} files, "
            f"and {len(self.plans)} plan names against tests/cli/heroku_plans.py "
            f"(checked {heroku_plans.CHECKED}): {len(self.problems)} problem(s)"
        )


def check_guide(docs, cli, pages=None):
    """Read the guide from its pages (default: every page under docs) and check every heroku command."""
    docs = Path(docs).resolve()
    extractor = Extractor(cli.is_command)
    extractor.srcdir = docs
    for page in pages or guide_pages(docs):
        extractor.read_page(page)
    order = {path: index for index, path in enumerate(extractor.files)}
    extractor.found.sort(key=lambda item: (order.get(item.path.resolve(), len(order)), item.line))
    problems = list(extractor.problems)
    sources = app_sources(extractor.found, cli)
    for item in extractor.found:
        for message in check_command(item, cli, sources):
            problems.append(Problem(item.path, item.line, item.text, message, item.page))
    plans = plan_mentions(extractor.texts)
    for path, line, name, page in plans:
        for message in check_plan(name, required=False):
            problems.append(Problem(path, line, name, message, page))
    return Report(cli.version, extractor.found, problems, plans, sources)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the installed CLI: .../node_modules/heroku")
    parser.add_argument("docs", nargs="?", default=str(ROOT / "docs"))
    options = parser.parse_args(argv)
    cli = HerokuCLI(options.cli)
    report = check_guide(options.docs, cli)
    for item in report.found:
        note = "" if item.path == item.page else f"  (shown by {relative(item.page)})"
        print(f"  {item.where():<42} {item.kind:<8} {item.text}{note}")
    for path, line, name, _ in report.plans:
        print(f"  {relative(path)}:{line:<{41 - len(relative(path))}} plan     {name}")
    if report.sources:
        first = report.sources[0]
        print(f"A required --app comes from the `heroku` git remote that `{first.text}` adds ({first.where()}).")
    for problem in report.problems:
        print(f"FAIL {problem}")
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
