"""What a reader of the built guide sees in a real browser (headless Chromium).

Each page is styled by the theme and loads without a console error; the
platform, chosen once, is the one every page with platform tabs opens on,
in a new browser tab and after a reload; the copy button copies commands
without their prompts or output; the search page finds WhiteNoise. One
screenshot per run is kept. No check names a page's content: each finds
what it needs on whichever built pages have it.
"""

import asyncio

import pytest

# sphinx-rtd-theme's sidebar colour: the theme's stylesheet loaded and applied.
THEME_SIDEBAR = "rgb(52, 49, 49)"
LINUX, WINDOWS = "Linux and macOS", "Windows"
PROMPTS = {LINUX: "$ ", WINDOWS: "PS> "}


# Tabs loading pages at once: enough to keep two cores busy while others wait on the network.
PARALLEL_TABS = 8


async def open_page(page, site_url, path):
    """Load a page and wait until the network is idle, so a late request that fails is seen too."""
    response = await page.goto(f"{site_url}/{path}", wait_until="networkidle")
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    return page


async def tab_state(page):
    """For each tab list of the page: (the selected tab's name, the names of the visible panels' tabs)."""
    return await page.evaluate(
        """() => Array.from(document.querySelectorAll('[role="tablist"]')).map(list => {
            const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
            const selected = tabs.filter(t => t.getAttribute('aria-selected') === 'true');
            const visible = tabs.filter(t => {
                const panel = document.getElementById(t.getAttribute('aria-controls'));
                return panel && !panel.hidden && panel.offsetParent !== null;
            });
            return [selected.map(t => t.textContent.trim()), visible.map(t => t.textContent.trim())];
        })"""
    )


class LoadedPages(dict):
    """{page: what it showed, or the error}, shown in a failure's report by its size only."""

    def __repr__(self):
        return f"<{len(self)} pages loaded>"


def test_the_site_has_the_pages_of_the_guide(site_pages):
    pages = site_pages
    assert "index.html" in pages and "search.html" in pages
    assert sum(page.startswith("steps/") for page in pages) == 11, pages


@pytest.fixture(scope="module")
def loaded_pages(run, new_tab, site_url, site_pages):
    """Every built page, loaded a few at a time in tabs of one browser: {page: what it showed, or the error}.

    One page at a time took most of the docs session (about 0.8 s a page,
    waiting on the browser). The pages are independent: they load at once,
    and each test below reads its own page's result.
    """

    async def look_at(path, limit):
        async with limit, new_tab() as (page, problems):
            try:
                await open_page(page, site_url, path)
                sidebar = page.locator(".wy-nav-side")
                sidebars = await sidebar.count()
                colour = None
                if sidebars == 1:
                    colour = await sidebar.evaluate("element => getComputedStyle(element).backgroundColor")
                mains = await page.locator('[role="main"]').count()
                return {"sidebars": sidebars, "colour": colour, "mains": mains, "problems": problems}
            except Exception as error:  # reported by this page's test, not by every test
                return error

    async def look_at_every_page():
        limit = asyncio.Semaphore(PARALLEL_TABS)
        seen = await asyncio.gather(*(look_at(path, limit) for path in site_pages))
        return LoadedPages(zip(site_pages, seen))

    return run(look_at_every_page())


def test_page_is_styled_by_the_theme_and_loads_without_errors(loaded_pages, built_page):
    seen = loaded_pages[built_page]
    if isinstance(seen, Exception):
        raise seen
    assert seen["sidebars"] == 1, f"{built_page} has no theme sidebar"
    colour = seen["colour"]
    assert colour == THEME_SIDEBAR, f"{built_page}: sidebar is {colour}; the theme's CSS did not apply"
    assert seen["mains"] == 1, f"{built_page} has no main content area"
    problems = seen["problems"]
    assert not problems, f"{built_page}:\n" + "\n".join(problems)


def pages_with_tabs(root, site_pages):
    """The built pages that have a tab list, in the site's order (sphinx-tabs writes role="tablist")."""
    return [path for path in site_pages if 'role="tablist"' in (root / path).read_text(encoding="utf-8")]


def not_on(platform, states):
    """The tab lists of a page that did not open on `platform`: their selected and visible tabs."""
    return [state for state in states if state != [[platform], [platform]]]


