"""Sphinx configuration for the guide. Every file it shows is included from ../example and the root."""

project = "Deploying Django on Heroku"
author = "The guide's maintainers"
copyright = "2026, the guide's maintainers"

extensions = [
    "sphinx_copybutton",
    "sphinx_tabs.tabs",
]

# Every cross-reference must resolve, on Read the Docs as in `sphinx-build -n`.
nitpicky = True

html_theme = "sphinx_rtd_theme"
exclude_patterns = ["_build"]
