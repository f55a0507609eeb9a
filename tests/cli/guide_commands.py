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
their code (VARARG_RULES); plans and dyno sizes against heroku_plans.py.

Run it: python tests/cli/guide_commands.py --cli PATH/node_modules/heroku [DOCS]
"""

import argparse
import ast
import io
import re
import shlex
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import heroku_plans  # noqa: E402
from heroku_cli import HerokuCLI  # noqa: E402
from pages import PROMPTS, guide_pages, read_page  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

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
        return f"{relative(self.path)}:{self.line}"


@dataclass
class Problem:
    path: Path
    line: int
    text: str
    message: str
    page: Path = None

    def __str__(self):
        shown = f" (shown by {relative(self.page)})" if self.page and self.page != self.path else ""
        return f"{relative(self.path)}:{self.line}{shown}: `{self.text}`: {self.message}"


def relative(path):
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# Finding the commands

ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
CODE_SPAN = re.compile(r"(`+)(?P<body>[^`]+?)\1(?!`)")
COMMAND_WORD = re.compile(r"-{1,2}[\w-]+(?:=\S*)?|[A-Z][A-Z0-9_]*(?:=\S*)?|[\w.-]+=\S*|[\w-]+:[\w:.-]+|<[^>\s]+>|[\w-]+\.[\w.-]+")


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


class Finder:
    """Collects Found commands from pages and the files they include."""

    def __init__(self, is_command):
        self.is_command = is_command  # is `heroku WORD` in a sentence a command?
        self.found, self.problems, self.texts, self.seen = [], [], [], set()
        self.order = {}  # file -> when it was first read: pages, then the files they include

    def add(self, path, line, text, page, kind=None):
        try:
            commands = simple_commands(text)
        except ValueError as error:  # an unclosed quote
            self.problems.append(Problem(path, line, text, f"the command is not finished ({error})", page))
            return
        for words in commands:
            parsed = heroku_argv(words)
            if parsed:
                argv, env = parsed
                found_kind = kind or ("command" if len(argv) > 2 else "mention")
                self.found.append(Found(Path(path), line, argv, " ".join(text.split()), found_kind, Path(page), env))

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
                self.problems.append(Problem(block.source, block.line, block.argument, "included file does not exist", page.path))
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
        if path in self.seen:
            return
        self.seen.add(path)
        self.order.setdefault(path, len(self.order))
        text = path.read_text(encoding="utf-8")
        self.texts.append((path, 1, text, page))
        if language == "python" or path.suffix == ".py":
            self.python(path, text, page)
        else:
            lines = text.splitlines()
            self.running_text(path, "\n".join(re.sub(r"^\s*#\s?", "", line) for line in lines), [1], page)

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
            if not (":" in name or self.is_command(name)):
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


# --------------------------------------------------------------------------
# Checks

def app_sources(found, cli):
    """The guide's commands that add the `heroku` git remote the CLI reads the app from."""
    return [
        item for item in found
        if item.kind == "command" and len(item.argv) > 1
        and (item.argv[1] == "git:remote" or item.argv[1] in ("create", "apps:create") and not {"--no-remote", "-n"} & set(item.argv))
    ]


def check_parsed(item, parsed, cli, has_app):
    """Messages about one command from the CLI's parse of it (empty when it is right)."""
    shown = f"heroku {item.argv[1]}"
    if "error" in parsed:
        message = parsed["error"]
        if message == "not a command":
            return [f"`{item.argv[1]}` is not a command of the Heroku CLI {cli.version}{cli.suggest(item.argv[1])}"]
        if "Missing required flag app" in message and not has_app:
            return [f"`{shown}` needs --app (or --remote): give it, or show `heroku create` or "
                    "`heroku git:remote` in the guide so the app comes from the `heroku` git remote"]
        hint = ""
        if "Nonexistent flag" in message and parsed.get("passthrough"):
            hint = f": the CLI reads every word starting with a dash before `--` as its own flag: write `{shown} -- COMMAND ...`"
        return [f"`{shown}`: {message}{hint}"]
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
    for size in sizes:
        messages += check_dyno_size(size)
    return messages


