"""What a marker is, said once: the build drops it, the snippet checks allow it, the built-HTML check catches it.

A file of the example marks a region a page shows with a pair of comment
lines, each a line of its own::

    # [start:gunicorn-bind]        (Python, Procfile, requirements.txt, .env.example)
    {# [end:static-tag] #}          (a Django template)

A name is lower-case letters, digits, ``-``, ``_`` and ``.``. One pattern,
MARKER, is what a page's ``:start-after:`` and ``:end-before:`` may name,
and what docs/_ext/placement.py drops from every included text (as
MARKER_LINE). Text that looks like a marker (LOOKS_LIKE) and is not a
marker line (``# [start:DB]``, or a marker after code on its line) fails
tests/test_snippets.py, and the build when a page includes it: it would
reach a reader who copies the block. Any such text on a built page fails
the build.
"""

import re

NAME = r"[a-z0-9][a-z0-9_.-]*"
MARKER = re.compile(rf"\[(?P<kind>start|end):(?P<name>{NAME})\]")
# A line that is nothing but a marker comment: the only place a marker may stand.
MARKER_LINE = re.compile(rf"^[ \t]*(?:#|\{{#)[ \t]*{MARKER.pattern}[ \t]*(?:#\}})?[ \t]*(?:\n|\Z)", re.M)
# Anything a maintainer may have meant as a marker.
LOOKS_LIKE = re.compile(r"\[(?:start|end):[^\]\n]*\]")


def strip(text):
    """The text without its marker lines, as a page shows it."""
    return MARKER_LINE.sub("", text)


def stray(text):
    """[(line number, text)] of marker-like text that is not a marker line: it would reach a reader."""
    return [
        (number, found.group())
        for number, line in enumerate(text.splitlines(), start=1)
        if not MARKER_LINE.fullmatch(line)
        for found in LOOKS_LIKE.finditer(line)
    ]


def markers(text):
    """[(kind, name, line number)] of the marker lines of a text."""
    return [
        (found["kind"], found["name"], text.count("\n", 0, found.start()) + 1)
        for found in MARKER_LINE.finditer(text)
    ]
