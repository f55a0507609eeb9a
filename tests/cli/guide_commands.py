"""Find every `heroku` command the guide shows and check it with the installed Heroku CLI's own parser.

Where (the pages read by tests/pages.py): console blocks (`$ ` and `PS> `
lines, continuations joined, each simple command split by shlex); code spans
that start with ``heroku`` and ``heroku WORD`` in running text, where WORD
is a CLI command; and every file a page includes, whole: Python comments
and strings, the lines of other files.

What: a command with arguments is parsed by the CLI's own @oclif/core parser
(heroku_cli.py): command or alias, flags and their values, arguments. A
mention only has to name a command. Heroku's own rules on top: --app comes
from the `heroku` git remote once the guide shows `heroku create` (without
--no-remote) or `heroku git:remote`; `run` and `local:run` read every word
starting with a dash before `--` as their own flag; what commands check in
their code (VARARG_RULES); plans and dyno sizes against heroku_plans.toml.

    guide = Guide(".nox/heroku-cli/node_modules/heroku", guide_pages())
    guide.found, guide.problems  # test_guide_commands.py runs it on the guide
"""

import ast
import difflib
import io
import json
import re
import shlex
import tokenize
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from heroku_cli import parse
from pages import PROMPTS, read_page

ROOT = Path(__file__).resolve().parents[2]
PLANS_FILE = Path(__file__).resolve().with_name("heroku_plans.toml")
LISTED = tomllib.loads(PLANS_FILE.read_text())
WHERE_PLANS = f"{PLANS_FILE.relative_to(ROOT)} (checked {LISTED['checked']})"

# What commands check in their code, not in their flags: {command id: (minimum
# arguments, pattern each must match or None, what the CLI requires)}.
# config:set: dist/commands/config/set.js ("Must specify KEY and VALUE to
# set"); run: dist/commands/run/index.js ("Usage: heroku run COMMAND");
# local:run: dist/commands/local/run.js ("Must specify command to run");
# ps:scale: dist/commands/ps/scale.js (TYPE=N, TYPE+N or TYPE-N[:SIZE]).
VARARG_RULES = {
    "config:set": (1, r"[A-Za-z_][A-Za-z0-9_]*=.*", "KEY=VALUE arguments"),
    "run": (1, None, "a command to run"),
    "run:detached": (1, None, "a command to run"),
    "local:run": (1, None, "a command to run"),
    "ps:scale": (0, r"[\w-]+[=+-]\d+(?::[\w-]+)?", "TYPE=QUANTITY[:SIZE] arguments"),
}
# Commands that run the command line given as their arguments.
PASSTHROUGH = {"run", "run:detached", "run:inside", "local:run"}
PLACEHOLDER = re.compile(r"[$<{%]")  # <app-name>, $APP...: the reader fills it in
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
CODE_SPAN = re.compile(r"(`+)(?P<body>[^`]+?)\1(?!`)")
COMMAND_WORD = re.compile(r"-{1,2}[\w-]+(?:=\S*)?|[A-Z][A-Z0-9_]*(?:=\S*)?|[\w.-]+=\S*|[\w-]+:[\w:.-]+|<[^>\s]+>|[\w-]+\.[\w.-]+")
PLAN_MENTION = re.compile(r"(?<![\w-])(?P<service>[a-z][a-z0-9-]*):(?P<plan>[a-z][a-z0-9-]*)(?![\w-])")


def relative(path):
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def where(path, line, page):
    """FILE:LINE, and the page that shows the file if it is another."""
    return f"{relative(path)}:{line}" + (f" (shown by {relative(page)})" if page != path else "")


