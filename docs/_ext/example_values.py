"""Values the example sets, quoted in prose from the example itself at build time.

``:example:`FILE:EXPRESSION``` renders a Python expression over the
top-level settings of ``example/FILE``, each taken as the example sets it
when no environment variable is set (a dyno's defaults, DEBUG off)::

    :example:`gunicorn.conf.py:timeout`                         20
    :example:`gunicorn.conf.py:workers`                         2, int(os.environ.get("WEB_CONCURRENCY", 2))
    :example:`gunicorn.conf.py:threads*4`                       20
    :example:`staff/settings.py:SECURE_HSTS_SECONDS`            31536000, env_int("DJANGO_HSTS_SECONDS", 31536000)
    :example:`staff/settings.py:SECURE_HSTS_SECONDS//86400`     365
    :example:`staff/settings.py:len(SILENCED_SYSTEM_CHECKS)`    1
    :example:`staff/settings.py:STORAGES["default"]["BACKEND"]` a value inside a dict
    :example:`staff/settings.py:conn_max_age=`                  600, the one keyword argument of that name

A setting reads the environment through ``os.environ``, ``os.getenv`` or a
function of the file whose name starts with ``env_``: unset, each gives its
default (its second argument, its ``default=``, or the function's own
default). A top-level ``if`` takes the branch its test chooses. Change the
value in the example and the sentence changes with it; rename or remove the
setting, or write an expression this cannot evaluate, and the build fails
(a warning, which ``-W`` makes an error).

``.. compared-settings:: FILE FILE`` (paths from the repository's root, an
``:environment:`` option of NAME=value words for ``os.environ``) renders
what two configuration files set alike and a table of what they set
differently. docs/maintainers.rst lists the forms.
"""

import ast
import operator
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example"
SPEC = re.compile(r"^(?P<file>[\w./-]+\.py):(?:(?P<keyword>\w+)=|(?P<expression>.+))$")
OPERATORS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Not: operator.not_, ast.USub: operator.neg,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
FUNCTIONS = {"int": int, "len": len}
ENVIRONMENT_READERS = ("os.environ.get", "os.getenv")


class Unknown(Exception):
    """The expression needs something this evaluator does not know (a call, an import, a missing name)."""


