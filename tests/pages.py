"""The one reader of the guide's pages: every check that reads a page reads it here.

docutils, the parser Sphinx itself uses, reads each page (and the rst files
it includes) into a doctree. Sphinx's own directives need a Sphinx build, so
the ones the guide uses are read by stand-ins that keep what was written:
``code-block``, ``code``, ``sourcecode``, ``code-tab`` and
``literalinclude`` become a Block (language, arguments, options, caption,
content, the line of every content line, the tab it sits in); ``tabs``,
``group-tab`` and any other directive keep their content as rst, parsed
like the rest. ``:example:`` renders its value, as the build does
(docs/_ext/example_values.py); other unknown roles (``:doc:``, ``:kbd:``...)
become their text.

    from pages import read_guide

    for page in read_guide():                      # docs/**/*.rst, sorted
        for block in page.blocks:                  # in page order
            block.language, block.tab, block.line, block.caption, block.options
            block.commands()                       # console blocks: [Command(line, text, output)]
            block.shown()                          # literalinclude: Shown(text, first, last), as Sphinx reads it
        for prose in page.prose():                 # paragraphs, titles, terms: text and inline literals with lines
        page.section("troubleshooting-h10")        # by its label: .text, .literals(), .blocks(page)

A Block's `line` is the line of its directive in the page (1-based); each
content line's own line is in `block.lines`. A literalinclude's file is
`block.target`, resolved as Sphinx resolves it.
"""

import collections
import io
import re
import shlex
import sys
import types
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from unittest import mock

import docutils.core
from docutils import nodes, utils
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.directives.misc import Include

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
import example_values  # noqa: E402  (the build's own renderer of :example:)
import markers  # noqa: E402  (the build's own definition of a marker)

CODE_DIRECTIVES = ("code-block", "code", "sourcecode", "code-tab", "literalinclude")
# Console languages and their prompt and continuation prompt.
PROMPTS = {
    "console": ("$ ", "> "),
    "shell-session": ("$ ", "> "),
    "ps1con": ("PS> ", ">> "),
    "pwsh-session": ("PS> ", ">> "),
}
POSIX_CONSOLES = {"console", "shell-session"}


@dataclass
class Command:
    """A console line as the reader types it: continuation lines joined, and what it prints."""

    line: int  # the prompt's line in the page
    text: str  # without the prompt; a POSIX `\` continuation joined with a space
    output: list  # the lines shown after it, up to the next prompt

    def words(self):
        """The POSIX shell words (shlex): quotes removed, comments dropped."""
        return shlex.split(self.text, comments=True)


# What a literalinclude shows of its file: its text as the built page shows it
# (Sphinx's reader, marker lines dropped), the first and last line it shows (1-based).
Shown = collections.namedtuple("Shown", "text first last")


@dataclass
class Block:
    """A code block of a page: written in it (code-block, `::`) or included (literalinclude)."""

    page: Path
    line: int  # of the directive (of the `::` paragraph's last line for a literal block)
    directive: str  # "code-block", "literalinclude", "code-tab"..., or "::"
    argument: str  # the directive's argument as written
    options: dict  # {option: value as written}
    text: str  # the content as written, dedented ("" for a literalinclude)
    lines: list  # [(line in the source, content line)]
    tab: str | None  # the sphinx-tabs tab it sits in: "Linux and macOS", "Windows"...
    section: str  # the title of the section it sits in
    source: Path  # the file the block is written in (the page, or an rst file it includes)

    @property
    def language(self):
        if self.directive == "literalinclude":
            return self.options.get("language", "none")
        if self.directive == "::":
            return "none"
        return (self.argument.split()[0] if self.argument else "none").lower()

    @property
    def caption(self):
        return self.options.get("caption")

    @property
    def target(self):
        """The file a literalinclude shows, resolved as Sphinx does (a leading / is the docs folder)."""
        if self.directive != "literalinclude":
            return None
        if self.argument.startswith("/"):
            return (DOCS / self.argument.lstrip("/")).resolve()
        return (self.source.parent / self.argument).resolve()

    def shown(self):
        """A literalinclude's Shown: its options read by the build's directive, its file by Sphinx's reader."""
        from placement import PlacedLiteralInclude  # Sphinx: the tests, docs and walk sessions install it
        from sphinx.directives.code import LiteralIncludeReader

        options = {name: PlacedLiteralInclude.option_spec[name](value) for name, value in self.options.items()}
        reader = LiteralIncludeReader(
            str(self.target), {**options, "lineno-match": True}, types.SimpleNamespace(source_encoding="utf-8-sig")
        )
        text, count = reader.read()
        return Shown(markers.strip(text), reader.lineno_start, reader.lineno_start + count - 1)

    def commands(self):
        """A console block's commands, each with the output shown under it; [] for other blocks."""
        if self.language not in PROMPTS:
            return []
        prompt, continuation = PROMPTS[self.language]
        posix = self.language in POSIX_CONSOLES
        found = []
        for number, line in self.lines:
            if line.startswith(prompt) or line.rstrip() == prompt.rstrip():
                found.append(Command(number, line[len(prompt):], []))
            elif found and not found[-1].output and found[-1].text.endswith("\\" if posix else "`"):  # continued
                more = line[len(continuation):] if line.startswith(continuation) else line
                joined = found[-1].text[:-1] + " " + more.strip() if posix else found[-1].text[:-1] + more
                found[-1].text = joined.rstrip()
            elif found:
                found[-1].output.append(line)
        return found