def test_the_platform_chosen_once_is_open_on_every_page_in_a_new_tab_and_after_a_reload(
    run, new_profile, site_url, site_root, site_pages
):
    """A reader picks Windows once; every page with tabs then opens on Windows, in other browser tabs too.

    sphinx-tabs alone keeps the choice in sessionStorage, which a new tab
    does not share; the guide's script keeps it in localStorage. Every tab
    list of the site is a platform choice of one group: one named otherwise
    opens on its first tab and fails here.
    """
    with_tabs = pages_with_tabs(site_root, site_pages)
    assert with_tabs, "no built page has platform tabs"

    async def check():
        async with new_profile() as tab:
            # The tab where Windows is chosen stays open while the others load,
            # as a reader's does. Closed at once, it left one run in several
            # with a page that opened on Linux: Chromium passes a page's
            # localStorage writes to the other tabs asynchronously.
            async with tab() as (chooser, problems):
                await open_page(chooser, site_url, with_tabs[0])
                before = await tab_state(chooser)
                assert not not_on(LINUX, before), f"{with_tabs[0]} should open on {LINUX!r}: {before}"
                await chooser.locator('[role="tablist"]').first.get_by_role("tab", name=WINDOWS).click()
                # Every tab list of the page follows the one clicked: they are one group.
                after = await tab_state(chooser)
                assert not not_on(WINDOWS, after), f"{with_tabs[0]}: clicking {WINDOWS!r} left {after}"
                assert not problems, "\n".join(problems)

                async def opened_on(path, limit):
                    async with limit, tab() as (page, problems):  # a new browser tab: sessionStorage starts empty
                        await open_page(page, site_url, path)
                        states = await tab_state(page)
                        await page.reload(wait_until="networkidle")
                        states += await tab_state(page)
                        assert not problems, f"{path}:\n" + "\n".join(problems)
                        return path, not_on(WINDOWS, states)

                limit = asyncio.Semaphore(PARALLEL_TABS)
                seen = await asyncio.gather(*(opened_on(path, limit) for path in with_tabs))
            wrong = {path: states for path, states in seen if states}
            assert not wrong, (
                f"{WINDOWS!r} was chosen once on {with_tabs[0]}; these pages opened in a new tab or "
                "after a reload with other tabs (selected, visible), so their tab group is named "
                "differently or the choice was not kept:\n"
                + "\n".join(f"    {path}: {states}" for path, states in wrong.items())
            )

    run(check())


async def copied_text(page, block):
    """Click the copy button of a code block and return what it put in the clipboard."""
    await block.hover()
    await block.locator("xpath=..").locator("button.copybtn").click()
    return await page.evaluate("navigator.clipboard.readText()")


# Each visible code block's lines, as the reader sees them (innerText).
VISIBLE_BLOCKS = """() => Array.from(document.querySelectorAll('div.highlight pre'))
    .map((pre, index) => [index, pre.offsetParent !== null, pre.innerText.split('\\n')])
    .filter(([index, visible]) => visible)
    .map(([index, visible, lines]) => [index, lines])"""

# The class sphinx-build gives a block of each platform's shell sessions.
SESSION_BLOCK = {LINUX: "highlight-console", WINDOWS: "highlight-ps1con"}


async def a_command_block_with_output(page, prompt):
    """The first visible code block with commands after `prompt` and output below them, and its commands; or None.

    A command continued on the next line (a trailing backslash) is left out:
    its second line has no prompt and would look like output.
    """
    for index, shown in await page.evaluate(VISIBLE_BLOCKS):
        commands = [line[len(prompt):] for line in shown if line.startswith(prompt)]
        output = [line for line in shown if line.strip() and not line.startswith(prompt)]
        if commands and output and not any(line.rstrip().endswith("\\") for line in shown):
            return page.locator("div.highlight pre").nth(index), commands
    return None


@pytest.mark.parametrize("platform", [LINUX, WINDOWS])
def test_the_copy_button_copies_the_commands_without_prompts_or_output(
    run, new_tab, site_url, site_root, site_pages, platform
):
    prompt = PROMPTS[platform]
    candidates = [path for path in site_pages if SESSION_BLOCK[platform] in (site_root / path).read_text(encoding="utf-8")]

    async def check():
        for path in candidates:
            async with new_tab() as (page, problems):
                await open_page(page, site_url, path)
                tabs = page.get_by_role("tab", name=platform)
                if await tabs.count():
                    await tabs.first.click()
                found = await a_command_block_with_output(page, prompt)
                if found is None:
                    continue
                block, expected = found
                clipboard = await copied_text(page, block)
                assert clipboard.splitlines() == expected, (
                    f"{path}: copied {clipboard!r}; expected {expected}: the commands without {prompt!r} or output"
                )
                assert not problems, "\n".join(problems)
                return
        pytest.fail(f"no page shows a {platform} command block ({prompt!r} prompts) with output below its commands")

    run(check())


def test_the_search_page_finds_whitenoise(run, new_tab, site_url):
    async def check():
        async with new_tab() as (page, problems):
            await open_page(page, site_url, "search.html?q=WhiteNoise")
            results = page.locator("ul.search li a")
            await results.first.wait_for()
            links = await results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
            assert any("steps/05-static-files.html" in link for link in links), links
            assert not problems, "\n".join(problems)

    run(check())


def test_a_screenshot_of_a_step_is_kept(run, new_tab, site_url, screenshot_path):
    async def check():
        async with new_tab() as (page, problems):
            await open_page(page, site_url, "steps/05-static-files.html")
            screenshot_path.parent.mkdir(parents=True, exist_ok=True)
            screenshot_path.unlink(missing_ok=True)
            await page.screenshot(path=screenshot_path, full_page=False)
            assert screenshot_path.stat().st_size > 10_000, "the screenshot is too small to show a page"
            assert not problems, "\n".join(problems)

    run(check())
