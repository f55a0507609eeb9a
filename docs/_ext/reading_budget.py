"""The reading budget: what a Linux reader reads before the first ``git push heroku``.

The fast path is the home page, then the step pages in the order of the
home page's toctree, up to the first command block with ``git push
heroku``. On that path the build counts, once every page is read (at
``write-started``, on each page's doctree with its references resolved, so
a link counts as the words it shows):

- **words** of prose: headings, paragraphs, list items, table cells,
  admonitions, captions and placement lines, split on white space (a token
  with no letter or digit, such as a dash, is no word). Left out: code
  blocks, tab panels other than "Linux and macOS", package-manager tabs
  (sphinx-design's ``tab-item``) other than the one open on arrival
  (pip), blocks captioned "On Heroku" (they run on the deployed app,
  later), collapsed dropdowns, the "Sources" list, tables of contents,
  diagrams, and every page the path only links to;
- **commands**: the ``$`` lines of the console blocks it passes;
- **file blocks**: the included files it passes that the reader places
  (``:place:`` other than ``reference``).

The build prints the figures per page and in total, and warns (so
``sphinx-build -W`` fails) when the words exceed ``reading_budget_words``,
or the words of a group of pages exceed its share in
``reading_budget_shares`` (a list of (name, docname patterns, words)).
``.. reading-budget::`` shows the same figures in a page (the maintainers
page).
"""

from fnmatch import fnmatch

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes
from sphinx.util import logging
from sphinx_tabs.tabs import SphinxTabsPanel, SphinxTabsTab, SphinxTabsTablist

logger = logging.getLogger(__name__)

PUSH = "git push heroku"
READER_TAB = "Linux and macOS"
LATER = "On Heroku"  # the caption of a block that runs on the deployed app (tests/walk/follow.py)
POSIX_PROMPT = "$ "
CONSOLES = ("console", "shell-session")
# Nodes whose text a reader does not read as prose on the way to the push.
NOT_PROSE = (nodes.literal_block, nodes.raw, nodes.comment, nodes.target, nodes.system_message,
             nodes.substitution_definition, addnodes.toctree, SphinxTabsTab, SphinxTabsTablist)