@dataclass
class Section:
    title: str
    labels: list  # the `.. _label:` targets that name it
    line: int  # of its title
    node: nodes.section = field(repr=False)

    @property
    def text(self):
        """Its text as a reader sees it, markup removed."""
        return self.node.astext()

    def literals(self):
        """Its inline literals (``...``), whitespace collapsed, in order."""
        return [" ".join(node.astext().split()) for node in self.node.findall(nodes.literal)]

    def blocks(self, page):
        """The page's blocks inside this section (its subsections included)."""
        inside = {id(node) for node in self.node.findall(_BlockNode)}
        return [block for node_id, block in page._block_nodes if node_id in inside]


class _BlockNode(nodes.General, nodes.Element):
    """Where a code block stands in the doctree; the Block is in node["block"]."""


class _AnyOptions(dict):
    """Every option accepted and kept as written: these stand-ins check nothing, Sphinx does."""

    def __getitem__(self, name):
        return directives.unchanged


class _StandIn(Directive):
    """A directive of Sphinx's or an extension's, read without Sphinx: an argument, any options, content."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions(caption=directives.unchanged)  # not empty: docutils skips options then


class _CodeDirective(_StandIn):
    def run(self):
        source, line = self.state_machine.get_source_and_line(self.lineno)
        lines = [(offset + 1, text) for (_, offset), text in zip(self.content.items, self.content)]
        node = _BlockNode()
        node["block"] = dict(
            line=line,
            directive=self.name,
            argument=self.arguments[0] if self.arguments else "",
            options=dict(self.options),
            text="\n".join(self.content),
            lines=lines,
            source=Path(source).resolve(),
        )
        return [node]


class _NestedDirective(_StandIn):
    """tabs, group-tab, note, toctree...: the content is more rst."""

    def run(self):
        node = nodes.container(directive=self.name, argument=self.arguments[0] if self.arguments else "")
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class _Include(Include):
    """Sphinx's include: a path starting with / is relative to the docs folder."""

    def run(self):
        if self.arguments[0].startswith("/"):
            self.arguments[0] = str(DOCS / self.arguments[0].lstrip("/"))
        return super().run()


@dataclass
class Prose:
    """A paragraph, title or term as a reader reads it."""

    source: Path  # the file it is written in
    line: int  # of its first line
    text: str  # markup removed, line breaks kept
    literals: list  # its inline literals: [(line, text)]
    outside_literals: str  # the text with each inline literal blanked out


def _prose(node, page):
    parts, literals = [], []
    line = (node.line or 1) - isinstance(node, nodes.title)  # docutils gives a title the line of its underline

    def walk(parent):
        for child in parent.children:
            if isinstance(child, nodes.literal):
                literals.append((line + "".join(parts).count("\n"), " ".join(child.astext().split())))
                parts.append(re.sub(r"[^\n]", " ", child.astext()))
            elif isinstance(child, nodes.Text):
                parts.append(str(child))
            else:
                walk(child)

    walk(node)
    blanked = "".join(parts)
    return Prose(Path(node.source or page).resolve(), line, node.astext(), literals, blanked)


def _text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, utils.unescape(text), classes=[f"role-{name}"])], []


TAB_DIRECTIVES = ("group-tab", "tab")


def _directive(name, language, document, _docutils=directives.directive):
    """docutils' look-up of a directive, with the stand-ins for those it does not know."""
    if name in CODE_DIRECTIVES:
        return _CodeDirective, []
    if name == "include":
        return _Include, []
    found, messages = _docutils(name, language, document)
    return (found, messages) if found else (_NestedDirective, [])


