"""A reader's own Django project, made the way a reader makes one, never copied from example/ or a public project.

`django-admin startproject` and `startapp` from the Django that
requirements.txt pins, then what a small real project has: a model with its
migration, a list of books on the home page, a template that links a
stylesheet with {% static %}, a fixture, a test that gets the home page, one
that asserts a 404's log record (as step 3 says, so that a passing run is
quiet), and a common Python .gitignore (one that ignores .python-version).
Six shapes, each starting the way readers' projects do:

- "root": manage.py at the root, already in git (an older project);
- "nested": manage.py one folder down, as example/ is, not yet in git, with
  a project-level static/ folder;
- "found": manage.py at the root, in git, as found: a requirements.txt
  pinning an older Django (steps 2 to 6 install 5.2, so only step 7's
  reinstall brings .venv back to the pin its --dry-run check compares),
  the home page at /books/ with nothing at / (404), a STATICFILES_DIRS
  already set, and EMAIL_BACKEND (the console) set in a mail module that
  settings.py star-imports;
- "tracked": manage.py in web/, in git with its db.sqlite3 committed (step
  2's check-ignore shows it missing, and the page's `git rm --cached`
  follows), and / redirecting to the home page at /shelf/;
- "uv": manage.py at the root, made with `uv init --bare` and `uv add` of
  the pinned Django (pyproject.toml, uv.lock), walked through the uv tabs;
- "split": a settings package (base, dev, production) as project templates
  make it, manage.py loading dev and wsgi.py production, whose production
  module quietly sets ALLOWED_HOSTS = ["*"] and a console EMAIL_BACKEND.

The names differ from the example's (no "staff", no "calibration", no
"example/"), so a page that only works for the example fails the walk.
"""

import importlib.metadata
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from heroku import scrubbed_environment
from uv import find_uv_bin


@dataclass(frozen=True)
class Shape:
    name: str
    folder: str  # the folder of manage.py, relative to the repository root ("" at the root)
    package: str  # the project package, the folder of settings.py
    app: str
    in_git: bool  # the project is committed already, before step 2
    static: str = ""  # a project-level static folder (STATICFILES_DIRS), if any
    home: str = "/"  # the path a reader opens as the home page
    landing: str = "/"  # where the home page is (another path when `home` redirects to it)
    requirements: str = ""  # the project's own requirements.txt
    settings: str = ""  # lines the project's settings.py already ends with
    tracked_db: bool = False  # db.sqlite3 committed before step 2
    package_manager: str = "pip"  # the pages' tab the reader follows
    settings_file: str = "settings.py"  # in the package: the settings module every other imports (step 2's staff/settings.py)
    dyno_settings: str = "settings"  # in the package: the module the dynos load (step 2's staff.settings)
    # The project's mail settings, in a module of their own that settings.py star-imports at the top: no
    # "delete any EMAIL_* setting" reaches it, so only a block that sets EMAIL_BACKEND in every branch wins.
    mail: str = ""


SHAPES = {shape.name: shape for shape in (
    Shape("root", "", "bookshop", "catalog", in_git=True),
    Shape("nested", "src", "library", "shelves", in_git=False, static="static"),
    Shape(
        "found", "", "mysite", "books", in_git=True, static="assets", home="/books/", landing="/books/",
        requirements="Django==5.1.15\n", settings='STATICFILES_DIRS = [BASE_DIR / "assets"]\n',
        mail='EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"\n',
    ),
    Shape("tracked", "web", "config", "events", in_git=True, landing="/shelf/", tracked_db=True),
    Shape("uv", "", "shop", "orders", in_git=True, package_manager="uv"),
    Shape("split", "", "portal", "authors", in_git=True, settings_file="settings/base.py", dyno_settings="settings.production"),
)}

# A settings package's modules besides base.py, as templates write them (a
# production.py that quietly undoes the guide's ALLOWED_HOSTS and e-mail),
# and the module each entry point loads.
SETTINGS_PACKAGE = {"__init__.py": "", "dev.py": "from .base import *\n\nDEBUG = True\n", "production.py": "from .base import *\n\nDEBUG = False\n"
                    'ALLOWED_HOSTS = ["*"]\nEMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"\n'}
ENTRY_POINTS = {"manage.py": "dev", "wsgi.py": "production", "asgi.py": "production"}

# Lines of GitHub's and gitignore.io's Python templates, as many projects
# have them, including the pyenv line that hides .python-version.
COMMON_PYTHON_GITIGNORE = """\
__pycache__/
*.py[cod]
.env
.venv
venv/
.python-version
*.log
db.sqlite3
"""

BOOK_TITLES = ("The Left Hand of Darkness", "Kindred", "A Wizard of Earthsea")


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def run(command, cwd, env=None):
    # The checks' own variables (DJANGO_SETTINGS_MODULE...) must not reach the reader's manage.py.
    result = subprocess.run(command, cwd=cwd, env=scrubbed_environment(base=env), capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"making the reader's project: {' '.join(map(str, command))} failed:\n{result.stdout}{result.stderr}")


