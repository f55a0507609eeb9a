"""The built guide, served on 127.0.0.1 and opened in Debian's Chromium through Playwright.

The nox `docs` session sets two variables:

- GUIDE_HTML: the folder sphinx-build wrote the HTML site to;
- CHROMIUM: the Chromium binary to drive. Playwright never downloads a
  browser here (no `playwright install`);
- AXE_CORE: axe-core's axe.min.js, installed from npm at the version the
  noxfile pins (the accessibility checks put it into each page).

Missing either is an error, never a skip: a check that did not run must not
look like a check that passed.
"""

import asyncio
import contextlib
import functools
import http.server
import os
import threading
from pathlib import Path

import pytest
from browser import CHROMIUM_FLAGS
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[2]
# One screenshot per run, kept next to the built site as an artefact.
SCREENSHOT = ROOT / "docs" / "_build" / "site-check.png"


def guide_html():
    """The built site's folder, from GUIDE_HTML; stops the run if it is missing or empty."""
    value = os.environ.get("GUIDE_HTML")
    if not value:
        raise pytest.UsageError(
            "GUIDE_HTML is not set. Build the guide and run these checks with `nox -s docs`, "
            "or set GUIDE_HTML to the folder sphinx-build wrote (docs/_build/html)."
        )
    path = Path(value)
    if not (path / "index.html").is_file():
        raise pytest.UsageError(f"GUIDE_HTML={value} holds no index.html: build the guide first.")
    return path


def built_pages():
    """Every HTML page of the built site, as paths relative to its root."""
    root = guide_html()
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(path.relative_to(root).parts)
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's files without printing a line per request, and forbids caching them.

    Pages load in tabs of one browser profile: without a cache, each page
    fetches every file it uses, so a broken one fails each page that uses it.
    """

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def site_url():
    """The built site over http on 127.0.0.1, at a port nothing else uses."""
    handler = functools.partial(QuietHandler, directory=str(guide_html()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def run():
    """Runs a coroutine to its end on the session's event loop, where the browser lives."""
    loop = asyncio.new_event_loop()
    try:
        yield loop.run_until_complete
    finally:
        loop.close()


@pytest.fixture(scope="session")
def browser(run):
    """One Chromium for the whole run, driven through Playwright's asyncio API so pages can load at once."""
    executable = os.environ.get("CHROMIUM")
    if not executable or not Path(executable).is_file():
        pytest.fail(
            f"CHROMIUM={executable!r} is not a Chromium binary. Install Debian's "
            "(sudo apt-get install chromium) and run `nox -s docs`, which sets CHROMIUM; "
            "never `playwright install`.",
            pytrace=False,
        )
    playwright = run(async_playwright().start())
    try:
        browser = run(playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            run(browser.close())
    finally:
        run(playwright.stop())


class PageProblems:
    """What went wrong while a page loaded: console errors, script errors, failed or outside requests."""

    def __init__(self, page, site_url):
        self.site_url = site_url
        self.items = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.items.append(f"script error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)
        page.on("request", self._request)

    @staticmethod
    def _is_favicon(url):
        return url.split("?")[0].endswith("/favicon.ico")

    def _console(self, message):
        if message.type != "error":
            return
        if self._is_favicon(message.location.get("url", "")):
            return  # the guide has no favicon, and the browser asks for one anyway
        self.items.append(f"console error: {message.text} at {message.location}")

    def _request_failed(self, request):
        # net::ERR_ABORTED is Chromium cancelling a request itself: a reload,
        # or a web font no longer needed once sphinx-tabs hides the panel that
        # asked for it. A missing file is an HTTP 404, reported below.
        if request.failure != "net::ERR_ABORTED":
            self.items.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400 and not self._is_favicon(response.url):
            self.items.append(f"HTTP {response.status} for {response.url}")

    def _request(self, request):
        # The site must work offline: no fonts, scripts or styles from elsewhere.
        if not request.url.startswith((self.site_url, "data:", "blob:", "about:")):
            self.items.append(f"request outside the site: {request.url}")


@pytest.fixture(scope="session")
def profile(run, browser):
    """One browser profile for most checks, allowed to read what the copy button writes.

    Tabs of one profile share a renderer process, which halves Chromium's
    work against a profile per tab. The profile shares the reader's platform
    choice (localStorage) between its tabs, as a reader's browser does: a
    check that depends on it clicks the platform first, or opens a profile
    of its own (new_profile).
    """
    context = run(browser.new_context(viewport={"width": 1280, "height": 900}))
    try:
        run(context.grant_permissions(["clipboard-read", "clipboard-write"]))
        context.set_default_timeout(15_000)
        yield context
    finally:
        run(context.close())


def tab_opener(context, site_url):
    """An async context manager: a new tab of `context`, and the list of what goes wrong in it from the moment it opens."""

    @contextlib.asynccontextmanager
    async def tab():
        page = await context.new_page()
        try:
            yield page, PageProblems(page, site_url).items
        finally:
            await page.close()

    return tab


@pytest.fixture(scope="session")
def new_tab(profile, site_url):
    """A new tab of the shared profile (see tab_opener)."""
    return tab_opener(profile, site_url)


@pytest.fixture(scope="session")
def new_profile(browser, site_url):
    """An async context manager: a browser profile never used, at a window size, yielding its tab opener.

    Nothing is stored in it yet: no platform choice, no cache.
    """

    @contextlib.asynccontextmanager
    async def fresh(width=1280, height=900):
        context = await browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        try:
            yield tab_opener(context, site_url)
        finally:
            await context.close()

    return fresh


@pytest.fixture(scope="session")
def axe_script():
    """The text of axe-core's axe.min.js, from AXE_CORE; stops the run if it is missing."""
    value = os.environ.get("AXE_CORE")
    if not value or not Path(value).is_file():
        pytest.fail(
            f"AXE_CORE={value!r} is not axe-core's axe.min.js. Run `nox -s docs`, which installs "
            "the pinned axe-core from npm into .nox/axe-core and sets AXE_CORE.",
            pytrace=False,
        )
    return Path(value).read_text(encoding="utf-8")


# Figures the checks measured, printed at the end of the run.
FIGURES = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def figures(pytestconfig):
    """A list to append a measured figure to (a line), printed at the end of the run."""
    return pytestconfig.stash.setdefault(FIGURES, [])


def pytest_terminal_summary(terminalreporter):
    lines = terminalreporter.config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("what the site checks measured")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def site_root():
    """The built site's folder (GUIDE_HTML)."""
    return guide_html()


@pytest.fixture(scope="session")
def site_pages():
    """Every HTML page of the built site, relative to its root."""
    return built_pages()


@pytest.fixture(scope="session")
def screenshot_path():
    """Where the run's screenshot goes: docs/_build/site-check.png, next to the built site."""
    return SCREENSHOT


def pytest_generate_tests(metafunc):
    if "built_page" in metafunc.fixturenames:
        metafunc.parametrize("built_page", built_pages())
