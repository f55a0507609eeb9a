"""The built guide, served on 127.0.0.1 and looked at in Debian's Chromium through Playwright.

The nox `docs` session sets three variables, and a missing one is an error,
never a skip (a check that did not run must not look like one that passed):
GUIDE_HTML, the folder sphinx-build wrote; CHROMIUM, the browser to drive
(Playwright never downloads one here); AXE_CORE, the axe.min.js of the
axe-core the noxfile pins.

Every built page is looked at once per window size (the `seen` fixture), a
few at a time, and each test reads its page's result. Loading takes most of
the session, so one load gives every per-page check what it needs: what went
wrong while loading, the theme, the tab lists, the code blocks and axe-core's
violations. At 390x844, in a profile of its own, the pages load in a few
reused tabs and open on the first platform. At 1280x800, in another, a
reader picks the other platform (Windows) once in a tab kept open; then
every page opens in a new tab, where sessionStorage starts empty, and the
pages with tabs once more after a reload: the choice must hold in both.
So axe-core sees each platform's panels at one size, and the phone's
check of code blocks sees the first platform's, as a new reader does.
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

# The window sizes: a desktop's, then a phone's. Each test of a page at a size takes it as `viewport`.
VIEWPORTS = {"1280x800": (1280, 800), "390x844": (390, 844)}
DESKTOP, PHONE = VIEWPORTS
# Tabs loading pages at once: enough to keep two cores busy while some wait on the network.
PARALLEL_TABS = 4

# The page's code blocks, as the theme draws them.
CODE = ".rst-content div.highlight pre"
# What a page shows once the browser has drawn twice (look.js), and its
# axe-core violations (axe.js): functions Playwright runs in the page.
LOOK, AXE = ((Path(__file__).parent / name).read_text() for name in ("look.js", "axe.js"))


def given(variable, is_right, how):
    """A path the docs session hands over in an environment variable; fails the run if it is not what is needed."""
    value = os.environ.get(variable, "")
    if not value or not is_right(Path(value)):
        pytest.fail(f"{variable}={value!r} {how}", pytrace=False)
    return Path(value)


def guide_html():
    return given("GUIDE_HTML", lambda path: (path / "index.html").is_file(), (
        "holds no built guide (index.html). Run `nox -s docs`, which builds it and sets GUIDE_HTML."))


def built_pages():
    """Every HTML page of the built site, relative to its root."""
    root = guide_html()
    paths = (path.relative_to(root) for path in root.rglob("*.html"))
    return sorted(path.as_posix() for path in paths if not {"_static", "_sources", "_images"} & set(path.parts))


def pytest_generate_tests(metafunc):
    if "built_page" in metafunc.fixturenames:
        metafunc.parametrize("built_page", built_pages())
    if "viewport" in metafunc.fixturenames:
        metafunc.parametrize("viewport", VIEWPORTS)


class Quiet(http.server.SimpleHTTPRequestHandler):
    """The site's files, without a line printed per request, and never cached.

    Without a cache, each page fetches every file it uses, so a broken one fails each page that uses it.
    """

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def watch(page, url):
    """The list, kept up to date, of what goes wrong in a tab: console and script errors, failed requests,
    and requests outside the site (it must work offline)."""
    problems = []
    favicon = lambda address: address.split("?")[0].endswith("/favicon.ico")  # the guide has none; Chromium asks
    add = problems.append
    page.on("console", lambda m: m.type == "error" and not favicon(m.location.get("url", "")) and add(
        f"console error: {m.text} at {m.location}"))
    page.on("pageerror", lambda error: add(f"script error: {error}"))
    # net::ERR_ABORTED is Chromium cancelling a request itself: a reload, or a web font no longer
    # needed once sphinx-tabs hides the panel that asked for it. A missing file is an HTTP 404.
    page.on("requestfailed", lambda r: r.failure != "net::ERR_ABORTED" and add(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and not favicon(r.url) and add(f"HTTP {r.status} for {r.url}"))
    page.on("request", lambda r: r.url.startswith((url, "data:", "blob:", "about:")) or add(f"request outside the site: {r.url}"))
    return problems


class Site:
    """The built site at `url`, and the browser to open it in."""

    def __init__(self, root, url, browser):
        self.root, self.url, self.browser, self.pages = root, url, browser, built_pages()

    def having(self, text):
        """The built pages whose HTML holds `text`."""
        return [path for path in self.pages if text in (self.root / path).read_text(encoding="utf-8")]

    @contextlib.asynccontextmanager
    async def profile(self, width=1280, height=800, **options):
        """A browser profile never used, at a window size: no platform choice, no cache."""
        context = await self.browser.new_context(viewport={"width": width, "height": height}, **options)
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            await context.close()

    @contextlib.asynccontextmanager
    async def tab(self, context):
        """A new tab, and the list of what goes wrong in it (watch) from the moment it opens."""
        page = await context.new_page()
        try:
            yield page, watch(page, self.url)
        finally:
            await page.close()

    async def open(self, page, path):
        """Load a page and wait until the network is idle, so that a late request that fails is seen too."""
        response = await page.goto(f"{self.url}/{path}", wait_until="networkidle")
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    @staticmethod
    async def copy(page, index):
        """Click the copy button of the page's code block `index` (LOOK's), and return what it put in the clipboard."""
        block = page.locator(CODE).nth(index)
        await block.hover()
        await block.locator("xpath=..").locator("button.copybtn").click()
        return await page.evaluate("navigator.clipboard.readText()")


@pytest.fixture(scope="session")
def run():
    """Runs a coroutine to its end on the session's event loop, where the browser lives."""
    with asyncio.Runner() as runner:
        yield runner.run


