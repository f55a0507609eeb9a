"""Values the pages quote from the example, read from the pages and compared with the example.

A page that says what the example sets or prints (a count, a limit, a
duration, a list of names) must change when the example does. Values that
can be rendered at build time come from the example through the docs'
``:example:`` role; the rest are read here from the page's text and checked
against the example's settings, files and output, so that changing the value
in the example alone fails this test.
"""

import json
import re
import subprocess
import sys

import django
from django.conf import settings
from heroku import production_config_vars, scrubbed_environment
from pages import DOCS, ROOT, read_page

EXAMPLE = ROOT / "example"
PINNED_DJANGO = re.search(r"^Django==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M | re.I).group(1)


def page(name):
    return read_page(DOCS / name).text


def quoted(pattern, *names):
    """Every match of `pattern` in the named pages, as (page, match); at least one."""
    found = [(name, match) for name in names for match in re.finditer(pattern, page(name), re.M)]
    assert found, f"no page of {names} quotes {pattern!r}: update this test with the page"
    return found


def test_the_silenced_check_count_is_the_settings_count():
    expected = len(settings.SILENCED_SYSTEM_CHECKS)
    for name, match in quoted(
        r"System check identified no issues \((\d+) silenced\)\.",
        "steps/03-settings.rst", "steps/10-deploy.rst",
    ):
        assert int(match[1]) == expected, f"{name} says {match[0]!r}; the settings silence {expected}"


def test_the_connection_lifetime_on_the_pages_is_the_settings_one():
    lifetime = settings.DATABASES["default"]["CONN_MAX_AGE"]
    for name, match in quoted(r"^\s+sqlite (\d+) True$", "steps/04-database.rst"):
        assert int(match[1]) == lifetime, f"{name}: {match[0].strip()!r}, CONN_MAX_AGE is {lifetime}"
    words = {600: "ten minutes", 300: "five minutes", 60: "one minute"}
    for name in ("steps/04-database.rst", "steps/11-run-the-app.rst"):
        assert words.get(lifetime, f"{lifetime} seconds") in " ".join(page(name).split()), (
            f"{name} does not say {words.get(lifetime)!r} for CONN_MAX_AGE={lifetime}"
        )


def test_the_hsts_header_on_the_pages_is_the_settings_one():
    seconds = settings.SECURE_HSTS_SECONDS
    for name, match in quoted(r"Strict-Transport-Security: max-age=(\d+)", "steps/09-test-locally.rst"):
        assert int(match[1]) == seconds, f"{name}: {match[0]!r}, SECURE_HSTS_SECONDS is {seconds}"
    if seconds == 365 * 24 * 3600:
        assert "here a year" in " ".join(page("steps/03-settings.rst").split())


def test_the_default_mail_port_on_the_troubleshooting_page_is_the_settings_one():
    (name, match), = quoted(r"Unset, the example uses (\d+)\.", "troubleshooting.rst")
    assert int(match[1]) == settings.EMAIL_PORT


def key_accepted(length):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=EXAMPLE,
        env={**scrubbed_environment(), **production_config_vars(DJANGO_SECRET_KEY="k" * length)},
        capture_output=True, text=True, timeout=60,
    )
    return result.returncode == 0


def test_the_shortest_secret_key_on_the_page_is_the_one_the_example_accepts():
    (name, match), = quoted(r"or with one shorter than (\d+) characters", "steps/03-settings.rst")
    shortest = int(match[1])
    assert key_accepted(shortest) and not key_accepted(shortest - 1), f"{name}: {match[0]!r}"


def test_the_sample_staff_on_the_pages_are_the_fixture():
    fixture = json.loads((EXAMPLE / "calibration" / "fixtures" / "sample_staff.json").read_text())
    names = [record["fields"]["name"] for record in fixture]
    sentence = ", ".join(names[:-1]) + " and " + names[-1]
    for name in ("steps/09-test-locally.rst", "steps/10-deploy.rst"):
        assert sentence in " ".join(page(name).split()), f"{name} does not list {sentence!r}"


def test_the_frozen_versions_on_the_requirements_page_are_the_pins():
    pins = sorted(
        line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    blocks = re.findall(r"pip freeze\n((?:\s+\S+==\S+\n)+)", page("steps/07-requirements.rst"))
    assert len(blocks) == 2, blocks
    for block in blocks:
        # pip freeze names packages without their extras: psycopg[binary] is psycopg.
        assert sorted(line.strip() for line in block.splitlines()) == sorted(
            re.sub(r"\[.*?\]", "", pin) for pin in pins
        )


def test_the_collectstatic_counts_on_the_pages_are_what_collectstatic_prints(collectstatic_printed):
    # The tests' one collectstatic run (conftest.py), into an empty folder as in a build.
    printed = re.search(r"(\d+) static files copied to .*, (\d+) post-processed\.", collectstatic_printed)
    assert printed, collectstatic_printed
    for name, match in quoted(
        r"(\d+) static files copied to '[^']*', (\d+) post-processed\.",
        "steps/05-static-files.rst", "steps/10-deploy.rst",
    ):
        # The admin's files are most of the count: it holds for the Django release requirements.txt pins.
        if django.get_version() == PINNED_DJANGO:
            assert match.groups() == printed.groups(), (
                f"{name} says {match[0]!r}; collectstatic printed {printed[0]!r}"
            )


def test_the_database_url_typo_on_step_4_prints_what_the_page_shows():
    (name, command), = quoted(r'^\s+\$ DATABASE_URL="([^"]+)" python example/manage.py check$', "steps/04-database.rst")
    shown = re.findall(r"^\s+(Configuration error: DATABASE_URL .*)$", page("steps/04-database.rst"), re.M)
    assert shown, "step 4 shows no configuration error"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=EXAMPLE,
        env={**scrubbed_environment(), **production_config_vars(DATABASE_URL=command[1])},
        capture_output=True, text=True, timeout=60,
    )
    for line in shown:  # the Linux and macOS tab and the Windows tab
        assert result.stderr.strip() == line, f"{name} shows {line!r}; the example prints {result.stderr!r}"