def simple_commands(text):
    """The words of each simple command of a shell line (split at && || ; |), quotes removed."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    commands, words = [], []
    for token in lexer:
        if token and set(token) <= set(";&|"):
            commands.append(words)
            words = []
        else:
            words.append(token)
    return [words for words in [*commands, words] if words]


def heroku_argv(words):
    """(argv from `heroku` on, {NAME: value} assigned before it), or None if not a heroku command."""
    env = {}
    for index, word in enumerate(words):
        if ASSIGNMENT.match(word):
            name, _, value = word.partition("=")
            env[name] = value
        elif Path(word.replace("\\", "/")).name.lower() in ("heroku", "heroku.cmd", "heroku.exe"):
            return ["heroku", *words[index + 1:]], env
        else:
            return None
    return None


@dataclass
class Found:
    """One `heroku` command the guide shows."""

    path: Path  # the file it is written in
    line: int
    argv: list  # ["heroku", "addons:create", ...], quotes removed
    text: str  # as written, on one line
    kind: str  # "command" (parsed) or "mention" (its name only)
    page: Path  # the page showing it (the including page for an included file)
    env: dict = field(default_factory=dict)  # NAME=value words before `heroku`

    def where(self):
        return where(self.path, self.line, self.page)


class Guide:
    """The `heroku` commands of some pages and of the files they include, found, then checked by the installed CLI.

    found: each Found, in reading order (each page, then the files it includes);
    problems: "FILE:LINE (shown by PAGE): `TEXT`: MESSAGE", in that order;
    plans: (path, line, SERVICE:PLAN, page) of the services heroku_plans.toml
    lists, wherever written; sources: the commands that add the `heroku` git remote.
    """

    def __init__(self, package, pages):
        self.package = package
        self.version = json.loads((Path(package) / "package.json").read_text())["version"]
        self.commands = set(parse(package, [])[0])
        self.found, self.texts, self.order = [], [], {}  # order: file -> its place in reading order
        self.problems = []  # (place of the file, line, text) until sorted
        for page in pages:
            self.read_page(page)
        self.found.sort(key=lambda item: (self.order.get(item.path, len(self.order)), item.line))
        self.check()
        self.problems = [text for *_, text in sorted(self.problems)]

    def problem(self, message, path, line, text, page):
        self.problems.append((self.order.get(path, len(self.order)), line, f"{where(path, line, page)}: `{text}`: {message}"))

    def not_a_command(self, word):
        close = difflib.get_close_matches(word, sorted(self.commands), n=3, cutoff=0.75)
        return f"`{word}` is not a command of the Heroku CLI {self.version}" + (f" (did you mean {' or '.join(close)}?)" if close else "")

    # ----------------------------------------------------------------------
    # Finding the commands

    def add(self, path, line, text, page, kind=None):
        try:
            commands = simple_commands(text)
        except ValueError as error:  # an unclosed quote
            self.problem(f"the command is not finished ({error})", path, line, text, page)
            return
        for argv, env in filter(None, map(heroku_argv, commands)):
            self.found.append(Found(path, line, argv, " ".join(text.split()), kind or ("command" if len(argv) > 2 else "mention"), page, env))

    def read_page(self, page_path):
        page = read_page(page_path)
        self.order.setdefault(page.path, len(self.order))
        for block in page.blocks:
            if block.lines:
                self.texts.append((block.source, block.lines[0][0], block.text, page.path))
            if block.language in PROMPTS:
                for command in block.commands():
                    self.add(block.source, command.line, command.text, page.path, "command")
            elif block.directive == "literalinclude" and block.target.is_file():
                self.read_file(block.target, page.path, block.language)
            elif block.directive == "literalinclude":
                self.problem("included file does not exist", block.source, block.line, block.argument, page.path)
            elif block.lines:  # output, a message, a file tree: running text
                self.running_text(block.source, block.text, [line for line, _ in block.lines], page.path)
        for prose in page.prose():
            self.texts.append((prose.source, prose.line, prose.text, page.path))
            for line, literal in prose.literals:
                body = re.sub(r"^\$\s+", "", literal)
                if re.match(r"heroku\s+\S", body):  # ``heroku`` alone is often the git remote
                    self.add(prose.source, line, body, page.path)
            self.running_text(prose.source, prose.outside_literals, [prose.line], page.path, spans=False)

    def read_file(self, path, page, language):
        if path in self.order:
            return
        self.order[path] = len(self.order)
        text = path.read_text(encoding="utf-8")
        self.texts.append((path, 1, text, page))
        if language == "python" or path.suffix == ".py":
            self.python(path, text, page)
        else:
            self.running_text(path, "\n".join(re.sub(r"^\s*#\s?", "", line) for line in text.splitlines()), [1], page)

    def python(self, path, source, page):
        """Comments (consecutive ones read as one text) and string literals of Python source."""
        runs = []
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                row, body = token.start[0], re.sub(r"^#\s?", "", token.string)
                if runs and runs[-1][-1][0] == row - 1:
                    runs[-1].append((row, body))
                else:
                    runs.append([(row, body)])
        for run in runs:
            self.running_text(path, "\n".join(body for _, body in run), [row for row, _ in run], page)
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "heroku" in node.value:
                # The line of each "heroku" in the value is the line of that "heroku" in the source.
                rows = [row for row in range(node.lineno, node.end_lineno + 1) for _ in range(lines[row - 1].count("heroku"))]
                for line in node.value.splitlines():
                    before = node.value[: node.value.find(line)].count("heroku")
                    row = rows[min(before, len(rows) - 1)] if rows else node.lineno
                    if line.strip().startswith("heroku "):
                        self.add(path, row, line.strip(), page)
                    else:
                        self.running_text(path, line, [row], page)

    def running_text(self, path, text, rows, page, spans=True):
        """Code spans that hold a heroku command (in a file's comments: a page's are its literals), then
        `heroku WORD ...` in the sentences.

        rows: the source line of each line of `text` (or of the first; the rest follow).
        """

        def line_of(offset):
            index = text.count("\n", 0, offset)
            return rows[index] if index < len(rows) else rows[0] + index

        masked = text
        for match in CODE_SPAN.finditer(text) if spans else []:
            body = re.sub(r"^\$\s+", "", " ".join(match["body"].split()))
            if re.match(r"heroku\s+\S", body):  # ``heroku`` alone is often the git remote
                self.add(path, line_of(match.start("body")), body, page)
            masked = masked[: match.start()] + " " * (match.end() - match.start()) + masked[match.end():]
        for match in re.finditer(r"^[ \t]*(?:\$[ \t]+)?(heroku[ \t]+\S.*)$", masked, re.M):
            # A line that is a heroku command (in a message, a comment): the whole line.
            self.add(path, line_of(match.start(1)), match.group(1).strip(), page)
            masked = masked[: match.start()] + " " * (match.end() - match.start()) + masked[match.end():]
        for match in re.finditer(r"(?<![\w$./@:`-])heroku[ \t]+(?=[a-z])", masked):
            words = masked[match.end():].split("\n", 1)[0].split()
            name = words[0].rstrip(".,;:)!?'\"")
            if not (":" in name or name in self.commands):
                continue
            taken = [name]
            for word in words[1:] if name == words[0] else []:
                bare = word.rstrip(".,;)!?")
                if not COMMAND_WORD.fullmatch(bare):
                    break
                taken.append(bare)
                if bare != word:
                    break
            self.add(path, line_of(match.start()), "heroku " + " ".join(taken), page)

    # ----------------------------------------------------------------------
    # Checking them

    def check(self):
        self.sources = [
            item for item in self.found if item.kind == "command" and (
                item.argv[1:2] == ["git:remote"]
                or item.argv[1:2] in (["create"], ["apps:create"]) and not {"--no-remote", "-n"} & set(item.argv))
        ]
        mentions = [item for item in self.found if item.kind == "mention" or item.argv[1:2] in ([], ["help"], ["--version"])]
        for item in mentions:
            if item.argv[1:] and item.argv[1] != "help" and not item.argv[1].startswith("-") and item.argv[1] not in self.commands:
                self.problem(self.not_a_command(item.argv[1]), item.path, item.line, item.text, item.page)
        commands = [item for item in self.found if item not in mentions]
        # The app comes from the `heroku` git remote when the guide shows the command that adds it.
        app = {"HEROKU_APP": "app-from-the-git-remote"} if self.sources else {}
        _, results = parse(self.package, [{"argv": item.argv[1:], "env": {**app, **item.env}} for item in commands])
        for item, parsed in zip(commands, results):
            for message in self.check_parsed(item, parsed):
                self.problem(message, item.path, item.line, item.text, item.page)
        self.plans = [
            (path, first + text.count("\n", 0, match.start()), match[0], page)
            for path, first, text, page in self.texts
            for match in PLAN_MENTION.finditer(text)
            if match["service"] in LISTED["plans"]
        ]
        for path, line, name, page in self.plans:
            for message in check_plan(name, required=False):
                self.problem(message, path, line, name, page)

    def check_parsed(self, item, parsed):
        """Messages about one command from the CLI's parse of it (empty when it is right)."""
        shown = f"heroku {item.argv[1]}"
        if "error" in parsed:
            message = parsed["error"]
            if message == "not a command":
                return [self.not_a_command(item.argv[1])]
            if "Missing required flag app" in message and not self.sources:
                return [f"`{shown}` needs --app (or --remote): give it, or show `heroku create` or "
                        "`heroku git:remote` in the guide so the app comes from the `heroku` git remote"]
            if "Nonexistent flag" in message and item.argv[1] in PASSTHROUGH:
                message += f": the CLI reads every word starting with a dash before `--` as its own flag: write `{shown} -- COMMAND ...`"
            return [f"`{shown}`: {message}"]
        cid, flags, arguments = parsed["id"], parsed["flags"], parsed["args"]
        messages = []
        if cid in VARARG_RULES:
            minimum, pattern, what = VARARG_RULES[cid]
            if len(arguments) < minimum:
                messages.append(f"`{shown}` needs {what}")
            for argument in arguments if pattern else []:
                if not re.fullmatch(pattern, argument):
                    messages.append(f"`{shown}` needs {what}: {argument!r} is not one")
        if cid == "addons:create" and arguments:
            messages += check_plan(arguments[0], required=True)
        if cid in ("addons:upgrade", "addons:downgrade") and len(arguments) > 1:
            messages += check_plan(arguments[1], required=":" in arguments[1])
        for plan in (flags.get("addons") or "").split(",") if cid == "apps:create" else []:
            messages += check_plan(plan.strip(), required=bool(plan.strip()))
        sizes = [a.split("=", 1)[-1] for a in arguments] if cid == "ps:type" else []
        sizes += [a.split(":", 1)[1] for a in arguments if ":" in a] if cid == "ps:scale" else []
        sizes += [flags["size"]] if cid in PASSTHROUGH and flags.get("size") else []
        return messages + [message for size in sizes for message in check_dyno_size(size)]


def check_plan(service_plan, required):
    """Messages about an add-on SERVICE:PLAN against heroku_plans.toml."""
    if PLACEHOLDER.search(service_plan):
        return []
    service, _, plan = service_plan.partition(":")
    if service not in LISTED["plans"]:
        return [f"add-on service {service!r} is not listed in {WHERE_PLANS}: add its plans with their source"] if required else []
    retired = LISTED["retired"].get(service, {})
    if plan in retired:
        return [f"plan {service}:{plan} is retired: use {retired[plan]} ({WHERE_PLANS})"]
    if plan and plan not in LISTED["plans"][service]:
        return [f"plan {service}:{plan} is not a current plan in {WHERE_PLANS}"]
    return []


def check_dyno_size(size):
    name = size.lower()
    if PLACEHOLDER.search(name) or name in LISTED["dyno_sizes"]:
        return []
    if name in LISTED["retired_dyno_sizes"]:
        return [f"dyno size {size} is retired: use {LISTED['retired_dyno_sizes'][name]}"]
    return [f"dyno size {size!r} is not listed in {WHERE_PLANS}"]