@pytest.fixture(scope="session")
def site(run):
    root = guide_html()
    chromium = given("CHROMIUM", Path.is_file, (
        "is not a Chromium binary. Install Debian's (sudo apt-get install chromium) and run `nox -s docs`, "
        "which sets CHROMIUM; never `playwright install`."))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    playwright = run(async_playwright().start())
    browser = run(playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS))
    yield Site(root, f"http://127.0.0.1:{server.server_address[1]}", browser)
    run(browser.close())
    run(playwright.stop())
    server.shutdown()
    server.server_close()


class Seen(dict):
    """{(viewport, page): what Chromium showed of it, or the error}, shown in a failure's report by its size only."""

    def __repr__(self):
        return f"<{len(self)} page loads>"

    def __call__(self, viewport, page):
        seen = self[viewport, page]
        if isinstance(seen, Exception):
            raise seen
        return seen


@pytest.fixture(scope="session")
def seen(run, site, report):
    """Every built page at both sizes: what it showed (LOOK), its axe-core violations and problems (Seen).

    Under "choice": the page where the other platform is chosen, its tab lists before and after the click,
    and what went wrong in its tab; or the error.
    """
    axe = given("AXE_CORE", Path.is_file, (
        "is not axe-core's axe.min.js. Run `nox -s docs`, which installs the pinned axe-core "
        "from npm into .nox/axe-core and sets AXE_CORE."))
    found = Seen()

    async def look(viewport, page, problems, path):
        try:
            problems.clear()
            await site.open(page, path)
            shown = await page.evaluate(LOOK)
            if viewport == DESKTOP and shown["tabs"]:
                await page.reload(wait_until="networkidle")
                after = await page.evaluate(LOOK)
                shown = {**after, "tabs": shown["tabs"] + after["tabs"]}
            found[viewport, path] = {**shown, "violations": await page.evaluate(AXE), "problems": list(problems)}
        except Exception as error:  # reported by this page's tests
            found[viewport, path] = error

    async def in_a_few_tabs(viewport, context, new_tab_for=()):
        """Every page, PARALLEL_TABS at a time, in tabs each reused for the next page, but for those
        in `new_tab_for`: each of these opens in a tab of its own."""
        queue = list(site.pages)
        # axe-core in every page from its start: put in once, and compiled once (a script tag, per page, was not).
        await context.add_init_script(path=axe)

        async def one_after_another():
            async with site.tab(context) as reused:
                while queue:
                    path = queue.pop(0)
                    if path not in new_tab_for:
                        await look(viewport, *reused, path)
                        continue
                    async with site.tab(context) as new:
                        await look(viewport, *new, path)

        await asyncio.gather(*(one_after_another() for _ in range(PARALLEL_TABS)))

    async def look_at_every_page():
        async with site.profile(*VIEWPORTS[PHONE]) as context:
            await in_a_few_tabs(PHONE, context)
        async with site.profile(*VIEWPORTS[DESKTOP]) as context, site.tab(context) as (chooser, problems):
            # The tab where Windows is chosen stays open while the others load, as a reader's
            # does. Closed at once, it left one run in several with a page that opened on Linux:
            # Chromium passes a page's localStorage writes to the other tabs asynchronously.
            with_tabs = site.having('role="tablist"')
            try:
                first = with_tabs[0]
                await site.open(chooser, first)
                before = (await chooser.evaluate(LOOK))["tabs"]
                other = chooser.locator('[role="tablist"]').first.locator('[role="tab"][aria-selected="false"]')
                await other.first.click()
                found["choice"] = (first, before, (await chooser.evaluate(LOOK))["tabs"], list(problems))
            except Exception as error:
                found["choice"] = error
            await in_a_few_tabs(DESKTOP, context, new_tab_for=with_tabs)

    run(look_at_every_page())
    blocks = [block for key, seen in found.items() if key[0] == PHONE and isinstance(seen, dict)
              for block in seen["blocks"] if block["visible"]]
    scrolling = [block for block in blocks if block["scrolls"]]
    report(
        "what the site checks measured",
        f"axe-core: {len(site.pages)} pages at {' and '.join(VIEWPORTS)}; "
        f"on the phone {len(scrolling)} of {len(blocks)} visible code blocks scroll sideways "
        f"({sum(block['file'] for block in scrolling)} of them file blocks)"
    )
    return found
