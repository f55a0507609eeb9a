"""A reader's own Django project, made the way a reader makes one, never copied from example/.

`django-admin startproject` and `startapp` from the Django that
requirements.txt pins, then what a small real project has: a model with its
migration, a list view on the home page, a template that links a stylesheet
with {% static %}, a fixture, a test that gets the home page, one that
asserts a 404's log record (as step 3 says, so that a passing run is
quiet), and a common Python .gitignore (one that ignores .python-version).
Two shapes:

- "root": manage.py at the root of the repository, already in git with a
  first commit (an older project);
- "nested": manage.py one folder down, as example/ is, not yet in git, and
  with a project-level static/ folder.

The names differ from the example's (no "staff", no "calibration", no
"example/"), so a page that only works for the example fails the walk.
"""

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from heroku import scrubbed_environment


@dataclass(frozen=True)
class Shape:
    name: str
    folder: str  # the folder of manage.py, relative to the repository root ("" at the root)
    package: str  # the project package, the folder of settings.py
    app: str
    in_git: bool  # the project is committed already, before step 2
    project_static: bool  # a static/ folder that belongs to no app (STATICFILES_DIRS)

    def path(self, repository, *parts):
        return Path(repository, self.folder, *parts)


SHAPES = {
    "root": Shape("root", "", "bookshop", "catalog", in_git=True, project_static=False),
    "nested": Shape("nested", "src", "library", "shelves", in_git=False, project_static=True),
}

# The top of GitHub's and gitignore.io's Python templates, as many projects
# have it, including the pyenv line that hides .python-version.
COMMON_PYTHON_GITIGNORE = """\
# Byte-compiled / optimized / DLL files
__pycache__/
*.py[cod]

# Environments
.env
.venv
env/
venv/

# pyenv
.python-version

# Django stuff:
*.log
local_settings.py
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
    return result.stdout


def make_project(repository, shape, git_env):
    """Make the reader's project for `shape` in the empty folder `repository`."""
    repository = Path(repository)
    project = shape.path(repository)
    project.mkdir(parents=True, exist_ok=True)
    django_admin = [sys.executable, "-m", "django"]
    run([*django_admin, "startproject", shape.package, "."], cwd=project)
    run([sys.executable, "manage.py", "startapp", shape.app], cwd=project)
    app = project / shape.app

    write(app / "models.py", f"""
        from django.db import models


        class Book(models.Model):
            title = models.CharField(max_length=200)

            class Meta:
                ordering = ["title"]

            def __str__(self):
                return self.title
    """)
    write(app / "admin.py", """
        from django.contrib import admin

        from .models import Book

        admin.site.register(Book)
    """)
    write(app / "views.py", """
        from django.views.generic import ListView

        from .models import Book


        class BookListView(ListView):
            model = Book
    """)
    stylesheet = "site.css" if shape.project_static else f"{shape.app}/site.css"
    static_folder = project / "static" if shape.project_static else app / "static"
    # Long enough that its gzip and Brotli copies are kept (WhiteNoise keeps
    # a compressed copy only when it is at least 5 % smaller).
    rules = "".join(
        f".book:nth-child({n}) {{ padding: 0.25rem 0; border-bottom: 1px solid #ddd; color: #333; }}\n"
        for n in range(1, 21)
    )
    write(static_folder / stylesheet, "body { font-family: sans-serif; margin: 2rem; }\n" + rules)
    write(app / "templates" / shape.app / "book_list.html", f"""
        {{% load static %}}<!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Books</title>
          <link rel="stylesheet" href="{{% static '{stylesheet}' %}}">
        </head>
        <body>
          <h1>Books</h1>
          <ul>
          {{% for book in object_list %}}
            <li class="book">{{{{ book.title }}}}</li>
          {{% empty %}}
            <li>No books yet.</li>
          {{% endfor %}}
          </ul>
        </body>
        </html>
    """)
    fixture = ",\n".join(
        f'  {{"model": "{shape.app}.book", "pk": {pk}, "fields": {{"title": "{title}"}}}}'
        for pk, title in enumerate(BOOK_TITLES, start=1)
    )
    write(app / "fixtures" / "books.json", f"[\n{fixture}\n]\n")
    write(app / "tests.py", f"""
        from django.test import TestCase

        from .models import Book


        class HomePageTests(TestCase):
            def test_the_home_page_lists_the_books(self):
                Book.objects.create(title="Kindred")
                response = self.client.get("/")
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, '<li class="book">Kindred</li>', html=True)

            def test_a_missing_page_is_a_404_and_says_so_in_the_log(self):
                # As step 3 says: the record is checked, and a passing run prints nothing of it.
                with self.assertLogs("django.request", "WARNING"):
                    response = self.client.get("/no-such-page/")
                self.assertEqual(response.status_code, 404)
    """)
    write(project / shape.package / "urls.py", f"""
        from django.contrib import admin
        from django.urls import path

        from {shape.app}.views import BookListView

        urlpatterns = [
            path("", BookListView.as_view(), name="home"),
            path("admin/", admin.site.urls),
        ]
    """)
    settings = project / shape.package / "settings.py"
    text = settings.read_text()
    start = text.index("INSTALLED_APPS = [") + len("INSTALLED_APPS = [")
    settings.write_text(text[:start] + f"\n    '{shape.app}'," + text[start:])
    run([sys.executable, "manage.py", "makemigrations", shape.app, "--verbosity", "0"], cwd=project)
    (repository / ".gitignore").write_text(COMMON_PYTHON_GITIGNORE)
    if shape.in_git:
        run(["git", "init", "--quiet", "-b", "main"], cwd=repository, env=git_env)
        run(["git", "add", "."], cwd=repository, env=git_env)
        run(["git", "commit", "--quiet", "-m", "A Django project"], cwd=repository, env=git_env)
    return project