def _role(name, language, lineno, reporter, _docutils=roles.role):
    """docutils' look-up of a role: :example: renders, as the build does; other unknown roles keep their text."""
    if name == "example":
        return example_values.example_role, []
    found, messages = _docutils(name, language, lineno, reporter)
    return (found, messages) if found else (_text_role, [])


@dataclass
class Page:
    path: Path
    text: str
    doctree: nodes.document = field(repr=False)

    @property
    def name(self):
        """The page's path relative to docs/: "steps/09-test-locally.rst"."""
        return self.path.relative_to(DOCS).as_posix() if self.path.is_relative_to(DOCS) else self.path.name

    @cached_property
    def _block_nodes(self):
        found = []
        for node in self.doctree.findall(lambda n: isinstance(n, (_BlockNode, nodes.literal_block))):
            tab = next(
                (a["argument"] for a in _ancestors(node) if a.get("directive") in TAB_DIRECTIVES), None
            )
            if tab is None and node.get("block", {}).get("directive") == "code-tab":
                tab = node["block"]["argument"].partition(" ")[2].strip() or None
            title = next((a[0].astext() for a in _ancestors(node) if isinstance(a, nodes.section)), "")
            if isinstance(node, _BlockNode):
                block = Block(page=self.path, tab=tab, section=title, **node["block"])
            else:  # a `::` literal block: docutils gives the line of its last content line
                content = node.astext().split("\n")
                first = node.line - len(content) + 1 if node.line else 0
                block = Block(
                    page=self.path, line=first - 2, directive="::", argument="", options={},
                    text=node.astext(), lines=list(enumerate(content, start=first)), tab=tab,
                    section=title, source=Path(node.source or self.path).resolve(),
                )
            found.append((id(node), block))
        return found

    @property
    def blocks(self):
        """Every code block of the page and of the rst files it includes, in order."""
        return [block for _, block in self._block_nodes]

    @cached_property
    def sections(self):
        found = []
        for node in self.doctree.findall(nodes.section):
            title = node[0]
            # A label is a name the page gives with `.. _label:` (the title names the section too).
            labels = [name for name in node["names"] if f".. _{name}:" in self.text]
            # docutils gives a title the line of its underline.
            found.append(Section(title.astext(), labels, (title.line or 1) - 1, node))
        return found

    def section(self, label):
        """The section a `.. _label:` names; AssertionError naming the page if there is none."""
        for section in self.sections:
            if label in section.labels:
                return section
        raise AssertionError(f"{self.name} has no section labelled {label!r}")

    def prose(self):
        """Every paragraph, title and term of the page (and of the rst it includes), in order."""
        kinds = (nodes.paragraph, nodes.title, nodes.term)
        return [_prose(node, self.path) for node in self.doctree.findall(lambda n: isinstance(n, kinds))]

    def literals(self):
        """Every inline literal of the page: [(line, text)], whitespace collapsed."""
        return [literal for prose in self.prose() for literal in prose.literals]

    def includes(self):
        """The page's literalinclude blocks."""
        return [block for block in self.blocks if block.directive == "literalinclude"]


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def read_page(path):
    """Parse one page (and the rst it includes) into a Page."""
    path = Path(path).resolve()
    text = path.read_text(encoding="utf-8")
    with mock.patch.object(directives, "directive", _directive), mock.patch.object(roles, "role", _role):
        doctree = docutils.core.publish_doctree(
            text,
            source_path=str(path),
            settings_overrides={
                "report_level": 5,  # Sphinx reports the page's problems; the checks read what is there
                "halt_level": 5,
                "warning_stream": io.StringIO(),
                "doctitle_xform": False,  # keep the page's title a section, as Sphinx does
                "file_insertion_enabled": True,
            },
        )
    return Page(path, text, doctree)


def guide_pages(docs=DOCS):
    """The guide's page files (*.rst under docs, Sphinx's build folder left out), sorted."""
    docs = Path(docs)
    return sorted(p for p in docs.rglob("*.rst") if "_build" not in p.relative_to(docs).parts)


def read_guide(docs=DOCS):
    """Every page of the guide, read."""
    return [read_page(path) for path in guide_pages(docs)]


def blocks_setting(name, docs=DOCS):
    """Where the step pages' file blocks set `name`: ["steps/03-settings.rst, line 97", ...]."""
    return [
        f"{page.name}, line {block.line}" for page in map(read_page, sorted((Path(docs) / "steps").glob("*.rst")))
        for block in page.includes() if re.search(rf"^\s*{name}\s*=", block.shown().text, re.M)
    ]
