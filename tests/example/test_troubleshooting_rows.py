"""Troubleshooting rows that this machine can reproduce, each checked against the page's own words.

The messages are read from docs/troubleshooting.rst (the row's section,
found by its label, by tests/pages.py), so a page and an app that drift apart fail here. Rows
only Heroku can produce (R10, R14, a refused build) are not reproduced; the
page says where their messages come from.
"""

import re
import subprocess
import sys

import pytest
from django.templatetags.static import static
from django.test import override_settings
from heroku import production_config_vars, scrubbed_environment
from pages import DOCS, ROOT, read_page

EXAMPLE = ROOT / "example"
PAGE = read_page(DOCS / "troubleshooting.rst")


def text_blocks(label):
    return [block.text.strip() for block in PAGE.section(label).blocks(PAGE) if block.language == "text"]


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
    section = PAGE.section("troubleshooting-manifest-entry")
    (shown,) = [
        command.words() for block in section.blocks(PAGE) for command in block.commands()
        if command.text.startswith("python example/manage.py findstatic ")
    ]
    command = shown[2:]
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=EXAMPLE,
        env={**scrubbed_environment(), **production_config_vars()},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"Found '{command[1]}' here:" in result.stdout
    assert str(EXAMPLE / "static" / command[1]) in result.stdout


def test_no_such_table_without_migrate(tmp_path):
    """A database nobody migrated: the page's 'no such table' (SQLite)."""
    assert "no such table" in PAGE.section("troubleshooting-release").literals()
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from calibration.models import StaffMember; print(StaffMember.objects.count())"],
        cwd=EXAMPLE,
        env={**scrubbed_environment(), **production_config_vars(DATABASE_URL=f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "no such table: calibration_staffmember" in result.stderr
