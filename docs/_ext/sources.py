"""Sources readers can see: a numbered link per statement and a list at the end of each page.

Every statement the guide makes about another system (Heroku, its buildpack
and CLI, Django, WhiteNoise, gunicorn, Read the Docs) carries a role naming
the source it was checked against::

    Eco is a flat monthly subscription :source:`heroku-eco`.

The sources live in one registry, ``docs/sources.toml``: for each id, the
address, what it supports and the date it was last checked, so a re-check is
a one-line change. The role renders ``[1]``, a link to the page's own
"Sources" list, which the extension appends to every page that cites
anything, with the date each source was checked.

The build warns (and ``sphinx-build -W`` fails) on an id the registry does
not have and on a registry entry no page cites. An entry checked more than 12
months before the build is not a failure but a re-check that is due: the
build prints those entries in red under "SOURCES TO CHECK AGAIN" (and, on
GitHub Actions, as a warning annotation), so a maintainer has the list.
"""

import datetime
import os
import tomllib
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.console import bold, red

logger = logging.getLogger(__name__)

REQUIRED = ("url", "title", "supports", "checked")


def load_registry(app):
    path = Path(app.srcdir) / app.config.sources_registry
    registry = tomllib.loads(path.read_text())
    for source_id, entry in registry.items():
        missing = [key for key in REQUIRED if key not in entry]
        if missing:
            logger.warning(
                f"{path.name}: source {source_id!r} lacks {', '.join(missing)}",
                type="sources", subtype="registry",
            )
        elif not isinstance(entry["checked"], datetime.date):
            logger.warning(
                f"{path.name}: source {source_id!r}: checked = {entry['checked']!r} is not a date (write 2026-11-22)",
                type="sources", subtype="registry",
            )
    app.env.sources_registry = registry
    app.env.sources_registry_path = str(path)


def _used(env):
    if not hasattr(env, "sources_used"):
        env.sources_used = {}
    return env.sources_used


def source_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """:source:`id` or :source:`id1,id2`: numbered links to this page's Sources list."""
    env = inliner.document.settings.env
    registry = env.sources_registry
    used = _used(env).setdefault(env.docname, [])
    result = []
    for source_id in (part.strip() for part in text.split(",")):
        if source_id not in registry:
            logger.warning(
                f"unknown source {source_id!r}: add it to {env.app.config.sources_registry}",
                type="sources", subtype="unknown", location=(env.docname, lineno),
            )
            result.append(nodes.problematic(rawtext, f"[{source_id}?]"))
            continue
        if source_id not in used:
            used.append(source_id)
        number = used.index(source_id) + 1
        reference = nodes.reference(
            "", f"[{number}]", internal=True, refid=f"source-{source_id}",
            reftitle=registry[source_id]["title"], classes=["source-ref"],
        )
        result.append(nodes.superscript("", "", reference))
    return result, []


def add_sources_section(app, doctree):
    """Append "Sources" to a page that cites anything: one numbered item per source, with its date."""
    env = app.env
    used = _used(env).get(env.docname)
    if not used:
        return
    registry = env.sources_registry
    dates = sorted(registry[source_id]["checked"] for source_id in used)
    section = nodes.section(ids=["sources"], names=["sources"], classes=["sources"])
    section += nodes.title("", "Sources")
    checked = (
        f"on {dates[0]:%d %B %Y}" if dates[0] == dates[-1]
        else f"between {dates[0]:%d %B %Y} and {dates[-1]:%d %B %Y}"
    )
    section += nodes.paragraph(
        "", f"The statements on this page about other systems were checked against these "
        f"sources {checked}. Each number in the text links here."
    )
    items = nodes.enumerated_list(enumtype="arabic", classes=["sources-list"])
    for source_id in used:
        entry = registry[source_id]
        item = nodes.list_item(ids=[f"source-{source_id}"])
        paragraph = nodes.paragraph()
        paragraph += nodes.reference("", entry["title"], refuri=entry["url"])
        paragraph += nodes.Text(f": {entry['supports']} (checked {entry['checked']:%d %B %Y})")
        item += paragraph
        items += item
    section += items
    # Inside the page's own top-level section, so it is a part of the page, not a second page title.
    top = next((node for node in doctree.children if isinstance(node, nodes.section)), doctree)
    top += section


def purge(app, env, docname):
    _used(env).pop(docname, None)


def merge(app, env, docnames, other):
    for docname in docnames:
        if docname in _used(other):
            _used(env)[docname] = _used(other)[docname]


def check_registry(app, env):
    """Every entry is cited somewhere; list those checked more than 12 months ago."""
    cited = {source_id for ids in _used(env).values() for source_id in ids}
    for source_id in env.sources_registry:
        if source_id not in cited:
            logger.warning(
                f"{Path(env.sources_registry_path).name}: source {source_id!r} is cited by no page: "
                f"cite it or remove it from the registry",
                type="sources", subtype="unused",
            )
    report_stale(app, env.sources_registry, datetime.date.today())


def twelve_months_before(day):
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def report_stale(app, registry, today):
    """Name, loudly but not as a warning (the build runs with -W), every source checked over 12 months ago."""
    limit = twelve_months_before(today)
    stale = sorted(
        (entry["checked"], source_id) for source_id, entry in registry.items()
        if isinstance(entry.get("checked"), datetime.date) and entry["checked"] < limit
    )
    if not stale:
        oldest = min((entry["checked"] for entry in registry.values()), default=None)
        logger.info(f"Sources: {len(registry)} in the registry, none checked before {limit} (oldest check: {oldest}).")
        return
    # A re-check is due, not a broken build: printed as information, in colour, with a
    # GitHub Actions annotation when CI runs there, so the list is seen without failing -W.
    logger.info(bold(red(f"SOURCES TO CHECK AGAIN: {len(stale)} checked more than 12 months ago (before {limit}):")))
    for checked, source_id in stale:
        entry = registry[source_id]
        logger.info(red(f"  {source_id} (checked {checked}): {entry['url']}"))
        if os.environ.get("GITHUB_ACTIONS") == "true":
            print(f"::warning file=docs/{app.config.sources_registry},title=Source to check again::"
                  f"{source_id} was last checked on {checked}: {entry['url']}")
    logger.info(red(f"  Check each against its source, then change its `checked` date in docs/{app.config.sources_registry}."))


def setup(app):
    app.add_config_value("sources_registry", "sources.toml", "env")
    app.connect("builder-inited", load_registry)
    app.add_role("source", source_role)
    # Before the table-of-contents collector (priority 500), so "Sources" shows in the sidebar.
    app.connect("doctree-read", add_sources_section, priority=400)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", check_registry)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
