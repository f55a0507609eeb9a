"""Where each file block goes, said once for the reader and for the walk.

A step page shows a file with ``literalinclude``. This extension adds one
option to it, ``:place:``, which says where the lines go in the reader's own
project. The build renders it as a sentence above the block ("In
``example/staff/settings.py``, replace the ``DATABASES`` setting with:"), and
keeps it, parsed, on the block's node, where ``nox -s walk`` reads it from the
built pages and does exactly that to a project of another name.

It also drops the marker lines (docs/_ext/markers.py, the one definition of
a marker) from every included text, so a whole-file include never shows
them to a reader who would copy them, and it fails the build (a warning,
and every build runs with -W) when an included text holds marker-like text
that is no marker line, or when a marker reaches a built HTML page anyway.

docs/maintainers.rst lists the forms of ``:place:``.
"""

import re
from pathlib import Path

import markers
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import LiteralInclude
from sphinx.util import logging

logger = logging.getLogger(__name__)

# The forms of :place:. Each maps to the sentence shown above the block;
# {file} is the caption, {name}, {other}, {text} the words after the form.
# "replace NAME" and "end" may end with "deleting NAME...": the settings the
# block also sets, which a project may have already (a name may end with *,
# as SECURE_*); the sentence then tells the reader to delete theirs.
DELETING = r"(?: deleting (?P<deleting>[\w*]+(?: [\w*]+)*))?"
PLACEMENTS = {
    "new": (r"new", "Create ``{file}``, {where}, with:"),
    "whole": (r"whole", "Replace the whole of ``{file}`` with:"),
    "end": (r"end" + DELETING, "At the end of ``{file}``, add:"),
    "end-or-new": (r"end-or-new", "At the end of ``{file}`` ({where}; create it if your project has none), add:"),
    "imports": (r"imports", "At the top of ``{file}``, with its other imports, add:"),
    "replace-after": (
        r"replace (?P<name>\w+) after (?P<other>\w+)",
        "In ``{file}``, delete the ``{name}`` setting, and add this after the ``{other}`` setting, which it reads:",
    ),
    "replace": (r"replace (?P<name>\w+)" + DELETING, "In ``{file}``, replace the ``{name}`` setting with:"),
    "replace-function": (r"replace-function (?P<name>\w+)", "In ``{file}``, replace the function ``{name}`` with:"),
    "replace-line": (r"replace-line (?P<text>.+)", "In ``{file}``, replace the line ``{text}`` with:"),
    "replace-item": (
        r"replace-item (?P<name>\w+) (?P<text>\S+)",
        "In ``{file}``, replace the ``{text}`` entry of ``{name}`` with these lines:",
    ),
    "reference": (r"reference", "For reference, the example's ``{file}`` (nothing to copy):"),
}


def parse_placement(value):
    """The form and its words, as a dict, or None when the value is no known form."""
    value = " ".join(value.split())
    for action, (pattern, _) in PLACEMENTS.items():
        match = re.fullmatch(pattern, value)
        if match:
            return {"action": action, **match.groupdict()}
    return None


def where(file):
    """Where a new file goes, in a reader's words: the caption's folder, as this guide's layout names it."""
    parts = Path(file).parts
    if len(parts) == 1:
        return "at the root of the repository"
    if len(parts) == 2:
        return "next to ``manage.py``"
    return "next to ``settings.py``"


def sentence(placement, file):
    text = PLACEMENTS[placement["action"]][1].format(file=file, where=where(file), **placement)
    if not placement.get("deleting"):
        return text
    names = [f"``{name}``" for name in placement["deleting"].split()]
    listed = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    return text.removesuffix(":") + f" these lines, and delete any {listed} setting of yours:"


class PlacedLiteralInclude(LiteralInclude):
    """``literalinclude`` with ``:place:``, and without marker comments in what it shows."""

    option_spec = {**LiteralInclude.option_spec, "place": directives.unchanged_required}

    def run(self):
        result = super().run()
        block = next(iter(result[0].findall(nodes.literal_block)), None) if result else None
        if block is None:  # the include failed; Sphinx has warned already
            return result
        text = markers.strip(block.rawsource)
        for number, found in markers.stray(text):
            logger.warning(
                f"{self.arguments[0]} holds {found!r} (line {number} of what the page shows), which is "
                "no marker line (docs/_ext/markers.py): a reader would copy it",
                location=(self.env.docname, self.lineno),
            )
        block.rawsource = text
        block.children = [nodes.Text(text)]
        on_step_page = self.env.docname.startswith("steps/")
        if "place" not in self.options:
            if on_step_page:
                logger.warning(
                    "a file block on a step page needs :place: (where the reader puts it; "
                    "see docs/maintainers.rst)",
                    location=(self.env.docname, self.lineno),
                )
            return result
        placement = parse_placement(self.options["place"])
        file = self.options.get("caption")
        if placement is None or not file:
            logger.warning(
                f":place: {self.options['place']!r} is not one of the forms in docs/maintainers.rst, "
                "or the block has no :caption: naming the file",
                location=(self.env.docname, self.lineno),
            )
            return result
        file = file.split(" (")[0]  # "settings.py (the start of INSTALLED_APPS)" names settings.py
        block["placement"] = {**placement, "file": file}
        line = nodes.paragraph(classes=["placement"])
        parsed, _ = self.state.inline_text(sentence(placement, file), self.lineno)
        line.extend(parsed)
        self.set_source_info(line)
        return [line, *result]


def no_marker_text_in_built_pages(app, exception):
    """Fail the build when marker text reaches a reader: a built page must never show [start:...]."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        for found in sorted({match.group() for match in markers.LOOKS_LIKE.finditer(text)}):
            logger.warning(
                f"the built page {page.relative_to(outdir)} shows the marker text {found!r}: "
                "a reader would copy it"
            )


def setup(app):
    app.add_directive("literalinclude", PlacedLiteralInclude, override=True)
    app.connect("build-finished", no_marker_text_in_built_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
