"""The build's check that every statement about another system is backed, and that figures are not retyped.

Reads each page's doctree after parsing, one sentence at a time (a
paragraph, a list item's paragraph, a table cell's paragraph, split after
``.``, ``!`` or ``?``). Two rules:

Unbacked claims
    A sentence that names Heroku (its dynos, router, Dev Center, Eco...), the
    buildpack, the Heroku CLI (a literal ``heroku COMMAND``), Django,
    gunicorn, WhiteNoise, PostgreSQL or Read the Docs and is not an
    instruction to the reader must carry, in that sentence, a
    ``:source:``, ``:platform:`` or ``:checked:`` mark, or be listed in
    ``docs/own-advice.toml`` with the reason it is the guide's own advice.
    Not statements about another system, so not checked: instructions
    (a sentence that starts with a verb in the imperative, after an optional
    "If ..., " clause: "Run ...", "Keep graceful_timeout under ..."),
    questions, sentences whose subject is the guide, the example or the
    reader ("The example sets ...", "This step ...", "You ..."), names that
    are only the text of a cross-reference, and file names in literals
    (``gunicorn.conf.py`` names a file of the example, not gunicorn).

Typed figures
    A figure recorded in a ``values`` table of ``docs/sources.toml`` ("30
    seconds", "$5 a month", "512 MB") typed into a page instead of written
    ``:platform:`SOURCE.NAME``` can drift from its source and from the other
    pages that state it. The number with its unit is looked for in the
    prose outside roles and code.

Each finding is a warning with the page and line, so ``sphinx-build -W``
fails.

The same pass records every sentence proven by a ``:checked:`` mark;
``.. proven-statements::`` (on the maintainers page) lists them, with the
page, the test and the version, at build time.
"""

import re
import tomllib
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

MARK = "\ue000"  # stands in a sentence's text for a :source:, :platform: or :checked: mark
# A full stop inside a literal (``find . -maxdepth 3``, ``e.g.``) ends no sentence.
NOT_AN_END = str.maketrans(".!?", "\ue001\ue001\ue001")

# What names each system. Plain prose words, matched case-sensitively so that
# the words keep their usual meaning ("router" is Heroku's on these pages).
SYSTEMS = {  # group name: (the system, what names it)
    "heroku": ("Heroku", r"\bHeroku\b|\bdynos?\b|\bDev Center\b|\b[Rr]outer(?: 2\.0)?\b|\bEco\b|\bconfig vars?\b"
                         r"|\brelease phase\b|\bslug\b|\bACM\b"),
    "buildpack": ("the buildpack", r"\bbuildpacks?\b|\bCNB\b"),
    "cli": ("the Heroku CLI", r"\bthe CLI\b|\bthe Heroku CLI\b"),
    "django": ("Django", r"\bDjango\b|\bcollectstatic\b|\brunserver\b"),
    "gunicorn": ("gunicorn", r"\b[Gg]unicorn\b"),
    "whitenoise": ("WhiteNoise", r"\bWhiteNoise\b"),
    "postgresql": ("PostgreSQL", r"\bPostgreSQL\b|\bPostgres\b|\bpsycopg\b"),
    "readthedocs": ("Read the Docs", r"\bRead the Docs\b"),
}
NAMES = re.compile("|".join(f"(?P<{group}>{pattern})" for group, (_, pattern) in SYSTEMS.items()))
# A literal that is a Heroku CLI command names the CLI; any other literal (a
# file, a setting, a module) names nothing.
CLI_LITERAL = re.compile(r"^heroku\s+[a-z]")

# The end of a sentence: ., ! or ? (after an optional closing quote or
# bracket) followed by white space, unless the full stop ends an
# abbreviation. The next sentence may start in lower case ("gunicorn ...").
SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bcf)(?<=[.!?])[\"')\]\u201d\u2019]*\s+")