def check_plan(service_plan, required):
    """Messages about an add-on SERVICE:PLAN against heroku_plans.py."""
    if PLACEHOLDER.search(service_plan):
        return []
    service, _, plan = service_plan.partition(":")
    where = f"tests/cli/heroku_plans.py (checked {heroku_plans.CHECKED})"
    if service not in heroku_plans.PLANS:
        return [f"add-on service {service!r} is not listed in {where}: add its plans with their source"] if required else []
    retired = heroku_plans.RETIRED.get(service, {})
    if plan in retired:
        return [f"plan {service}:{plan} is retired: use {retired[plan]} ({where})"]
    if plan and plan not in heroku_plans.PLANS[service]:
        return [f"plan {service}:{plan} is not a current plan in {where}"]
    return []


def check_dyno_size(size):
    name = size.lower()
    if PLACEHOLDER.search(name) or name in heroku_plans.DYNO_SIZES:
        return []
    if name in heroku_plans.RETIRED_DYNO_SIZES:
        return [f"dyno size {size} is retired: use {heroku_plans.RETIRED_DYNO_SIZES[name]}"]
    return [f"dyno size {size!r} is not listed in tests/cli/heroku_plans.py"]


PLAN_MENTION = re.compile(r"(?<![\w-])(?P<service>[a-z][a-z0-9-]*):(?P<plan>[a-z][a-z0-9-]*)(?![\w-])")


def plan_mentions(texts):
    """SERVICE:PLAN written anywhere in the guide's sources, for the services heroku_plans.py lists."""
    return [
        (path, first + text.count("\n", 0, match.start()), match.group(0), page)
        for path, first, text, page in texts
        for match in PLAN_MENTION.finditer(text)
        if match["service"] in heroku_plans.PLANS
    ]


@dataclass
class Report:
    cli_version: str
    found: list
    problems: list
    plans: list
    sources: list


def check_guide(docs, cli, pages=None):
    """Read the guide's pages (default: every page under docs) and check every heroku command in them."""
    finder = Finder(cli.is_command)
    for page in pages or guide_pages(Path(docs)):
        finder.read_page(page)
    finder.found.sort(key=lambda item: (finder.order.get(item.path.resolve(), len(finder.order)), item.line))
    problems = list(finder.problems)
    sources = app_sources(finder.found, cli)
    mentions = [item for item in finder.found if item.kind == "mention" or item.argv[1:2] in ([], ["help"], ["--version"])]
    commands = [item for item in finder.found if item not in mentions]
    for item in mentions:
        if len(item.argv) > 1 and item.argv[1] != "help" and not item.argv[1].startswith("-") and not cli.is_command(item.argv[1]):
            problems.append(Problem(item.path, item.line, item.text, f"`{item.argv[1]}` is not a command of the Heroku CLI {cli.version}{cli.suggest(item.argv[1])}", item.page))
    # The app comes from the `heroku` git remote when the guide shows the command that adds it.
    app = {"HEROKU_APP": "app-from-the-git-remote"} if sources else {}
    _, results = cli.parse([{"argv": item.argv[1:], "env": {**app, **item.env}} for item in commands])
    for item, parsed in zip(commands, results):
        parsed["passthrough"] = parsed.get("id", item.argv[1]) in PASSTHROUGH
        for message in check_parsed(item, parsed, cli, has_app=bool(sources)):
            problems.append(Problem(item.path, item.line, item.text, message, item.page))
    plans = plan_mentions(finder.texts)
    for path, line, name, page in plans:
        for message in check_plan(name, required=False):
            problems.append(Problem(path, line, name, message, page))
    problems.sort(key=lambda problem: (finder.order.get(Path(problem.path).resolve(), len(finder.order)), problem.line))
    return Report(cli.version, finder.found, problems, plans, sources)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the installed CLI: .../node_modules/heroku")
    parser.add_argument("docs", nargs="?", default=str(ROOT / "docs"))
    options = parser.parse_args(argv)
    cli = HerokuCLI(options.cli)
    try:
        report = check_guide(options.docs, cli)
    finally:
        cli.close()
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
    parsed = sum(item.kind == "command" for item in report.found)
    print(
        f"checked {len(report.found)} `heroku` commands against Heroku CLI {report.cli_version} ({parsed} "
        f"parsed, {len(report.found) - parsed} mentioned by name) in {len({f.path for f in report.found})} "
        f"files, and {len(report.plans)} plan names against tests/cli/heroku_plans.py (checked "
        f"{heroku_plans.CHECKED}): {len(report.problems)} problem(s)"
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
