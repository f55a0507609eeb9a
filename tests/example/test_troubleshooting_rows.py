"""Troubleshooting rows that this machine can reproduce, each checked against the page's own words.

The messages are read from docs/troubleshooting.rst (the row's section,
found by its label), so a page and an app that drift apart fail here. Rows
only Heroku can produce (R10, R14, a refused build) are not reproduced; the
page says where their messages come from.
"""

import re
import subprocess
import sys
import textwrap

import pytest
from django.templatetags.static import static
from django.test import override_settings
from dyno import EXAMPLE, ROOT, production_config_vars

PAGE = ROOT / "docs" / "troubleshooting.rst"


def section(label):
    match = re.search(
        rf"^\.\. _{re.escape(label)}:\n(.*?)(?=^\.\. _[\w-]+:\n|\Z)", PAGE.read_text(), re.M | re.S
    )
    assert match, f"{PAGE.name} has no section labelled {label!r}"
    return match.group(1)


def text_blocks(label):
    return [
        textwrap.dedent(block).strip()
        for block in re.findall(r"^\.\. code-block:: text\n\n((?:(?:   .*)?\n)+)", section(label), re.M)
    ]


def test_missing_manifest_entry_is_the_pages_message(tmp_path):
    """A build whose collectstatic did not run: {% static %} fails with the page's ValueError."""
    (expected,) = text_blocks("troubleshooting-manifest-entry")
    name = re.search(r"entry for '([^']+)'", expected).group(1)
    # No staticfiles.json: nothing was collected. override_settings makes
    # Django build the storage afresh, and it reads the manifest then.
    with override_settings(STATIC_ROOT=tmp_path), pytest.raises(ValueError) as raised:
        static(name)
    assert f"{type(raised.value).__name__}: {raised.value}" == expected


def test_findstatic_finds_the_file_the_page_names():
    page = section("troubleshooting-manifest-entry")
    command = re.search(r"\$ python example/manage.py (findstatic \S+)", page).group(1).split()
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=EXAMPLE,
        env={**production_config_vars(), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"Found '{command[1]}' here:" in result.stdout
    assert str(EXAMPLE / "static" / command[1]) in result.stdout


def test_no_such_table_without_migrate(tmp_path):
    """A database nobody migrated: the page's 'no such table' (SQLite)."""
    assert "``no such table``" in section("troubleshooting-release")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from calibration.models import StaffMember; print(StaffMember.objects.count())"],
        cwd=EXAMPLE,
        env={
            **production_config_vars(DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}"),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "no such table: calibration_staffmember" in result.stderr
