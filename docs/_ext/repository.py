"""The guide's own repository address, set once in conf.py and written into the pages.

``|repository_url|`` anywhere in a page's source (prose, a link target, a
code block) becomes conf.py's ``repository_url`` before the page is parsed,
so the Deploy to Heroku button and the ``git clone`` command of
docs/deploy-the-example.rst name the same repository. While conf.py still
holds the placeholder, the build prints that the maintainers must set it.
"""

from sphinx.util import logging

logger = logging.getLogger(__name__)

TOKEN = "|repository_url|"
PLACEHOLDER = "https://github.com/OWNER/REPOSITORY"


def substitute(app, docname, source):
    source[0] = source[0].replace(TOKEN, app.config.repository_url)


def say_if_unset(app, config):
    if config.repository_url == PLACEHOLDER:
        logger.info(f"repository_url is still {PLACEHOLDER} in conf.py: the Deploy to Heroku button "
                    "and the clone command point nowhere until a maintainer sets it")


def setup(app):
    app.add_config_value("repository_url", PLACEHOLDER, "env")
    app.connect("config-inited", say_if_unset)
    app.connect("source-read", substitute)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
