"""The guide shows only real files: checks on the pages' sources, with no Sphinx build and no Django.

Every block that shows a file of the example is a ``literalinclude`` selected
by paired markers (``# [start:NAME]`` ... ``# [end:NAME]``) or ``:pyobject:``.
Sphinx only warns about a missing file or marker, takes the first line that
contains a marker, and cannot notice a pasted copy or a ``:lines:`` range that
has drifted; these tests catch each of those. The last tests check, against
the repository itself, what steps 1, 2 and 5 tell the reader they will see.
"""

import ast
import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from heroku import procfile_commands, tracked_files
from pages import read_guide

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example"
GUIDE = read_guide()

# Files of the example outside example/: what Heroku reads at the root.
ROOT_FILES = (
    "Procfile",
    "runtime.txt",
    ".python-version",
    "requirements.txt",
    ".env.example",
    ".gitignore",
)
# Output of builds and runs inside example/, never shown by the guide.
GENERATED = {"staticfiles", "__pycache__", ".pytest_cache"}
GENERATED_SUFFIXES = {".pyc", ".sqlite3", ".gz", ".br"}

MARKER = re.compile(r"\[(start|end):([A-Za-z0-9_.-]+)\]")

# Blocks in these languages are commands and their output, written inline on
# purpose. Every other literal block is checked for pasted file content.
SESSION_LANGUAGES = {"console", "ps1con", "pwsh-session", "shell-session", "doscon"}
# A line this long (once stripped) is too specific to appear in a page and
# in a file of the example by chance: "python-3.13" is, "import os" is not.
SIGNIFICANT_LINE = 10


