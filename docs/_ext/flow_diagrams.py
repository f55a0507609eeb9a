"""Diagrams drawn at build time from a few lines of text in the page: an SVG, with no program to install.

    .. flow-diagram:: A request's path

       Browser | the visitor
       --> HTTPS
       Heroku's router | ends TLS

Each line is a box (``Title | what it does``) or an arrow to the next box
(``--> label``). Boxes are stacked top to bottom, which reads on a phone as
well as on a wide screen. The SVG is written into the HTML page itself, so
the guide builds on Read the Docs and offline with Python alone. Screen
readers get the caption, which is also the SVG's title.
"""

from html import escape

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

BOX_HEIGHT, ARROW_HEIGHT, MARGIN, BOX_X = 52, 44, 2, 2
# Rough text widths (pixels per character) of the sans-serif sizes used below.
TITLE_EM, DETAIL_EM, LABEL_EM = 9.0, 7.0, 7.2


def parse(lines):
    """[(kind, title, detail)] from the directive's lines; kind is 'box' or 'arrow'."""
    items = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("-->"):
            items.append(("arrow", line[3:].strip(), ""))
        else:
            title, _, detail = line.partition("|")
            items.append(("box", title.strip(), detail.strip()))
    kinds = [kind for kind, _, _ in items]
    if not kinds or kinds[0] != "box" or kinds[-1] != "box" or any(
        a == b for a, b in zip(kinds, kinds[1:])
    ):
        raise ValueError("write boxes and arrows in turn, starting and ending with a box")
    return items


def svg(items, caption):
    height = MARGIN * 2 + sum(BOX_HEIGHT if kind == "box" else ARROW_HEIGHT for kind, _, _ in items)
    box_width = 24 + max(
        max(len(title) * TITLE_EM, len(detail) * DETAIL_EM) for kind, title, detail in items if kind == "box"
    )
    centre = BOX_X + box_width / 2
    width = int(max(
        [BOX_X * 2 + box_width] + [centre + 14 + len(title) * LABEL_EM for kind, title, _ in items if kind == "arrow"]
    )) + 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
        f"<title>{escape(caption)}</title>",
        '<defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#404040"/></marker></defs>',
    ]
    y = MARGIN
    for kind, title, detail in items:
        if kind == "box":
            parts.append(
                f'<rect x="{BOX_X}" y="{y}" width="{box_width}" height="{BOX_HEIGHT}" rx="6" '
                f'fill="#e7f2fa" stroke="#2980b9" stroke-width="1.5"/>'
            )
            parts.append(
                f'<text x="{centre}" y="{y + 22}" text-anchor="middle" font-family="sans-serif" '
                f'font-size="15" font-weight="bold" fill="#404040">{escape(title)}</text>'
            )
            if detail:
                parts.append(
                    f'<text x="{centre}" y="{y + 41}" text-anchor="middle" font-family="sans-serif" '
                    f'font-size="12.5" fill="#404040">{escape(detail)}</text>'
                )
            y += BOX_HEIGHT
        else:
            parts.append(
                f'<line x1="{centre}" y1="{y + 2}" x2="{centre}" y2="{y + ARROW_HEIGHT - 3}" '
                f'stroke="#404040" stroke-width="1.5" marker-end="url(#flow-arrow)"/>'
            )
            parts.append(
                f'<text x="{centre + 14}" y="{y + ARROW_HEIGHT / 2 + 5}" font-family="sans-serif" '
                f'font-size="13" fill="#404040">{escape(title)}</text>'
            )
            y += ARROW_HEIGHT
    parts.append("</svg>")
    return "".join(parts)


class FlowDiagram(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"name": directives.unchanged}

    def run(self):
        caption = self.arguments[0]
        try:
            items = parse(self.content)
        except ValueError as error:
            logger.warning(f"flow-diagram {caption!r}: {error}", location=self.get_location())
            return []
        figure = nodes.figure(classes=["flow-diagram"])
        figure += nodes.raw("", svg(items, caption), format="html")
        figure += nodes.caption("", caption)
        self.add_name(figure)
        return [figure]


def setup(app):
    app.add_directive("flow-diagram", FlowDiagram)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
