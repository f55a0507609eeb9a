"""How a statement about another system is backed: a platform figure from its source, or a check.

Two roles, beside ``:source:`` (docs/_ext/sources.py):

``:platform:`heroku-dynos.sigkill_after``` renders a figure or name about
another system (Heroku's 30 seconds between SIGTERM and SIGKILL, a plan's
connection limit, a price) recorded once, in ``docs/sources.toml``, in the
``values`` table of the source it comes from::

    [heroku-dynos]
    ...
    values = { sigkill_after = "30 seconds" }

The value is shown followed by that source's numbered link, so the figure
and its source cannot part. A value may name the entry that states it,
``{ value = "30 seconds", source = "heroku-dyno-shutdown" }``, so that a name
pages use stays while its source is corrected. An unknown source or value
fails the build.

``:checked:`gunicorn tests/faults/test_shutdown.py::test_name``` marks a
statement as *proven*: the named test runs the real software and fails when
the statement stops being true. It renders a small mark naming the software
and the version the checks run (read from the repository's requirements
files, or ``checked_software`` in conf.py for software that is not a Python
package), linked to the maintainers page. The build fails when the test
function does not exist or the software is unknown.
"""

import ast
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

from sources import source_role

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ("requirements.txt", "tests/requirements.txt", "docs/requirements.txt")
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>\S+)", re.M)
CHECKED = re.compile(r"^(?P<software>[\w.-]+)\s+(?P<path>tests/[\w./-]+\.py)::(?P<test>[\w:]+)(?:\[.*\])?$")


def _warn(env, lineno, message):
    logger.warning(message, type="claims", location=(env.docname, lineno))


def platform_value(registry, source_id, value_name):
    """(the figure, the id of the source that states it) for SOURCE.NAME, or (None, None).

    A value is a string, stated by the entry that holds it, or a table
    ``{ value = "30 seconds", source = "heroku-dyno-shutdown" }`` when the
    page that states the figure is another entry's: the name pages use stays.
    """
    value = (registry.get(source_id) or {}).get("values", {}).get(value_name)
    if isinstance(value, dict):
        return value.get("value"), value.get("source", source_id)
    return value, source_id


def platform_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """:platform:`source-id.value`: a platform figure from sources.toml, with its source's link."""
    env = inliner.document.settings.env
    source_id, _, value_name = text.strip().rpartition(".")
    value, stated_by = platform_value(env.sources_registry, source_id, value_name)
    if value is None:
        _warn(env, lineno, f"platform value {text!r}: add `values = {{ {value_name or 'name'} = ... }}` "
              f"to [{source_id or text}] in {env.app.config.sources_registry}")
        return [nodes.problematic(rawtext, text)], []
    citation, messages = source_role("source", rawtext, stated_by, lineno, inliner)
    # Its own class, so that the claims check tells a rendered figure from a typed one.
    return [nodes.inline("", str(value), classes=["platform-value"]), *citation], messages


def pinned_versions():
    """{normalised package name: version} from the repository's requirements files."""
    versions = {}
    for path in REQUIREMENTS:
        for match in PIN.finditer((ROOT / path).read_text()):
            versions.setdefault(re.sub(r"[-_.]+", "-", match["name"]).lower(), match["version"])
    return versions


def test_exists(path, test):
    """Whether `test` (a function, or Class::method) is defined in the Python file at `path`."""
    if not path.is_file():
        return False
    scope = ast.parse(path.read_text()).body
    *classes, function = test.split("::")
    for class_name in classes:
        scope = next((node.body for node in scope if isinstance(node, ast.ClassDef) and node.name == class_name), [])
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function for node in scope)


def checked_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """:checked:`software tests/path.py::test`: a statement proven by a check of the guide."""
    env = inliner.document.settings.env
    match = CHECKED.match(text.strip())
    if not match:
        _warn(env, lineno, f"checked {text!r}: write :checked:`SOFTWARE tests/PATH.py::TEST`")
        return [nodes.problematic(rawtext, text)], []
    software = match["software"]
    named = env.app.config.checked_software.get(software)
    version = pinned_versions().get(software.lower())
    label = named or (f"{software} {version}" if version else None)
    path = ROOT / match["path"]
    env.note_dependency(str(path))
    if label is None:
        _warn(env, lineno, f"checked {text!r}: {software!r} is pinned in none of {', '.join(REQUIREMENTS)} "
              f"and not named in conf.py's checked_software")
        return [nodes.problematic(rawtext, text)], []
    if not test_exists(path, match["test"]):
        _warn(env, lineno, f"checked {text!r}: no test {match['test']!r} in {match['path']}")
        return [nodes.problematic(rawtext, text)], []
    # A reference to the maintainers page's label, resolved (and, with -n, required) by Sphinx.
    mark = addnodes.pending_xref(
        "", nodes.inline("", f"checked: {label}", classes=["checked-ref"]),
        refdomain="std", reftype="ref", reftarget="proven-statements", refexplicit=True,
        refwarn=True, reftitle=f"Proven by {match['path']}::{match['test']}, run on {label}",
    )
    # The test and the version stay on the node for the maintainers page's list of proven statements.
    return [nodes.superscript("", "", mark, claims_test=f"{match['path']}::{match['test']}", claims_label=label)], []


def setup(app):
    app.setup_extension("sources")
    app.setup_extension("claims_check")
    # Software a :checked: mark may name that no requirements file pins.
    app.add_config_value("checked_software", {}, "env")
    app.add_role("platform", platform_role)
    app.add_role("checked", checked_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