def make_project(repository, shape, git_env):
    """Make the reader's project for `shape` in the empty folder `repository`."""
    project = Path(repository, shape.folder)
    project.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "django", "startproject", shape.package, "."], cwd=project)
    run([sys.executable, "manage.py", "startapp", shape.app], cwd=project)
    app = project / shape.app
    write(app / "models.py", """
        from django.db import models


        class Book(models.Model):
            title = models.CharField(max_length=200)
    """)
    stylesheet = "site.css" if shape.static else f"{shape.app}/site.css"
    # Long enough that its gzip and Brotli copies are kept (WhiteNoise keeps
    # a compressed copy only when it is at least 5 % smaller).
    rules = "".join(f".book:nth-child({n}) {{ padding: 0.25rem 0; border-bottom: 1px solid #ddd; }}\n" for n in range(1, 21))
    write((project / shape.static if shape.static else app / "static") / stylesheet, "body { margin: 2rem; }\n" + rules)
    write(app / "templates" / shape.app / "book_list.html", f"""
        {{% load static %}}<!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Books</title>
        <link rel="stylesheet" href="{{% static '{stylesheet}' %}}"></head>
        <body><h1>Books</h1><ul>{{% for book in object_list %}}<li class="book">{{{{ book.title }}}}</li>{{% endfor %}}</ul></body>
        </html>
    """)
    fixture = ",".join(f'{{"model": "{shape.app}.book", "pk": {pk}, "fields": {{"title": "{title}"}}}}' for pk, title in enumerate(BOOK_TITLES, 1))
    write(app / "fixtures" / "books.json", f"[{fixture}]\n")
    write(app / "tests.py", f"""
        from django.test import TestCase

        from .models import Book


        class HomePageTests(TestCase):
            def test_the_home_page_lists_the_books(self):
                Book.objects.create(title="Kindred")
                response = self.client.get("{shape.home}", follow=True)
                self.assertContains(response, '<li class="book">Kindred</li>', html=True)

            def test_a_missing_page_is_a_404_and_says_so_in_the_log(self):
                # As step 3 says: the record is checked, and a passing run prints nothing of it.
                with self.assertLogs("django.request", "WARNING"):
                    response = self.client.get("/no-such-page/")
                self.assertEqual(response.status_code, 404)
    """)
    redirect = f'path("", RedirectView.as_view(url="{shape.landing}")),' if shape.home != shape.landing else ""
    write(project / shape.package / "urls.py", f"""
        from django.contrib import admin
        from django.urls import include, path
        from django.views.generic import ListView, RedirectView

        from {shape.app}.models import Book

        urlpatterns = [
            path("{shape.landing[1:]}", ListView.as_view(model=Book)),
            {redirect}
            path("accounts/", include("django.contrib.auth.urls")),  # password reset, among others
            path("admin/", admin.site.urls),
        ]
    """)
    settings = project / shape.package / "settings.py"
    text = settings.read_text().replace("INSTALLED_APPS = [", f"INSTALLED_APPS = [\n    '{shape.app}',", 1)
    if shape.mail:
        write(project / shape.package / "mail.py", shape.mail)
        text = text.replace("from pathlib import Path\n", "from pathlib import Path\n\nfrom .mail import *  # noqa: F403\n", 1)
    settings.write_text(text + shape.settings)
    if shape.settings_file != "settings.py":
        settings.unlink()
        for name, module in {"base.py": text.replace(".parent.parent", ".parents[2]") + shape.settings, **SETTINGS_PACKAGE}.items():
            write(project / shape.package / "settings" / name, module)
        for name, module in ENTRY_POINTS.items():
            path = project / (name if name == "manage.py" else f"{shape.package}/{name}")
            # Either quote: startproject runs black on what it writes when black is on PATH.
            path.write_text(re.sub(rf"(['\"]){shape.package}\.settings\1", rf"\g<1>{shape.package}.settings.{module}\1", path.read_text()))
    # No header (its timestamp): the same project each run, so a warm build reuses its collectstatic output.
    run([sys.executable, "manage.py", "makemigrations", shape.app, "--no-header", "--verbosity", "0"], cwd=project)
    # A project that tracks its database has no ignore line for it.
    (repository / ".gitignore").write_text(COMMON_PYTHON_GITIGNORE.replace("db.sqlite3\n", "" if shape.tracked_db else "db.sqlite3\n"))
    if shape.requirements:
        (repository / "requirements.txt").write_text(shape.requirements)
    if shape.package_manager == "uv":
        run([find_uv_bin(), "init", "--quiet", "--bare", "--python", "3.13"], cwd=repository)
        run([find_uv_bin(), "add", "--quiet", f"django=={importlib.metadata.version('django')}"], cwd=repository)
    if shape.tracked_db:
        run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=project)
    if shape.in_git:
        for git in (["init", "--quiet", "-b", "main"], ["add", "."], ["commit", "--quiet", "-m", "A Django project"]):
            run(["git", *git], cwd=repository, env=git_env)
