"""What the pages say of the example and the repository, read from the pages and compared with them.

A page that says what the example sets or prints (a count, a limit, a
duration, a list of names) must change when the example does. Values that
can be rendered at build time come from the example through the docs'
``:example:`` role; the rest are read here from the page's prose and shown
outputs (tests/pages.py) and checked against the example's settings, files
and output, so that changing the value in the example alone fails this
test. The last tests check, against the repository itself, what steps 1, 2
and 5 tell the reader they will see.
"""

import hashlib
import json
import re
import subprocess
from functools import cache

import django
import pytest
from django.conf import settings
from heroku import procfile_commands, production_config_vars, tracked_files
from pages import DOCS, ROOT, read_guide, read_page

EXAMPLE = ROOT / "example"
PINNED_DJANGO = re.search(r"^Django==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M | re.I).group(1)


@cache
def prose(name):
    """The page's running text as a reader reads it (tests/pages.py), whitespace collapsed."""
    return " ".join(" ".join(part.text.split()) for part in read_page(DOCS / name).prose())


@cache
def commands(name):
    """The page's console commands, each with the output it shows."""
    return [command for block in read_page(DOCS / name).blocks for command in block.commands()]


def quoted(pattern, *names, outputs=False):
    """Every match of `pattern` in the named pages' prose (or shown outputs), as (page, match); at least one."""
    texts = [
        (name, text) for name in names
        for text in ([line for c in commands(name) for line in c.output] if outputs else [prose(name)])
    ]
    found = [(name, match) for name, text in texts for match in re.finditer(pattern, text)]
    assert found, f"no page of {names} quotes {pattern!r}: update this test with the page"
    return found


# {what: (its value in the settings, the pattern of a shown output that prints it, the pages showing that output)}
PRINTED_SETTINGS = {
    "the silenced-check count": (lambda: len(settings.SILENCED_SYSTEM_CHECKS), r"System check identified no issues \((\d+) silenced\)\.",
                                 ("steps/03-settings.rst", "steps/10-deploy.rst")),
    "CONN_MAX_AGE": (lambda: settings.DATABASES["default"]["CONN_MAX_AGE"], r"^\s*sqlite (\d+) True$", ("steps/04-database.rst",)),
    "SECURE_HSTS_SECONDS": (lambda: settings.SECURE_HSTS_SECONDS, r"Strict-Transport-Security: max-age=(\d+)",
                            ("steps/09-test-locally.rst",)),
}


@pytest.mark.parametrize("what", PRINTED_SETTINGS)
def test_a_setting_a_shown_output_prints_is_the_settings_value(what):
    value, pattern, pages = PRINTED_SETTINGS[what]
    for name, match in quoted(pattern, *pages, outputs=True):
        assert int(match[1]) == value(), f"{name} shows {match[0].strip()!r}; {what} is {value()} in the settings"


def test_the_shortest_secret_key_on_the_page_is_the_one_the_example_accepts(python):
    (name, match), = quoted(r"or with one shorter than (\d+) characters", "steps/03-settings.rst")
    shortest = int(match[1])
    accepted, refused = (python.manage("check", **production_config_vars(DJANGO_SECRET_KEY="k" * length))
                         for length in (shortest, shortest - 1))
    assert accepted.returncode == 0 and refused.returncode != 0, f"{name}: {match[0]!r}"
    assert f"shorter than {shortest} characters" in refused.stderr, refused.stderr


def test_the_sample_staff_on_the_pages_are_the_fixture():
    fixture = json.loads((EXAMPLE / "calibration" / "fixtures" / "sample_staff.json").read_text())
    names = [record["fields"]["name"] for record in fixture]
    sentence = ", ".join(names[:-1]) + " and " + names[-1]
    for name in ("steps/09-test-locally.rst", "steps/10-deploy.rst"):
        assert sentence in prose(name), f"{name} does not list {sentence!r}"


def test_the_frozen_versions_on_the_requirements_page_are_the_pins():
    pins = sorted(
        line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    shown = [c.output for c in commands("steps/07-requirements.rst") if c.text.endswith("pip freeze") and c.output]
    assert len(shown) == 2, shown  # the Linux and macOS tab and the Windows tab
    for output in shown:
        # pip freeze names packages without their extras: psycopg[binary] is psycopg.
        assert sorted(line.strip() for line in output if line.strip()) == sorted(re.sub(r"\[.*?\]", "", p) for p in pins)


def test_the_collectstatic_counts_on_the_pages_are_what_collectstatic_prints(built_slug):
    # The tests' one collectstatic run (conftest.py), into an empty folder as in a build.
    printed = re.search(r"(\d+) static files copied to .*, (\d+) post-processed\.", built_slug.collectstatic_output)
    assert printed, built_slug.collectstatic_output
    pages = ("steps/05-static-files.rst", "steps/10-deploy.rst")
    for name, match in quoted(r"(\d+) static files copied to '[^']*', (\d+) post-processed\.", *pages, outputs=True):
        # The admin's files are most of the count: it holds for the Django release requirements.txt pins.
        if django.get_version() == PINNED_DJANGO:
            assert match.groups() == printed.groups(), f"{name} says {match[0]!r}; collectstatic printed {printed[0]!r}"


def test_the_database_url_typo_on_step_4_prints_what_the_page_shows(python):
    (typo,) = [c for c in commands("steps/04-database.rst") if c.words()[:1] and c.words()[0].startswith("DATABASE_URL=")]
    url = typo.words()[0].partition("=")[2]
    assert typo.words()[1:] == ["python", "example/manage.py", "check"], typo.text
    shown = [line for c in commands("steps/04-database.rst") for line in c.output if line.startswith("Configuration error:")]
    assert shown, "step 4 shows no configuration error"
    result = python.manage("check", **production_config_vars(DATABASE_URL=url))
    for line in shown:  # the Linux and macOS tab and the Windows tab
        assert result.stderr.strip() == line, f"step 4 shows {line!r}; the example prints {result.stderr!r}"


# --- What steps 1, 2 and 5 say the reader will see ----------------------------


def test_step_1_procfile_has_a_gunicorn_web_process_and_a_migrating_release(python):
    commands = procfile_commands(ROOT)
    assert set(commands) == {"web", "release"}, commands
    web = commands["web"].split()
    assert web[0] == "gunicorn", commands["web"]
    config = ROOT / web[web.index("--config") + 1]
    assert config.is_file(), f"the web process's --config names {config}, which does not exist"
    # gunicorn imports the module from --chdir's folder (where `python` runs), and its `application`
    # unless the line names another attribute: Django's WSGI handler, with a dyno's config vars.
    assert "--chdir" in web and ROOT / web[web.index("--chdir") + 1] == EXAMPLE, commands["web"]
    module, _, attribute = web[-1].partition(":")
    code = f"import {module}; print(type({module}.{attribute or 'application'}).__name__)"
    loaded = python("-c", code, **production_config_vars())
    assert loaded.stdout.strip() == "WSGIHandler", f"the web process loads {web[-1]}: {loaded.stderr}"
    assert re.search(r"manage\.py migrate\b", commands["release"]), commands["release"]


def test_step_2_git_tracks_every_file_heroku_needs():
    needed = ["Procfile", "requirements.txt", "runtime.txt", "example/manage.py", "example/staff/wsgi.py"]
    tracked = tracked_files(ROOT, needed)
    assert sorted(tracked) == sorted(needed), f"step 2 says git tracks {needed}; git tracks {tracked}"


def test_step_2_the_build_finds_example_manage_py(built_slug):
    # tests/heroku's build looks as the buildpack does (find . -maxdepth 3 -name manage.py, shallowest
    # first, two at one depth refused) among the files `git push` sends.
    assert built_slug.manage_py == "example/manage.py"


def test_step_2_gitignore_keeps_local_state_out():
    (check,) = [c for c in commands("steps/02-prepare-the-repository.rst") if c.words()[:2] == ["git", "check-ignore"]]
    result = subprocess.run(check.words(), cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.splitlines() == check.output, f"step 2's `{check.text}` shows {check.output}: {result}"


def test_step_5_hashed_names_in_the_guide_are_what_collectstatic_makes():
    """ManifestStaticFilesStorage names a file with the first 12 hex digits of its content's MD5."""
    hashed_name = re.compile(r"\b([\w-]+)\.([0-9a-f]{12})\.(css|js|svg|png)\b")
    mentioned = {
        (page.name, *match.groups()) for page in read_guide()
        for text in [prose.text for prose in page.prose()] + [block.text for block in page.blocks]
        for match in hashed_name.finditer(text)
    }
    assert mentioned, "step 5 shows a hashed file name; none was found in the pages"
    problems = []
    for page, stem, digest, suffix in sorted(mentioned):
        made = [hashlib.md5(path.read_bytes()).hexdigest()[:12] for path in (EXAMPLE / "static").rglob(f"{stem}.{suffix}")]
        if made != [digest]:
            makes = ", ".join(f"{stem}.{name}.{suffix}" for name in made) or "no such file"
            problems.append(f"docs/{page}: {stem}.{digest}.{suffix}, but collectstatic makes {makes}")
    assert not problems, "\n".join(problems)
