"""Sphinx configuration for the guide. Every file it shows is included from ../example and the root.

The build needs no network: no intersphinx, no remote images. Run it as CI
and Read the Docs do, with warnings as errors:

    sphinx-build -W -n --keep-going -b html docs docs/_build/html
"""

project = "Deploying Django on Heroku"
author = "The guide's maintainers"
copyright = "2026, the guide's maintainers"

# The browser tab and the top of the sidebar read "Deploying Django on
# Heroku", not Sphinx's default "<project> <release> documentation".
html_title = project
html_short_title = "Django on Heroku"

import sys
from pathlib import Path

# The guide's own extensions (sources.py: numbered, dated sources per page;
# bench_figures.py: figures from the committed bench run; example_values.py:
# values quoted from the example; claims.py: platform figures recorded with
# their source, and statements proven by a check; flow_diagrams.py: step 1's diagrams;
# placement.py: where each file block goes, and no marker text shown;
# reading_budget.py: the words before the first push, counted and capped;
# admonition_titles.py: no box headed only "Note" or "Warning";
# repository.py: this repository's address, for the Deploy to Heroku button;
# accessible_theme.py: the theme's markup that axe-core rejects, fixed).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

extensions = [
    "sphinx_copybutton",
    "sphinx_tabs.tabs",
    "sphinx_design",
    "sources",
    "claims",
    "example_values",
    "bench_figures",
    "flow_diagrams",
    "placement",
    "reading_budget",
    "admonition_titles",
    "repository",
    "accessible_theme",
]

# The repository's public address (a GitHub URL, as Heroku's button needs
# it), written wherever a page says |repository_url|: the Deploy to Heroku
# button and the clone command of deploy-the-example.rst. Left at this
# placeholder, repository.py takes it from the GitHub clone URL Read the Docs
# builds from; set it here to publish from anywhere else.
repository_url = "https://github.com/OWNER/REPOSITORY"

# Every cross-reference must resolve, on Read the Docs as in `sphinx-build -n`.
nitpicky = True

# The guide's own pages only: no README or build output is read as a page.
exclude_patterns = ["_build"]

# Plain ``text`` in reStructuredText is a literal, never a guessed reference.
default_role = "literal"

html_theme = "sphinx_rtd_theme"
html_theme_options = {
    # Each step's sections stay visible in the sidebar.
    "navigation_depth": 3,
    "prev_next_buttons_location": "both",
}
# No "View page source" link: every file shown is in the repository already.
html_show_sourcelink = False
# No "Built with Sphinx using a theme" line: the theme writes it in the footer
# outside any landmark, which axe-core's region check rejects on every page.
html_show_sphinx = False

# The guide's own CSS and script over the theme's (docs/_static/): colours
# that pass WCAG's contrast, code that fits a phone, scrolling blocks a
# keyboard can reach, and the platform tab choice kept across visits.
html_static_path = ["_static"]
html_css_files = ["guide.css"]
html_js_files = ["guide.js"]

# sphinx-copybutton: a command block copies the commands only. Shell blocks
# are written with a "$ " prompt (``console``) or a "PS> " prompt
# (``ps1con``); the button strips the prompt and leaves out output lines, so
# a reader pastes exactly what to run. A block with no prompt at all (a
# file's contents) is copied whole.
copybutton_prompt_text = r"\$ |PS> "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_remove_prompts = True
# A command continued with a trailing backslash is copied with its next line.
copybutton_line_continuation_character = "\\"

# sphinx-tabs: group tabs ("Linux and macOS", "Windows") share the reader's
# choice on every page; _static/guide.js keeps it across visits. Clicking the
# open tab again does nothing, instead of hiding every panel.
sphinx_tabs_disable_tab_closing = True

# claims.py: software a :checked: mark may name that no requirements file pins.
checked_software = {
    "heroku-cli": "the Heroku CLI 11 (npm heroku@11)",
    "postgresql": "PostgreSQL 15",
}

# claims_check.py: every statement about another system carries a source or
# a proven mark, and no page types a figure sources.toml records.
claims_exempt_pages = {
    # How the project's checks work, for those who maintain it: its sentences
    # about Heroku say what the checks emulate, not what a reader should rely on.
    "maintainers": "the project's own workings",
}

# reading_budget.py: at most this many words before the first `git push heroku`,
# and each group of pages within its share (docname patterns, fnmatch).
reading_budget_words = 4000
reading_budget_shares = [
    ("the home page", ["index"], 600),
    ("steps 1 to 5", ["steps/0[1-5]-*"], 1900),
    ("steps 6 to 10", ["steps/0[6-9]-*", "steps/10-*"], 1400),
]
