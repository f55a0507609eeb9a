"""The :bench: role: a figure from the committed bench run, by name, so prose never types a measurement twice.

`nox -s bench` (tests/bench/run.py) writes docs/_measurements/bench.json, with
every figure the pages quote under "figures", already formatted:
:bench:`a.database_page.rps` reads the guide's requests per second on the
database page, :bench:`date` the run's date. An unknown name fails the
build and suggests the nearest names. Pages that use the role are rebuilt
when bench.json changes.
"""

import difflib
import json
from pathlib import Path

from docutils import nodes

BENCH_JSON = Path(__file__).resolve().parents[1] / "_measurements" / "bench.json"


def bench_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    inliner.document.settings.env.note_dependency(str(BENCH_JSON))
    figures = json.loads(BENCH_JSON.read_text())["figures"]
    if text not in figures:
        close = difflib.get_close_matches(text, figures, n=3)
        message = inliner.reporter.error(
            f"unknown bench figure {text!r}: not among the {len(figures)} figures of {BENCH_JSON.name}"
            + (f"; did you mean {' or '.join(map(repr, close))}?" if close else "; run `nox -s bench`?"),
            line=lineno,
        )
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.Text(figures[text])], []


def setup(app):
    app.add_role("bench", bench_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
