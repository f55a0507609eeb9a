"""Every admonition has a real title: a box headed "Note" or "Warning" tells a reader nothing.

docutils renders ``.. note::``, ``.. warning::`` and their kind with a
generic title (the words after the directive become the first line of the
body, not the title), and Sphinx's ``.. seealso::`` with "See also". The
build warns (so ``sphinx-build -W`` fails) on each of them, with the page
and line, and on a ``.. admonition::`` whose title is one of those generic
words. Write instead::

    .. admonition:: A key in a comment is a published key
       :class: warning
"""

from docutils import nodes
from sphinx import addnodes
from sphinx.locale import admonitionlabels
from sphinx.util import logging

logger = logging.getLogger(__name__)

GENERIC = {str(label).lower() for label in admonitionlabels.values()} | {"see also"}


def check_titles(app, doctree):
    for node in doctree.findall(nodes.Admonition):
        kind = type(node).__name__
        if isinstance(node, nodes.admonition):
            title = next(iter(node.findall(nodes.title)), None)
            if title is None or title.astext().strip().lower() not in GENERIC:
                continue
            problem = f"the admonition's title {title.astext()!r} says nothing"
            kind = title.astext().strip().lower().replace(" ", "")
        else:
            label = "See also" if isinstance(node, addnodes.seealso) else admonitionlabels.get(kind, kind)
            problem = f"`.. {kind}::` renders with the bare title {str(label)!r}"
        message = (f"untitled admonition: {problem}; write `.. admonition:: WHAT IT SAYS` "
                   f"with `:class: {kind}`")
        logger.warning(message, type="admonition-title", location=node)


def setup(app):
    app.connect("doctree-read", check_titles)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