def example_files():
    """{path relative to the repository: text} for every text file of the example."""
    files = {}
    candidates = [ROOT / name for name in ROOT_FILES]
    candidates += sorted(EXAMPLE.rglob("*"))
    for path in candidates:
        relative = path.relative_to(ROOT)
        if not path.is_file() or GENERATED & set(relative.parts):
            continue
        if path.suffix in GENERATED_SUFFIXES:
            continue
        try:
            files[relative.as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an image or another binary file: nothing to include
    return files


def markers():
    """[(marker text, kind, name, file, line number)] for every marker in the example."""
    found = []
    for name, text in example_files().items():
        for number, line in enumerate(text.splitlines(), start=1):
            for match in MARKER.finditer(line):
                found.append((match.group(0), match.group(1), match.group(2), name, number))
    return found


def literalincludes():
    """[(page, line number, resolved target path, options)] for every literalinclude of the guide."""
    return [(page.name, block.line, block.target, block.options) for page in GUIDE for block in page.includes()]


# --- Markers ------------------------------------------------------------------


def test_the_example_has_markers_and_the_guide_has_includes():
    """Guard the tests below against passing because they found nothing to check."""
    assert len(markers()) >= 2
    assert len(literalincludes()) >= 1
    assert "staff/settings.py" in " ".join(example_files())


def test_each_marker_appears_once_in_the_example():
    """Sphinx takes the first line containing a marker, so a second copy would be picked silently."""
    seen = {}
    for text, _kind, _name, path, number in markers():
        seen.setdefault(text, []).append(f"{path}:{number}")
    duplicates = {text: places for text, places in seen.items() if len(places) > 1}
    assert not duplicates, f"markers that appear more than once: {duplicates}"


def test_each_marker_is_paired_start_before_end_in_one_file():
    starts, ends = {}, {}
    for _text, kind, name, path, number in markers():
        (starts if kind == "start" else ends)[name] = (path, number)
    problems = []
    for name in sorted(starts.keys() | ends.keys()):
        if name not in ends:
            problems.append(f"[start:{name}] at {starts[name][0]}:{starts[name][1]} has no [end:{name}]")
        elif name not in starts:
            problems.append(f"[end:{name}] at {ends[name][0]}:{ends[name][1]} has no [start:{name}]")
        elif starts[name][0] != ends[name][0]:
            problems.append(f"[start:{name}] is in {starts[name][0]} but [end:{name}] in {ends[name][0]}")
        elif starts[name][1] >= ends[name][1]:
            problems.append(f"[end:{name}] comes before [start:{name}] in {starts[name][0]}")
    assert not problems, "\n".join(problems)


def test_each_marker_is_used_by_some_page():
    """A region no page shows is either dead or a page forgot it."""
    used = set()
    for _page, _number, target, options in literalincludes():
        selectors = {"start-after", "end-before", "pyobject", "lines"} & set(options)
        if not selectors and target.is_file():
            # The whole file is shown, every region with it.
            for match in MARKER.finditer(target.read_text(encoding="utf-8")):
                used.add((target, match.group(2)))
        for option in ("start-after", "end-before"):
            for match in MARKER.finditer(options.get(option, "")):
                used.add((target, match.group(2)))
    unused = sorted(
        f"[{kind}:{name}] in {path}"
        for _text, kind, name, path, _number in markers()
        if kind == "start" and ((ROOT / path).resolve(), name) not in used
    )
    assert not unused, "regions no page includes:\n" + "\n".join(unused)


# --- Includes -----------------------------------------------------------------


def test_each_literalinclude_target_exists():
    missing = [
        f"docs/{page}:{number}: {target}"
        for page, number, target, _options in literalincludes()
        if not target.is_file()
    ]
    assert not missing, "literalinclude of a missing file:\n" + "\n".join(missing)


def test_each_include_selects_a_region_of_the_file_it_names():
    """Start and end are the two halves of one marker pair, found once in the target."""
    problems = []
    for page, number, target, options in literalincludes():
        where = f"docs/{page}:{number}"
        if not target.is_file():
            continue  # reported by test_each_literalinclude_target_exists
        text = target.read_text(encoding="utf-8")
        start, end = options.get("start-after"), options.get("end-before")
        for option, value in (("start-after", start), ("end-before", end)):
            if value is None:
                continue
            if not MARKER.search(value):
                problems.append(f"{where}: :{option}: {value!r} is not a marker")
            elif text.count(value) != 1:
                problems.append(f"{where}: :{option}: {value!r} occurs {text.count(value)} times in the file")
        if start and end and MARKER.search(start) and MARKER.search(end):
            if MARKER.search(start).groups() != ("start", MARKER.search(end).group(2)):
                problems.append(f"{where}: {start!r} and {end!r} are not one pair")
        if "pyobject" in options:
            tree = ast.parse(text)
            names = {
                node.name
                for node in ast.walk(tree)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            }
            if options["pyobject"].split(".")[-1] not in names:
                problems.append(f"{where}: no {options['pyobject']} in {target.name}")
    assert not problems, "\n".join(problems)


def test_each_include_has_a_caption_naming_the_file():
    """The caption is the path as the reader has it: example/staff/settings.py, Procfile."""
    problems = []
    for page, number, target, options in literalincludes():
        expected = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else None
        caption = options.get("caption", "")
        if not expected or not caption.startswith(expected):
            problems.append(f"docs/{page}:{number}: caption {caption!r}, expected it to name {expected}")
    assert not problems, "\n".join(problems)


def test_no_page_selects_lines_by_number():
    """:lines: shifts silently when a line is added above the region, and -W does not notice."""
    found = [f"docs/{page.name}:{block.line}" for page in GUIDE for block in page.blocks if "lines" in block.options]
    assert not found, "pages that select lines by number:\n" + "\n".join(found)


def test_no_block_written_in_a_page_copies_a_file_of_the_example():
    """A pasted copy drifts from the file; the page must include the file instead."""
    file_lines = {}
    for path, text in example_files().items():
        for line in text.splitlines():
            stripped = line.strip()
            if len(stripped) >= SIGNIFICANT_LINE and re.search(r"\w", stripped):
                file_lines.setdefault(stripped, path)
    copies = []
    for page in GUIDE:
        for block in page.blocks:
            if block.directive == "literalinclude" or block.language in SESSION_LANGUAGES:
                continue
            for line in block.text.splitlines():
                if line.strip() in file_lines:
                    copies.append(
                        f"docs/{page.name}:{block.line} ({block.language} block) repeats "
                        f"{file_lines[line.strip()]}: {line.strip()!r}"
                    )
    assert not copies, "\n".join(copies)


# --- What steps 1, 2 and 5 say the reader will see ----------------------------


def test_step_1_procfile_has_a_gunicorn_web_process_and_a_migrating_release():
    commands = procfile_commands(ROOT)
    assert set(commands) == {"web", "release"}, commands
    web = commands["web"].split()
    assert web[0] == "gunicorn", commands["web"]
    config = ROOT / web[web.index("--config") + 1]
    assert config.is_file(), f"the web process's --config names {config}, which does not exist"
    chdir = ROOT / web[web.index("--chdir") + 1] if "--chdir" in web else ROOT
    module, _, attribute = web[-1].partition(":")
    wsgi = chdir / (module.replace(".", "/") + ".py")
    assert wsgi.is_file(), f"the web process loads {web[-1]}, but {wsgi} does not exist"
    defined = {
        target.id
        for node in ast.walk(ast.parse(wsgi.read_text()))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert (attribute or "application") in defined, f"{wsgi} defines no {attribute or 'application'}"
    assert re.search(r"manage\.py migrate\b", commands["release"]), commands["release"]


def git(*args):
    result = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return result


def test_step_2_git_tracks_every_file_heroku_needs():
    needed = ["Procfile", "requirements.txt", "runtime.txt", "example/manage.py", "example/staff/wsgi.py"]
    tracked = tracked_files(ROOT, needed)
    assert sorted(tracked) == sorted(needed), f"step 2 says git tracks {needed}; git tracks {tracked}"


def test_step_2_the_build_finds_example_manage_py():
    """The buildpack's search: find . -maxdepth 3 -name manage.py, shallowest first."""
    found = sorted(
        (len(path.relative_to(ROOT).parts), path.relative_to(ROOT).as_posix())
        # Three levels deep, as -maxdepth 3: no walk through .nox's environments.
        for pattern in ("manage.py", "*/manage.py", "*/*/manage.py")
        for path in ROOT.glob(pattern)
        if not {".nox", ".venv", "venv", "node_modules"} & set(path.relative_to(ROOT).parts)
    )
    assert found and found[0][1] == "example/manage.py", found


@pytest.mark.parametrize("path", [".env", ".venv/", "example/db.sqlite3", "example/staticfiles/"])
def test_step_2_gitignore_keeps_local_state_out(path):
    result = git("check-ignore", path)
    assert result.stdout.strip() == path, (
        f"step 2 says `git check-ignore` prints {path}; it printed {result.stdout!r} "
        f"(exit {result.returncode}) {result.stderr}"
    )


def test_step_5_hashed_names_in_the_guide_are_what_collectstatic_makes():
    """ManifestStaticFilesStorage names a file with the first 12 hex digits of its content's MD5."""
    static = EXAMPLE / "static"
    mentioned = set()
    for page in GUIDE:
        for match in re.finditer(r"\b([\w-]+)\.([0-9a-f]{12})\.(css|js|svg|png)\b", page.text):
            mentioned.add((page.name, match.group(1), match.group(2), match.group(3)))
    assert mentioned, "step 5 shows a hashed file name; none was found in the pages"
    problems = []
    for page, stem, digest, suffix in sorted(mentioned):
        sources = list(static.rglob(f"{stem}.{suffix}"))
        if len(sources) != 1:
            problems.append(f"docs/{page}: {stem}.{digest}.{suffix} matches {len(sources)} files in example/static")
            continue
        actual = hashlib.md5(sources[0].read_bytes()).hexdigest()[:12]
        if actual != digest:
            problems.append(f"docs/{page}: {stem}.{digest}.{suffix}, but collectstatic now makes {stem}.{actual}.{suffix}")
    assert not problems, "\n".join(problems)
