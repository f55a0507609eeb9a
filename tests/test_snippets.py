"""The guide shows only real files, and the whole of them: checks on the pages' sources, with no Sphinx build.

Every block that shows a file of the example is a ``literalinclude`` selected
by paired markers (docs/_ext/markers.py) or ``:pyobject:``.
Sphinx only warns about a missing file or marker, takes the first line that
contains a marker, and cannot notice a pasted copy, a ``:lines:`` range that
has drifted, or a setting the pages never show; these tests catch each of
those. What the pages say of the repository and of the running example is
checked in tests/example/test_quoted_values.py.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import global_settings
from pages import example_values, markers, read_guide

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example"
GUIDE = read_guide()

# Files of the example outside example/: what Heroku reads at the root.
ROOT_FILES = ("Procfile", "runtime.txt", ".python-version", "requirements.txt", ".env.example", ".gitignore")
# Output of builds and runs inside example/, never shown by the guide.
GENERATED = {"staticfiles", "__pycache__", ".pytest_cache"}
GENERATED_SUFFIXES = {".pyc", ".sqlite3", ".gz", ".br"}
# The options that show a part of a file rather than the whole.
REGION_OPTIONS = {"start-after", "end-before", "start-at", "end-at", "pyobject", "lines"}

# Blocks in these languages are commands and their output, written inline on
# purpose. Every other literal block is checked for pasted file content.
SESSION_LANGUAGES = {"console", "ps1con", "pwsh-session", "shell-session", "doscon"}
# A line this long (once stripped) is too specific to appear in a page and
# in a file of the example by chance: "python-3.13" is, "import os" is not.
SIGNIFICANT_LINE = 10

# What a page says about the settings of a file shown in regions that no
# page shows: {(file, setting or region name): the page's sentence saying
# why}. The guide's own words, found in its text, so a page that drops the
# sentence fails here. What startproject writes unchanged is the reader's already.
UNCHANGED_FROM_STARTPROJECT = "The settings that no step shows are as startproject writes them"
NOT_SHOWN = {
    ("example/staff/settings.py", "INSTALLED_APPS"): "INSTALLED_APPS also lists its own app",
    ("example/staff/settings.py", "TEMPLATES"): "TEMPLATES also lists its own templates folder",
}

# ``name = value`` literals that state another value than the example's on purpose.
OTHER_VALUES = {
    "DEBUG = os.environ.get('DEBUG_VALUE') != 'False'",  # step 3: the older pattern
    "timeout = 30",  # step 6: gunicorn's defaults, seen when it did not read the file
    "workers = 1",
}


def example_files():
    """{path relative to the repository: text} for every text file of the example."""
    files = {}
    for path in [ROOT / name for name in ROOT_FILES] + sorted(EXAMPLE.rglob("*")):
        relative = path.relative_to(ROOT)
        if not path.is_file() or GENERATED & set(relative.parts) or path.suffix in GENERATED_SUFFIXES:
            continue
        try:
            files[relative.as_posix()] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an image or another binary file: nothing to include
    return files


def all_markers():
    """[(marker line, kind, name, file, line number)] for every marker line in the example."""
    return [
        (f"[{kind}:{name}]", kind, name, path, number)
        for path, text in example_files().items()
        for kind, name, number in markers.markers(text)
    ]


def literalincludes():
    """[(page, line number, resolved target path, options)] for every literalinclude of the guide."""
    return [(page.name, block.line, block.target, block.options) for page in GUIDE for block in page.includes()]


# --- Markers and includes -----------------------------------------------------


def test_markers_are_paired_once_each_and_stand_on_lines_of_their_own():
    """Sphinx takes the first line holding a marker, and a misspelt one (`# [start:DB]`, or one after code
    on its line) is neither a region nor dropped: it would reach a reader."""
    found = all_markers()
    assert len(found) >= 2 and len(literalincludes()) >= 1, "nothing to check: update this test with the example"
    places = {}
    for _text, kind, name, path, number in found:
        places.setdefault(name, {}).setdefault(kind, []).append((path, number))
    problems = [
        f"{path}:{number}: {text!r} is no marker line (docs/_ext/markers.py: a comment of its own, a lower-case name)"
        for path, text in example_files().items() for number, text in markers.stray(text)
    ]
    for name, kinds in sorted(places.items()):
        (start, *more_starts), (end, *more_ends) = kinds.get("start", [None]), kinds.get("end", [None])
        if more_starts or more_ends or not (start and end and start[0] == end[0] and start[1] < end[1]):
            problems.append(f"[start:{name}] and [end:{name}] are not one pair, each once, start first: {kinds}")
    assert not problems, "\n".join(problems)


def test_each_marker_is_used_by_some_page():
    """A region no page shows is either dead or a page forgot it."""
    used = set()
    for _page, _number, target, options in literalincludes():
        selectors = {"start-after", "end-before", "pyobject", "lines"} & set(options)
        if not selectors and target.is_file():
            # The whole file is shown, every region with it.
            used.update((target, name) for _, name, _ in markers.markers(target.read_text(encoding="utf-8")))
        for option in ("start-after", "end-before"):
            used.update((target, name) for _, name, _ in markers.markers(options.get(option, "")))
    used.update(((ROOT / path).resolve(), name) for path, name in NOT_SHOWN)  # a page says why not
    unused = sorted(
        f"[{kind}:{name}] in {path}"
        for _text, kind, name, path, _number in all_markers()
        if kind == "start" and ((ROOT / path).resolve(), name) not in used
    )
    assert not unused, "regions no page includes:\n" + "\n".join(unused)


def test_each_include_shows_an_existing_file_by_a_marker_pair_or_pyobject_under_its_path():
    """Start and end are one marker pair found once in the target; :lines: (which shifts silently when a
    line is added above the region) is refused; the caption is the path as the reader has it."""
    problems = []
    for page, number, target, options in literalincludes():
        where = f"docs/{page}:{number}"
        if not target.is_file():
            problems.append(f"{where}: literalinclude of a missing file, {target}")
            continue
        text = target.read_text(encoding="utf-8")
        if "lines" in options:
            problems.append(f"{where}: :lines: selects lines by number")
        found = {option: markers.markers(options[option]) for option in ("start-after", "end-before") if option in options}
        for option, value in found.items():
            if len(value) != 1 or text.count(options[option]) != 1:
                problems.append(f"{where}: :{option}: {options[option]!r} is not a marker line found once in the file")
        if len(found) == 2 and [(kind, name) for kind, name, _ in found["start-after"] + found["end-before"]] != [
            ("start", found["end-before"][0][1]), ("end", found["end-before"][0][1])
        ]:
            problems.append(f"{where}: {options['start-after']!r} and {options['end-before']!r} are not one pair")
        if "pyobject" in options:
            definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            names = {node.name for node in ast.walk(ast.parse(text)) if isinstance(node, definitions)}
            if options["pyobject"].split(".")[-1] not in names:
                problems.append(f"{where}: no {options['pyobject']} in {target.name}")
        expected = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else None
        if not expected or not options.get("caption", "").startswith(expected):
            problems.append(f"{where}: caption {options.get('caption')!r}, expected it to name {expected}")
    assert not problems, "\n".join(problems)


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


# --- Shown whole ---------------------------------------------------------------


@pytest.fixture(scope="module")
def startproject(tmp_path_factory):
    """The project `django-admin startproject staff` writes, with the Django the tests run on."""
    folder = tmp_path_factory.mktemp("startproject")
    subprocess.run([sys.executable, "-m", "django", "startproject", "staff", str(folder)], check=True)
    return folder


def shown_lines():
    """{file: the set of its lines some page shows}, as Sphinx reads each include."""
    shown = {}
    for page in GUIDE:
        for block in page.includes():
            if block.target.is_file():
                part = block.shown()
                shown.setdefault(block.target, set()).update(range(part.first, part.last + 1))
    return shown


def test_every_setting_of_a_file_shown_in_regions_is_on_a_page(startproject):
    """What the repository deploys is what the pages teach: no setting hides outside every shown region.

    A top-level statement passes when its lines are shown, when startproject
    writes it as it stands (the reader has it), when it sets a setting to
    Django's own default, when NOT_SHOWN names it with the page's sentence
    saying why, or when each statement of its body passes.
    """
    text = " ".join(" ".join(prose.text.split()) for page in GUIDE for prose in page.prose())
    for sentence in [UNCHANGED_FROM_STARTPROJECT, *NOT_SHOWN.values()]:
        assert sentence in text, f"no page says {sentence!r}: put it back, or update this test with the page"
    shown = shown_lines()
    in_regions = sorted({b.target for p in GUIDE for b in p.includes() if REGION_OPTIONS & set(b.options)})
    problems = []
    for path in [path for path in in_regions if path.suffix == ".py"]:
        name = path.relative_to(ROOT).as_posix()
        theirs = startproject / path.relative_to(EXAMPLE)
        written = {ast.dump(n) for n in ast.walk(ast.parse(theirs.read_text()))} if theirs.is_file() else set()

        values = example_values.Settings(path).names if path.name == "settings.py" else {}
        found = markers.markers(path.read_text())
        regions = [
            set(range(start, end)) for kind, region, start in found if kind == "start" and (name, region) in NOT_SHOWN
            for end_kind, end_region, end in found if (end_kind, end_region) == ("end", region)
        ]

        def passes(node):
            lines = set(range(node.lineno, node.end_lineno + 1))
            names = [getattr(t, "id", None) for t in getattr(node, "targets", [])]
            named = any((name, n) in NOT_SHOWN for n in names) or any(lines <= region for region in regions)
            # Django's own default, which a newer startproject leaves out (DEFAULT_AUTO_FIELD in 6.0).
            default = names and all(n in values and values[n] == getattr(global_settings, n, None) for n in names)
            bodies = [getattr(node, part, []) for part in ("body", "orelse", "handlers", "finalbody")]
            children = [child for body in bodies for child in body]
            return lines <= shown[path] or ast.dump(node) in written or named or default or children and all(map(passes, children))

        tree = ast.parse(path.read_text())
        body = tree.body[1:] if ast.get_docstring(tree) else tree.body
        problems += [f"{name}:{node.lineno}: {ast.unparse(node).splitlines()[0]}" for node in body if not passes(node)]
    assert not problems, "settings no page shows (show them in a region, or say on a page why not):\n" + "\n".join(problems)


def quoted_settings(page):
    """[(line, literal, name, value, [files it may be a setting of])]: ``name = value`` literals, and the
    ``name = value`` lines a command given ``--config FILE`` prints (gunicorn's --print-config)."""
    files = sorted({b.target for b in page.includes() if b.target.suffix == ".py" and b.target.is_relative_to(EXAMPLE)})
    found = []
    for line, literal in page.literals():
        quoted = re.fullmatch(r"(\w+)( = |=)(.+)", literal)
        if quoted and literal not in OTHER_VALUES:
            name = quoted[1] + ("=" if quoted[2] == "=" else "")  # name= is a keyword argument
            found.append((line, literal, name, quoted[3], files))
    for block in page.blocks:
        for command in block.commands():
            words = command.words()
            if "--config" in words:
                config = [ROOT / words[words.index("--config") + 1]]
                for number, printed in enumerate(command.output, start=command.line + 1):
                    shown = re.fullmatch(r"(\w+) += (.*)", printed.strip())
                    if shown:
                        found.append((number, printed.strip(), shown[1], shown[2], config))
    return found


def shows(text, value):
    """A value as a page or gunicorn writes it: a Python literal (['[::]:8000'], "-") or bare (gthread, -)."""
    try:
        return ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        return text == example_values.rendered(value)


def test_each_setting_a_page_quotes_is_the_example_value():
    """``timeout = 20`` on a page is the value of the file it shows, as set with no config var."""
    problems, checked = [], 0
    for page in GUIDE:
        for line, literal, name, value, files in quoted_settings(page):
            for path in files:
                spec = f"{path.relative_to(EXAMPLE).as_posix()}:{name}"
                try:
                    actual = example_values.example_value(spec)
                except ValueError:
                    continue  # not a setting of this file
                checked += 1
                if not shows(value, actual):
                    problems.append(f"docs/{page.name}:{line}: {literal!r}, but {spec} is {actual!r}")
    assert checked, "no page quotes a setting as ``name = value``: update this test with the pages"
    assert not problems, "\n".join(problems)