# Instructions to the reader: the sentence starts with one of these verbs.
IMPERATIVES = set("""
Add Allow Ask Avoid Be Bring Call Cancel Change Check Choose Commit Compare Confirm Copy Count Create Delete
Deploy Do Don't Download Edit Enter Expect Find Follow Get Give Go Install Keep Leave Let Log Look Lower
Make Mind Move Name Never Note Open Paste Pick Pin Point Prefer Provision Push Put Raise Read
Remove Rename Replace Run Save Scale See Set Sign Skip Start Stop Take Tell Try Turn Type Undo
Update Upgrade Use Visit Wait Watch Write
""".split())
# A leading clause after which an instruction may follow: "If it fails, run ...".
LEADING_CLAUSE = re.compile(r"^(?:If|When|Before|After|Once|Until|While|To|On|In|For|With|Where|Unless)\b")
LEADING_WORD = re.compile(r"^(?:Then|Now|First|Next|Finally|Also|Here|So|And|Or),?\s+")
# Sentences about the guide, the example or the reader, not another system.
OWN_SUBJECT = re.compile(
    r"^(?:The|This|These|Its|Our) (?:example|guide|step|steps|page|pages|section|project|tests?|checks?|walk|repository)\b"
    r"|^(?:The|This) (?:source|older|original) (?:guide|tutorial)s?\b|^(?:The|These) nox sessions?\b|^The sources\b"
    r"|^(?:Step \d+|Steps \d+|You|We|Each step|Every step|Nothing on this page|tests/|nox\b|That is why the example)"
)
# A sentence ends with one of these (after its marks, quotes and brackets);
# text without one is a label (a table heading, a row's name), not a statement.
STATEMENT_END = re.compile(r"[.!:;][\"')\u201d\u2019" + MARK + r"\s]*$")
MIN_WORDS = 4

# A unit a figure of the registry may carry, and the ways prose writes it.
UNITS = {
    "seconds": r"(?:seconds?|secs?|s)\b", "minutes": r"(?:minutes?|mins?|min)\b",
    "hours": r"(?:hours?|h)\b", "mb": r"MB\b", "gb": r"GB\b", "connections": r"connections?\b",
}
FIGURE = re.compile(r"^(?P<dollar>\$)?(?P<number>\d[\d,.]*)\s*(?P<unit>[A-Za-z]+)?")


def is_mark(node):
    """Whether a node is the superscript a :source:, :platform: or :checked: role renders."""
    return isinstance(node, nodes.superscript) and any(
        {"source-ref", "checked-ref"} & set(child.get("classes", [])) for child in node.findall(nodes.Element)
    )


def _flatten(paragraph):
    """The paragraph's text as the reader reads it, with MARK for each mark; the text names
    count in; and the text sentences are split on (no full stop of a literal in it)."""
    text, named, splittable = [], [], []

    def walk(node, countable=True):
        if is_mark(node) or isinstance(node, nodes.problematic):  # a problematic one was reported already
            text.append(MARK)
            named.append(MARK)
            splittable.append(MARK)
            return
        if isinstance(node, nodes.Text):
            plain = str(node).replace("\x00", "")  # docutils keeps a backslash escape as a NUL
            text.append(plain)
            named.append(plain if countable else " " * len(plain))
            splittable.append(plain)
            return
        if isinstance(node, nodes.literal):
            literal = node.astext()
            text.append(literal)
            splittable.append(literal.translate(NOT_AN_END))
            named.append("the CLI" + " " * (len(literal) - 7) if CLI_LITERAL.match(literal) and len(literal) >= 7
                         else " " * len(literal))
            return
        if "platform-value" in node.get("classes", []):
            text.append(node.astext())
            named.append(" " * len(node.astext()))
            splittable.append(node.astext().translate(NOT_AN_END))
            return
        link = isinstance(node, nodes.reference) or node.tagname == "pending_xref"
        for child in node.children:
            walk(child, countable and not link)

    for child in paragraph.children:
        walk(child)
    # Nor does one inside a quotation (“CSRF verification failed. Request aborted.”).
    quoted = re.sub("\u201c[^\u201d]*\u201d", lambda match: match.group(0).translate(NOT_AN_END), "".join(splittable))
    return "".join(text), "".join(named), quoted


def sentences(paragraph):
    """(text, named, line) of each sentence of a paragraph; a mark right after a full stop counts for the sentence before."""
    text, named, splittable = _flatten(paragraph)
    spans, start = [], 0
    for match in SENTENCE_END.finditer(splittable):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    result = []
    for begin, end in spans:
        sentence, sentence_named = text[begin:end], named[begin:end]
        leading = len(sentence) - len(sentence.lstrip(MARK + " \n"))
        if result and MARK in sentence[:leading]:
            previous = result[-1]
            result[-1] = (previous[0] + MARK, previous[1] + MARK, previous[2])
        line = (paragraph.line or 0) + text.count("\n", 0, begin)
        result.append((sentence[leading:], sentence_named[leading:], line))
    return [item for item in result if item[0].strip()]


def normalise(sentence):
    """The sentence as the reader reads it, marks left out, on one line."""
    return re.sub(r"\s+([.,;:!?])(?=\s|$)", r"\1", " ".join(sentence.replace(MARK, " ").split()))


