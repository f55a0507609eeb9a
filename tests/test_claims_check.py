"""The claims check (docs/_ext/claims_check.py) fails a build on what it exists to catch.

Each test builds a one-page guide with the real extensions and sphinx-build
-W, as the docs build does, in a temporary folder: on one page, a statement
about Heroku with no source, a figure typed instead of rendered, and a
listed piece of advice that no longer matches its sentence each fail the
build with the page and the line; a page with the sentences sourced, listed
or phrased as an instruction builds.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = "steps/11-run-the-app"

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "docs" / "_ext")!r})
extensions = ["claims"]
"""

REGISTRY = """
[heroku-dynos]
title = "Heroku Dev Center: Dyno Restarts"
url = "https://devcenter.heroku.com/articles/dyno-restarts"
supports = "dynos restart at least once a day"
checked = 2026-12-03
values = { sigkill_after = "30 seconds" }
"""


def build(tmp_path, page, advice="advice = []"):
    """sphinx-build -W on a guide of one page; (exit status, what it printed)."""
    source = tmp_path / "docs"
    (source / "steps").mkdir(parents=True)
    files = {"conf.py": CONF, "sources.toml": REGISTRY, "own-advice.toml": advice, "index.rst": f".. toctree::\n\n   {PAGE}\n",
             f"{PAGE}.rst": "Running the app\n===============\n\n" + page}
    for name, text in files.items():
        (source / name).write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html",
         str(source), str(tmp_path / "html")],
        capture_output=True, text=True, check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_an_unsourced_statement_a_typed_figure_and_stale_advice_fail_the_build_with_page_and_line(tmp_path):
    page = (
        "Take a backup first.\nHeroku restarts dynos every 24 hours.\n\n"
        "Keep graceful_timeout under 30 seconds, the SIGKILL delay.\n"
    )
    advice = '[[advice]]\npage = "steps/11-run-the-app"\nstarts = "Gone"\nreason = "was advice"\n'
    status, output = build(tmp_path, page, advice)
    assert status != 0
    for expected in (
        f"{PAGE}.rst:5: WARNING: a statement about Heroku with no source: 'Heroku restarts dynos every 24 hours.'",
        "'30 seconds' is typed, but docs/sources.toml records it: write :platform:`heroku-dynos.sigkill_after`",
        "advice entry 1 (steps/11-run-the-app: 'Gone') matches no unmarked sentence",
    ):
        assert expected in output, output


def test_a_sourced_listed_or_instructed_statement_builds(tmp_path):
    page = (
        "Heroku restarts dynos at least once a day :source:`heroku-dynos`.\n"
        "Heroku sends SIGKILL :platform:`heroku-dynos.sigkill_after` after SIGTERM.\n"
        "Keep gunicorn's graceful_timeout under that.\n"
        "A short HSTS duration on Heroku is the safer start.\n"
    )
    advice = (
        '[[advice]]\npage = "steps/11-run-the-app"\nstarts = "A short HSTS duration"\n'
        'reason = "the guide\'s own advice"\n'
    )
    status, output = build(tmp_path, page, advice)
    assert status == 0, output
