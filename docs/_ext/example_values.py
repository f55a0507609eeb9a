"""Values the example sets, quoted in prose from the example itself at build time.

``:example:`gunicorn.conf.py:threads``` renders the value of the top-level
assignment ``threads = ...`` in ``example/gunicorn.conf.py``; a ``*N``
suffix multiplies it (``:example:`gunicorn.conf.py:threads*4```). Change the
value in the example and the sentence changes with it; rename or remove the
setting and the build fails (a warning, which ``-W`` makes an error).
"""

import ast
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

EXAMPLE = Path(__file__).resolve().parents[2] / "example"
SPEC = re.compile(r"^(?P<file>[\w./-]+\.py):(?P<name>\w+)(?:\*(?P<factor>\d+))?$")


def assigned_value(path, name):
    """The literal value of a top-level `name = ...` in a Python file, or None."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


def example_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    match = SPEC.match(text.strip())
    value = None
    if match:
        path = EXAMPLE / match["file"]
        env.note_dependency(str(path))
        value = assigned_value(path, match["name"]) if path.is_file() else None
    if value is None:
        logger.warning(
            f"example value {text!r}: no literal top-level assignment found in example/",
            type="example", location=(env.docname, lineno),
        )
        return [nodes.problematic(rawtext, text)], []
    if match["factor"]:
        value = value * int(match["factor"])
    return [nodes.Text(str(value))], []


def setup(app):
    app.add_role("example", example_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