def is_instruction(sentence):
    """Whether the sentence starts with an imperative, alone, after "Then" or after an "If ..., " clause."""
    plain = normalise(sentence).lstrip("*\"'(\u201c")
    starts = [plain, LEADING_WORD.sub("", plain, count=1)]
    if LEADING_CLAUSE.match(plain):
        # "To see what the app prints, the router's lines and every restart, follow the log:"
        starts += [plain[comma.end():] for comma in re.finditer(r",\s+", plain)]
    for start in starts:
        first = re.match(r"[A-Za-z']+", start)
        if first and first.group(0).capitalize() in IMPERATIVES:
            return True
    return False


def is_claim(sentence, named):
    """The system a sentence states something about, or None."""
    plain = normalise(sentence)
    if len(plain.split()) < MIN_WORDS or plain.rstrip(":").endswith("?") or not STATEMENT_END.search(sentence):
        return None
    if OWN_SUBJECT.match(plain) or is_instruction(sentence):
        return None
    found = NAMES.search(named)
    return SYSTEMS[found.lastgroup][0] if found else None


def figure_patterns(registry):
    """{regex: [SOURCE.NAME, ...]} for every figure with a number and a unit in the registry's values tables."""
    patterns = {}
    for source_id, entry in registry.items():
        for name, value in entry.get("values", {}).items():
            if isinstance(value, dict):
                value = value.get("value", "")
            match = FIGURE.match(str(value))
            if not match:
                continue
            number = re.escape(match["number"])
            if match["dollar"]:
                pattern = rf"\${number}(?![\d,.]*\d)"
            elif match["unit"] and match["unit"].lower() in UNITS:
                pattern = rf"(?<![\w$.,]){number}(?:\s|-|\u00a0)?{UNITS[match['unit'].lower()]}"
            else:
                continue  # a bare number or a name: too common in prose to look for
            patterns.setdefault(pattern, []).append(f"{source_id}.{name}")
    return {re.compile(pattern): names for pattern, names in patterns.items()}


def checked_paragraphs(doctree):
    for paragraph in doctree.findall(nodes.paragraph):
        if "placement" in paragraph.get("classes", []):
            continue  # the placement sentence above a file block, made by placement.py
        ancestors = list(_ancestors(paragraph))
        if any("sources" in ancestor.get("ids", []) for ancestor in ancestors):
            continue  # the page's own list of sources
        if any(isinstance(ancestor, (nodes.system_message, nodes.thead)) for ancestor in ancestors):
            continue  # a message of the build, a table's headings
        yield paragraph


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


def load_advice(app):
    path = Path(app.srcdir) / app.config.claims_own_advice
    advice = tomllib.loads(path.read_text()).get("advice", [])
    for number, entry in enumerate(advice, 1):
        missing = [key for key in ("page", "starts", "reason") if not entry.get(key)]
        if missing:
            logger.warning(f"{path.name}: advice entry {number} lacks {', '.join(missing)}", type="claims")
    app.env.claims_advice = advice


def _state(env):
    if not hasattr(env, "claims_findings"):
        env.claims_findings, env.claims_advice_used, env.proven_statements = {}, {}, {}
    return env.claims_findings, env.claims_advice_used, env.proven_statements


def check_doctree(app, doctree):
    env = app.env
    findings, advice_used, proven = _state(env)
    docname = env.docname
    if docname in app.config.claims_exempt_pages:
        findings[docname], advice_used[docname], proven[docname] = [], [], _proven_sentences(doctree)
        return
    findings[docname], advice_used[docname], proven[docname] = [], [], []
    advice = [(number, entry) for number, entry in enumerate(env.claims_advice)
              if entry.get("page") == docname and entry.get("starts")]
    figures = figure_patterns(env.sources_registry)
    for paragraph in checked_paragraphs(doctree):
        for sentence, named, line in sentences(paragraph):
            plain = normalise(sentence)
            for pattern, names in figures.items():
                for match in pattern.finditer(named):
                    findings[docname].append((line, "figure", (
                        f"{' '.join(match.group(0).split())!r} is typed, but docs/sources.toml records it: write "
                        f"{' or '.join(f':platform:`{name}`' for name in names)} (the one this sentence means), "
                        f"so the figure and its source cannot part: {plain!r}")))
            if MARK in sentence:
                continue
            system = is_claim(sentence, named)
            if system is None:
                continue
            listed = next((number for number, entry in advice if plain.startswith(" ".join(entry["starts"].split()))), None)
            if listed is not None:
                advice_used[docname].append(listed)
                continue
            findings[docname].append((line, "claim", (
                f"a statement about {system} with no source: {plain!r}: mark it in the sentence with "
                f":source:, :platform: or :checked:, or, if it is the guide's own advice, list it in "
                f"docs/{app.config.claims_own_advice} with a reason (docs/maintainers.rst, proven-statements)")))
    proven[docname] = _proven_sentences(doctree)
    for line, _, message in findings[docname]:
        logger.warning(message, type="claims", location=(docname, line))


