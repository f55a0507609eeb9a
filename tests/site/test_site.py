"""What a reader of the built guide sees in a real browser (headless Chromium).

Each page is styled by the theme and loads without a console error; a
platform tab, once chosen, switches its panels and is still chosen on the
next page; the copy button copies commands without their prompts or
output; the search page finds WhiteNoise. One screenshot per run is kept.
"""

import asyncio
import re

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


def test_a_tab_click_switches_the_panels_and_the_choice_holds_on_the_next_page(run, new_tab, site_url):
    async def check():
        async with new_tab() as (page, problems):
            await open_page(page, site_url, "steps/02-prepare-the-repository.html")
            before = await tab_state(page)
            assert len(before) >= 2, "step 2 should have several platform tab sets"
            assert all(state == [[LINUX], [LINUX]] for state in before), before

            first_list = page.locator('[role="tablist"]').first
            await first_list.get_by_role("tab", name=WINDOWS).click()
            after = await tab_state(page)
            # Every tab set of the page follows the one clicked: they are one group.
            assert all(state == [[WINDOWS], [WINDOWS]] for state in after), after
            assert await page.get_by_text("PS> py -3.13 -m venv .venv").is_visible()
            assert not await page.get_by_text("$ python3.13 -m venv .venv").is_visible()

            await page.locator('a[rel="next"]').first.click()
            await page.wait_for_url(re.compile(r"/steps/03-settings\.html$"), wait_until="networkidle")
            on_next_page = await tab_state(page)
            assert on_next_page, "step 3 should have platform tabs"
            assert all(state == [[WINDOWS], [WINDOWS]] for state in on_next_page), on_next_page
            assert not problems, "\n".join(problems)

    run(check())


async def copied_text(page, block):
    """Click the copy button of a code block and return what it put in the clipboard."""
    await block.hover()
    await block.locator("xpath=..").locator("button.copybtn").click()
    return await page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize(
    ("platform", "path", "expected"),
    [
        (
            LINUX,
            "steps/02-prepare-the-repository.html",
            ["git ls-files .gitignore example/manage.py example/staff/wsgi.py"],
        ),
        (
            WINDOWS,
            "steps/04-database.html",
            [
                '$env:DATABASE_URL = "postgress://user:secret@host:5432/name"',
                "python example/manage.py check",
                "Remove-Item Env:DATABASE_URL",
            ],
        ),
    ],
)
def test_the_copy_button_copies_the_commands_without_prompts_or_output(
    run, new_tab, site_url, platform, path, expected
):
    async def check():
        async with new_tab() as (page, problems):
            await open_page(page, site_url, path)
            await page.get_by_role("tab", name=platform).first.click()
            block = page.locator("div.highlight pre").filter(has_text=expected[0]).first
            shown = (await block.inner_text()).splitlines()
            prompt = PROMPTS[platform]
            output = [line for line in shown if line.strip() and not line.startswith(prompt)]
            assert [prompt + command for command in expected] == [
                line for line in shown if line.startswith(prompt)
            ], f"the block shows {shown}"
            assert output, f"the block should show some output below its commands: {shown}"

            clipboard = await copied_text(page, block)
            assert clipboard.splitlines() == expected, (
                f"copied {clipboard!r}; expected {expected}: the commands without {prompt!r} or output"
            )
            assert not problems, "\n".join(problems)

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
