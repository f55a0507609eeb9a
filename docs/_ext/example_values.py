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

A setting reads the environment through ``os.environ.get``, ``os.getenv``
or a function of the file whose name starts with ``env_``: each gives its
default (its second argument, its ``default=``, or the function's own
default). Change the value in the example and the sentence changes with
it; rename or remove the setting, or write an expression this cannot
evaluate, and the build fails (a warning, which ``-W`` makes an error).
docs/maintainers.rst lists the forms.
"""

import ast
import operator
import re
from pathlib import Path

from docutils import nodes

EXAMPLE = Path(__file__).resolve().parents[2] / "example"
SPEC = re.compile(r"^(?P<file>[\w./-]+\.py):(?:(?P<keyword>\w+)=|(?P<expression>.+))$")
OPERATORS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Not: operator.not_, ast.USub: operator.neg,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
FUNCTIONS = {"int": int, "len": len}


class Unknown(Exception):
    """The expression needs something this evaluator does not know (a call, an import, a missing name)."""


def evaluate(node, names, defaults):
    """The value of an expression node; `names` are the settings so far, `defaults` the env_ functions' defaults."""
    match node:
        case ast.Constant():
            return node.value
        case ast.Name() if node.id in names:
            return names[node.id]
        case ast.Attribute() if ast.unparse(node) == "os.environ":
            return {}  # no variable set
        case ast.Tuple():
            return tuple(evaluate(e, names, defaults) for e in node.elts)
        case ast.List() | ast.Set():
            return [evaluate(e, names, defaults) for e in node.elts]
        case ast.Dict():
            return {evaluate(k, names, defaults): evaluate(v, names, defaults) for k, v in zip(node.keys, node.values)}
        case ast.Subscript():
            return evaluate(node.value, names, defaults)[evaluate(node.slice, names, defaults)]
        case ast.BinOp() | ast.UnaryOp() if type(node.op) in OPERATORS:
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
            return OPERATORS[type(node.op)](*(evaluate(e, names, defaults) for e in operands))
        case ast.Compare(ops=[op], comparators=[right]) if type(op) in OPERATORS:
            return OPERATORS[type(op)](evaluate(node.left, names, defaults), evaluate(right, names, defaults))
        case ast.BoolOp():
            values = (evaluate(e, names, defaults) for e in node.values)
            return all(values) if isinstance(node.op, ast.And) else any(values)
        case ast.IfExp():
            chosen = node.body if evaluate(node.test, names, defaults) else node.orelse
            return evaluate(chosen, names, defaults)
        case ast.Call():
            return _call(node, names, defaults)
    raise Unknown(ast.unparse(node))


def _call(node, names, defaults):
    function = ast.unparse(node.func)
    keywords = {k.arg: k.value for k in node.keywords}
    if function in ("os.environ.get", "os.getenv") or function in defaults:
        # Unset, the variable gives the default the call or the function names.
        default = node.args[1] if len(node.args) > 1 else keywords.get("default")
        return evaluate(default, names, defaults) if default is not None else defaults.get(function)
    if function in FUNCTIONS:
        return FUNCTIONS[function](*(evaluate(e, names, defaults) for e in node.args))
    raise Unknown(function)


def settings(path):
    """{name: value} of the file's top-level assignments that evaluate, as set with no variable in the environment."""
    tree = ast.parse(path.read_text())
    defaults = {
        node.name: ast.literal_eval(node.args.defaults[-1]) if node.args.defaults else None
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("env_")
    }
    names = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    names[target.id] = evaluate(node.value, names, defaults)
                except (Unknown, LookupError, TypeError, ValueError):
                    names.pop(target.id, None)
    return tree, names, defaults


def example_value(text):
    """The value `FILE:EXPRESSION` (or `FILE:keyword=`) renders; ValueError saying why there is none."""
    match = SPEC.match(text.strip())
    path = EXAMPLE / match["file"] if match else None
    if path is None or not path.is_file():
        raise ValueError("write FILE:EXPRESSION or FILE:keyword=, FILE a Python file under example/")
    tree, names, defaults = settings(path)
    if match["keyword"]:
        found = [k.value for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == match["keyword"]]
        if len(found) != 1:
            raise ValueError(f"{len(found)} keyword arguments {match['keyword']}= in example/{match['file']}, not one")
        return ast.literal_eval(found[0])
    try:
        return evaluate(ast.parse(match["expression"], mode="eval").body, names, defaults)
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


def setup(app):
    app.add_role("example", example_role)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
