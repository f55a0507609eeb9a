"""sphinx-rtd-theme's markup, changed where CSS cannot reach, so every page passes axe-core.

- The sidebar's captions ("Steps", ...) are ``<p role="heading">`` without
  ``aria-level``, which ARIA requires of a heading (axe aria-required-attr,
  critical): Sphinx's HTML writer emits them so, and the theme shows them.
  They are given level 2, under the page's one ``<h1>``.
- The theme draws Previous and Next above and below the page, each pair with
  ``accesskey="p"`` and ``accesskey="n"``; an access key must be unique on
  a page (axe accesskeys). The pair at the top loses its keys, the pair at
  the foot (``rel="prev"``/``rel="next"``) keeps them.

The guide's CSS and script (``docs/_static/``) do the rest; the checks are in
``tests/site/test_accessibility.py``.
"""

import re
from pathlib import Path

from sphinx import addnodes
from sphinx.writers.html5 import HTML5Translator

SIDEBAR_CAPTION_LEVEL = "2"

# The theme's top pair of buttons (breadcrumbs.html) and an access key inside it.
TOP_BUTTONS = re.compile(r'(<div class="rst-breadcrumbs-buttons"[^>]*>)(.*?)(</div>)', re.S)
ACCESS_KEY = re.compile(r'\saccesskey="[^"]*"')


class Translator(HTML5Translator):
    def visit_title(self, node):
        parent = node.parent
        if isinstance(parent, addnodes.compact_paragraph) and parent.get("toctree"):
            # Sphinx's own branch for a toctree caption, with the level added.
            attributes = {"role": "heading", "aria-level": SIDEBAR_CAPTION_LEVEL}
            self.body.append(self.starttag(node, "p", "", CLASS="caption", **attributes))
            self.body.append('<span class="caption-text">')
            self.context.append("</span></p>\n")
        else:
            super().visit_title(node)


def drop_top_access_keys(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        fixed = TOP_BUTTONS.sub(lambda match: match[1] + ACCESS_KEY.sub("", match[2]) + match[3], text)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")


def setup(app):
    for builder in ("html", "dirhtml", "singlehtml"):
        app.set_translator(builder, Translator)
    app.connect("build-finished", drop_top_access_keys)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
