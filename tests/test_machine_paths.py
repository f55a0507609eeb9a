"""No committed file names a folder of the machine it was written on: a clone elsewhere must not depend on one."""

import os
import re
from pathlib import Path

from heroku import source_files

ROOT = Path(__file__).resolve().parent.parent
# This checkout, the home folder of whoever runs the check, and the top
# folder of the machines this project is worked on (its worktrees and the
# team's shared reference live there).
MACHINE_PATH = re.compile(
    "|".join(re.escape(f"{folder}/") for folder in {ROOT, Path(os.path.expanduser("~"))} if folder != Path("/"))
    + r"|(?<![\w.~-])/wor" + "k/"  # written in two parts, so this file does not match itself
)


def test_no_file_git_would_send_holds_an_absolute_path_of_this_machine():
    found = []
    for name in source_files(ROOT):
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an image
        for number, line in enumerate(text.splitlines(), start=1):
            match = MACHINE_PATH.search(line)
            if match:
                found.append(f"{name}:{number}: {match.group(0)!r} in {line.strip()[:120]!r}")
    assert not found, "absolute paths of a machine in the repository (use a path relative to it):\n" + "\n".join(found)