def words(text):
    """White-space separated tokens with a letter or digit: "subscription[1]" is one word, a dash none."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


class Count:
    """Words, commands and file blocks of one page, up to the push if the page has it."""

    def __init__(self, closed=frozenset()):
        self.closed = closed  # the ids of sphinx-design tab panels closed on arrival
        self.words = self.commands = self.file_blocks = 0
        self.push_line = None  # the line of the block with the push, on the page that has it

    def walk(self, node, titles):
        """Count `node` in page order; False once the push is reached."""
        if isinstance(node, nodes.Text):
            self.words += words(node.astext())
            return True
        if self.skipped(node, titles):
            return True
        if isinstance(node, nodes.literal_block):
            return self.code_block(node)
        if isinstance(node, NOT_PROSE):
            return True
        if isinstance(node, nodes.TextElement):
            self.words += words(node.astext())
            return True
        return all(self.walk(child, titles) for child in node.children)

    def skipped(self, node, titles):
        if isinstance(node, SphinxTabsPanel):
            tab = titles.get(node.get("aria-labelledby"))
            tabs = [titles.get(panel.get("aria-labelledby")) for panel in node.parent.children
                    if isinstance(panel, SphinxTabsPanel)]
            return tab != READER_TAB if READER_TAB in tabs else node.get("hidden") == "true"
        if id(node) in self.closed or "sd-tab-label" in node.get("classes", []):  # a label is a tab's title
            return True
        if node.get("design_component") == "dropdown" or type(node).__name__ == "dropdown_main":
            return not node.get("opened")
        if isinstance(node, nodes.section) and "sources" in node.get("classes", []):
            return True
        if isinstance(node, nodes.container) and node.get("literal_block"):
            caption = next(iter(node.findall(nodes.caption)), None)
            return caption is not None and caption.astext().startswith(LATER)
        return False

    def code_block(self, block):
        if block.get("placement", {}).get("action") not in (None, "reference"):
            self.file_blocks += 1
        if block.get("language") not in CONSOLES:
            return True
        for line in block.astext().splitlines():
            if not line.startswith(POSIX_PROMPT):
                continue
            if PUSH in line:
                self.push_line = block.line
                return False
            self.commands += 1
        return True


def fast_path(env):
    """The home page, then the step pages in toctree order."""
    root = env.config.root_doc
    ordered = []

    def visit(docname):
        for child in env.toctree_includes.get(docname, []):
            if child not in ordered:
                ordered.append(child)
                visit(child)

    visit(root)
    return [root, *(docname for docname in ordered if docname.startswith("steps/"))]


def count_page(env, docname):
    doctree = env.get_doctree(docname)
    env.apply_post_transforms(doctree, docname)  # references show the titles they resolve to
    titles = {tab["ids"][0]: tab.astext() for tab in doctree.findall(SphinxTabsTab) if tab.get("ids")}
    # sphinx-design's tabs (pip and uv): each panel comes two nodes after its radio
    # input, which is checked for the panel open on arrival. (Its transform leaves the
    # nodes' parent links stale, so this reads the tab set's own list.)
    closed = {
        id(panel) for tab_set in doctree.findall(nodes.container) if tab_set.get("design_component") == "tab-set"
        for before, panel in zip(tab_set.children, tab_set.children[2:])
        if panel.get("design_component") == "tab-content" and not before.get("checked")
    }
    count = Count(closed)
    count.walk(doctree, titles)
    return count


def measure(app, builder):
    """Count the fast path, print it, and warn above the budget."""
    env = app.env
    if builder.format != "html":  # other builders render tabs without their panels' names
        return
    figures = []
    for docname in fast_path(env):
        count = count_page(env, docname)
        figures.append((docname, count))
        if count.push_line is not None:
            break
    env.reading_budget_figures = figures
    words = sum(count.words for _, count in figures)
    last, push = figures[-1]
    logger.info(f"Reading budget: what a Linux reader reads before the first `{PUSH}`")
    for docname, count in figures:
        logger.info(f"  {docname}: {count.words:,} words, commands: {count.commands}, "
                    f"file blocks: {count.file_blocks}")
    logger.info(f"  total: {words:,} words (budget {app.config.reading_budget_words:,}), "
                f"commands: {sum(c.commands for _, c in figures)}, "
                f"file blocks: {sum(c.file_blocks for _, c in figures)}")
    if push.push_line is None:
        logger.warning(f"reading budget: no console block of the steps runs `{PUSH}`: the fast path has no end",
                       type="reading-budget")
        return
    excesses = []
    if words > app.config.reading_budget_words:
        excesses.append(((last, push.push_line), f"{words:,} words before the first `{PUSH}`, above "
                         f"{app.config.reading_budget_words:,}"))
    for share, patterns, limit in app.config.reading_budget_shares:
        pages = [(docname, count) for docname, count in figures if any(fnmatch(docname, p) for p in patterns)]
        share_words = sum(count.words for _, count in pages)
        logger.info(f"  {share}: {share_words:,} words (share {limit:,})")
        if share_words > limit:
            running = 0  # the page where the share runs out is the one to shorten first
            crossed = next(docname for docname, count in pages if (running := running + count.words) > limit)
            longest, most = max(pages, key=lambda page: page[1].words)
            excesses.append(((crossed, None), f"{share}: {share_words:,} words before the first "
                             f"`{PUSH}`, above the share of {limit:,} (the longest: {longest}, "
                             f"{most.words:,} words)"))
    for location, excess in excesses:
        message = (f"reading budget exceeded: {excess}: move the why under the step into a dropdown "
                   f"or a How it works page")
        logger.warning(message, type="reading-budget", location=location)


class figures_placeholder(nodes.General, nodes.Element):
    """Where ``.. reading-budget::`` shows the figures; replaced before writing."""


class ReadingBudgetDirective(Directive):
    def run(self):
        env = self.state.document.settings.env
        env.reading_budget_pages = getattr(env, "reading_budget_pages", set()) | {env.docname}
        return [figures_placeholder()]


def _row(*cells):
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph("", str(cell))
        row += entry
    return row


def show_figures(app, doctree, docname):
    """Replace the placeholder with a table of the figures."""
    for placeholder in list(doctree.findall(figures_placeholder)):
        figures = getattr(app.env, "reading_budget_figures", None)
        if not figures:  # a builder that does not measure
            placeholder.replace_self([])
            continue
        group = nodes.tgroup(cols=4)
        for width in (55, 15, 15, 15):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row("Page", "Words", "Commands", "File blocks")
        body = nodes.tbody()
        for counted, count in figures:
            link = nodes.paragraph()
            link += nodes.reference("", app.env.titles[counted].astext(), internal=True,
                                    refuri=app.builder.get_relative_uri(docname, counted))
            body += _row(link, f"{count.words:,}", count.commands, count.file_blocks)
        body += _row("Total (budget: {:,} words)".format(app.config.reading_budget_words),
                     f"{sum(c.words for _, c in figures):,}", sum(c.commands for _, c in figures),
                     sum(c.file_blocks for _, c in figures))
        group += head
        group += body
        table = nodes.table(classes=["reading-budget"])
        table += group
        placeholder.replace_self(table)


def always_outdated(app, env, added, changed, removed):
    """The page showing the figures is rebuilt on every build: the figures come from other pages."""
    return sorted(getattr(env, "reading_budget_pages", set()) - set(removed))


def purge(app, env, docname):
    getattr(env, "reading_budget_pages", set()).discard(docname)


def merge(app, env, docnames, other):
    env.reading_budget_pages = getattr(env, "reading_budget_pages", set()) | getattr(other, "reading_budget_pages", set())


def setup(app):
    app.add_config_value("reading_budget_words", 4000, "env")
    app.add_config_value("reading_budget_shares", [], "env")
    app.add_node(figures_placeholder)
    app.add_directive("reading-budget", ReadingBudgetDirective)
    app.connect("write-started", measure)
    app.connect("doctree-resolved", show_figures)
    app.connect("env-get-outdated", always_outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