class Settings:
    """A Python file's top-level settings, evaluated in the environment `environ` (default: nothing set)."""

    def __init__(self, path, environ=None):
        self.tree = ast.parse(Path(path).read_text())
        self.environ = dict(environ or {})
        self.defaults = {
            node.name: ast.literal_eval(node.args.defaults[-1]) if node.args.defaults else None
            for node in self.tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("env_")
        }
        self.names = {}
        self._run(self.tree.body)

    def _run(self, statements):
        for node in statements:
            if isinstance(node, ast.If):
                try:
                    self._run(node.body if self.value(node.test) else node.orelse)
                except (Unknown, LookupError, TypeError, ValueError):
                    pass
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in [t for t in targets if isinstance(t, ast.Name)]:
                try:
                    self.names[target.id] = self.value(node.value)
                except (Unknown, LookupError, TypeError, ValueError):
                    self.names.pop(target.id, None)

    def value(self, node):
        """The value of an expression node."""
        match node:
            case ast.Constant():
                return node.value
            case ast.Name() if node.id in self.names:
                return self.names[node.id]
            case ast.Attribute() if ast.unparse(node) == "os.environ":
                return self.environ
            case ast.JoinedStr():
                return "".join(str(self.value(part.value if isinstance(part, ast.FormattedValue) else part)) for part in node.values)
            case ast.Tuple():
                return tuple(map(self.value, node.elts))
            case ast.List() | ast.Set():
                return list(map(self.value, node.elts))
            case ast.Dict():
                return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values)}
            case ast.Subscript():
                return self.value(node.value)[self.value(node.slice)]
            case ast.BinOp() | ast.UnaryOp() if type(node.op) in OPERATORS:
                operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
                return OPERATORS[type(node.op)](*map(self.value, operands))
            case ast.Compare(ops=[op], comparators=[right]) if type(op) in OPERATORS:
                return OPERATORS[type(op)](self.value(node.left), self.value(right))
            case ast.BoolOp():
                values = map(self.value, node.values)
                return all(values) if isinstance(node.op, ast.And) else any(values)
            case ast.IfExp():
                return self.value(node.body if self.value(node.test) else node.orelse)
            case ast.Call():
                return self._call(node)
        raise Unknown(ast.unparse(node))

    def _call(self, node):
        function = ast.unparse(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        if function in ENVIRONMENT_READERS or function in self.defaults:
            variable = self.value(node.args[0])
            if variable in self.environ and function in ENVIRONMENT_READERS:
                return self.environ[variable]
            if variable in self.environ:
                raise Unknown(f"{function}() of a variable that is set")
            # Unset, the variable gives the default the call or the function names.
            default = node.args[1] if len(node.args) > 1 else keywords.get("default")
            return self.value(default) if default is not None else self.defaults.get(function)
        if function in FUNCTIONS:
            return FUNCTIONS[function](*map(self.value, node.args))
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return self.value(node.func.value).format(*map(self.value, node.args))
        raise Unknown(function)


def example_value(text):
    """The value `FILE:EXPRESSION` (or `FILE:keyword=`) renders; ValueError saying why there is none."""
    match = SPEC.match(text.strip())
    path = EXAMPLE / match["file"] if match else None
    if path is None or not path.is_file():
        raise ValueError("write FILE:EXPRESSION or FILE:keyword=, FILE a Python file under example/")
    settings = Settings(path)
    if match["keyword"]:
        found = [k.value for k in ast.walk(settings.tree) if isinstance(k, ast.keyword) and k.arg == match["keyword"]]
        if len(found) != 1:
            raise ValueError(f"{len(found)} keyword arguments {match['keyword']}= in example/{match['file']}, not one")
        return ast.literal_eval(found[0])
    try:
        return settings.value(ast.parse(match["expression"], mode="eval").body)
    except (Unknown, LookupError, TypeError, ValueError, SyntaxError) as error:
        raise ValueError(f"no value for {match['expression']!r} in example/{match['file']} ({error!r})") from None


def rendered(value):
    """As a sentence states it: 20, 31536000, 0.5; a list as its items."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple, set)) else str(value)


def example_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """The role; a docutils warning (an error under -W) where there is no value. tests/pages.py reads pages with it too."""
    env = getattr(inliner.document.settings, "env", None)  # None when tests/pages.py reads the page
    match = SPEC.match(text.strip())
    if match and env:
        env.note_dependency(str(EXAMPLE / match["file"]))
    try:
        return [nodes.Text(rendered(example_value(text)))], []
    except ValueError as error:
        message = inliner.reporter.warning(f"example value {text!r}: {error}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]


def _literal(text):
    return nodes.paragraph("", "", nodes.literal(text, text))


class ComparedSettings(Directive):
    """What two configuration files set alike (a sentence) and differently (a table), from the files themselves."""

    required_arguments = 2
    option_spec = {"environment": directives.unchanged}

    def run(self):
        environ = dict(word.split("=", 1) for word in self.options.get("environment", "").split())
        paths = [ROOT / argument for argument in self.arguments]
        env = getattr(self.state.document.settings, "env", None)
        for path in paths:
            if env:
                env.note_dependency(str(path))
            if not path.is_file():
                raise self.error(f"compared-settings: no file {path.relative_to(ROOT)}")
        first, second = (Settings(path, environ).names for path in paths)
        names = sorted(first.keys() | second.keys())
        alike = [n for n in names if n in first and n in second and rendered(first[n]) == rendered(second[n])]
        same = nodes.paragraph("", "Set alike in both: ")
        for index, name in enumerate(alike):
            same += [nodes.Text(", " if index else ""), nodes.literal("", f"{name} = {first[name]!r}")]
        table = nodes.table("", nodes.tgroup("", *(nodes.colspec(colwidth=1) for _ in range(3)), cols=3))
        head = nodes.row("", *(nodes.entry("", _literal(text)) for text in ["setting", *self.arguments]))
        rows = [
            nodes.row("", nodes.entry("", _literal(name)), *(
                nodes.entry("", _literal(repr(values[name])) if name in values else nodes.paragraph("", "not set"))
                for values in (first, second)
            ))
            for name in names if name not in alike
        ]
        table[0] += [nodes.thead("", head), nodes.tbody("", *rows)]
        return [same, table]


def setup(app):
    app.add_role("example", example_role)
    app.add_directive("compared-settings", ComparedSettings)
    return {"version": "3", "parallel_read_safe": True, "parallel_write_safe": True}