def _proven_sentences(doctree):
    result = []
    for paragraph in checked_paragraphs(doctree):
        marks = [node for node in paragraph.findall(nodes.superscript) if "claims_test" in node.attributes]
        if not marks:
            continue
        # The n-th MARK of the paragraph's text is the n-th mark node; checked ones are among them.
        all_marks = [node for node in paragraph.findall(nodes.Element) if is_mark(node) or isinstance(node, nodes.problematic)]
        for sentence, _, line in sentences(paragraph):
            for _ in range(sentence.count(MARK)):
                node = all_marks.pop(0) if all_marks else None
                if node is not None and "claims_test" in node.attributes:
                    result.append((line, normalise(sentence), node["claims_label"], node["claims_test"]))
    return result


def purge(app, env, docname):
    for table in _state(env):
        table.pop(docname, None)
    _listing_pages(env).discard(docname)


def merge(app, env, docnames, other):
    for mine, theirs in zip(_state(env), _state(other)):
        for docname in docnames:
            if docname in theirs:
                mine[docname] = theirs[docname]
    _listing_pages(env).update(_listing_pages(other) & set(docnames))


def report(app, env):
    """Listed advice that matches no sentence."""
    findings, advice_used, _ = _state(env)
    used = {number for numbers in advice_used.values() for number in numbers}
    for number, entry in enumerate(env.claims_advice):
        if number not in used:
            logger.warning(
                f"{app.config.claims_own_advice}: advice entry {number + 1} ({entry.get('page')}: "
                f"{entry.get('starts')!r}) matches no unmarked sentence of that page: correct or remove it",
                type="claims")
    if not any(findings.values()):
        logger.info("claims: every statement about another system is backed; no figure is typed.")


class proven_statements(nodes.General, nodes.Element):
    """Where the list of proven statements goes; replaced when the pages are resolved."""


def _listing_pages(env):
    if not hasattr(env, "claims_listing_pages"):
        env.claims_listing_pages = set()
    return env.claims_listing_pages


class ProvenStatements(Directive):
    def run(self):
        env = self.state.document.settings.env
        _listing_pages(env).add(env.docname)
        return [proven_statements()]


def fill_proven_statements(app, doctree, fromdocname):
    _, _, proven = _state(app.env)
    for placeholder in doctree.findall(proven_statements):
        items = nodes.bullet_list()
        for docname in sorted(proven):
            for line, sentence, label, test in proven[docname]:
                paragraph = nodes.paragraph()
                title = app.env.titles[docname].astext() if docname in app.env.titles else docname
                paragraph += nodes.reference("", title, internal=True,
                                             refuri=app.builder.get_relative_uri(fromdocname, docname))
                paragraph += nodes.Text(f" (line {line}): \u201c{sentence}\u201d Proven by ")
                paragraph += nodes.literal("", test)
                paragraph += nodes.Text(f", run on {label}.")
                items += nodes.list_item("", paragraph)
        if not items.children:
            placeholder.replace_self(nodes.paragraph("", "No page has a proven statement yet."))
        else:
            placeholder.replace_self(items)


def pages_listing_proven(app, env, added, changed, removed):
    """A page that lists the proven statements is outdated whenever another page is (sphinx-autobuild)."""
    if not (added or changed or removed):
        return []
    return sorted(_listing_pages(env) - set(changed) - set(removed))


def setup(app):
    # The advice list: sentences that name another system but are the guide's own advice.
    app.add_config_value("claims_own_advice", "own-advice.toml", "env")
    # {page: why its sentences are not statements to the reader about another system}
    app.add_config_value("claims_exempt_pages", {}, "env")
    app.add_node(proven_statements)
    app.add_directive("proven-statements", ProvenStatements)
    app.connect("builder-inited", load_advice)
    # After the roles made their nodes, before sources.py appends the "Sources" list (priority 400).
    app.connect("doctree-read", check_doctree, priority=300)
    app.connect("doctree-resolved", fill_proven_statements)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", report)
    app.connect("env-get-outdated", pages_listing_proven)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
