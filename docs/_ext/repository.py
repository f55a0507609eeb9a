"""The guide's own repository address, set once and written into the pages.

``|repository_url|`` anywhere in a page's source (prose, a link target, a
code block) becomes the address before the page is parsed, so the Deploy to
Heroku button and the ``git clone`` command of docs/deploy-the-example.rst
name the same repository. The address is conf.py's ``repository_url``; left
at the placeholder, it is taken from the clone URL Read the Docs builds from
(``READTHEDOCS_GIT_CLONE_URL``, https or ssh, on GitHub, where Heroku's
button reads a repository). Elsewhere the build says that the placeholder is
still there.
"""

import os
import re

from sphinx.util import logging

logger = logging.getLogger(__name__)

TOKEN = "|repository_url|"
PLACEHOLDER = "https://github.com/OWNER/REPOSITORY"
GITHUB_CLONE_URL = re.compile(
    r"^(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)(?P<path>[\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)


def github_address(clone_url):
    """https://github.com/OWNER/REPOSITORY for a GitHub clone URL; None for any other."""
    match = GITHUB_CLONE_URL.match(clone_url.strip())
    return f"https://github.com/{match['path']}" if match else None


def substitute(app, docname, source):
    source[0] = source[0].replace(TOKEN, app.config.repository_url)


def choose_address(app, config):
    if config.repository_url != PLACEHOLDER:
        return
    address = github_address(os.environ.get("READTHEDOCS_GIT_CLONE_URL", ""))
    if address:
        config.repository_url = address
    else:
        logger.info(f"repository_url is still {PLACEHOLDER} in conf.py and this is no Read the Docs build of a "
                    "GitHub repository: the Deploy to Heroku button and the clone command point nowhere")


def setup(app):
    app.add_config_value("repository_url", PLACEHOLDER, "env")
    app.connect("config-inited", choose_address)
    app.connect("source-read", substitute)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
