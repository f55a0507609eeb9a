"""What a reader of the built guide sees in a real browser (headless Chromium).

Each page is styled by the theme and loads without a console error; the
platform, chosen once, is the one every page with platform tabs opens on,
in a new browser tab and after a reload; the copy button copies commands
without their prompts or output; the search page finds WhiteNoise. One
screenshot per run is kept. No check names a page's content: each finds
what it needs on whichever built pages have it.
"""

from pathlib import Path

import pytest

# One screenshot per run, kept next to the built site as an artefact.
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "_build" / "site-check.png"
LINUX, WINDOWS = "Linux and macOS", "Windows"

# sphinx-rtd-theme's sidebar colour: the theme's stylesheet loaded and applied.
THEME_SIDEBAR = "rgb(52, 49, 49)"
PROMPTS = {LINUX: "$ ", WINDOWS: "PS> "}


def test_the_site_has_the_pages_of_the_guide(site):
    assert "index.html" in site.pages and "search.html" in site.pages
    assert sum(page.startswith("steps/") for page in site.pages) == 11, site.pages
    assert site.having('role="tablist"'), "no built page has platform tabs"


def test_page_is_styled_by_the_theme_and_loads_without_errors(seen, built_page, viewport):
    shown = seen(viewport, built_page)
    assert shown["sidebars"] == 1, f"{built_page} has no theme sidebar"
    assert shown["colour"] == THEME_SIDEBAR, f"{built_page}: sidebar is {shown['colour']}; the theme's CSS did not apply"
    assert shown["mains"] == 1, f"{built_page} has no main content area"
    assert not shown["problems"], f"{built_page} at {viewport}:\n" + "\n".join(shown["problems"])


def test_the_platform_chosen_once_is_open_on_every_page_in_a_new_tab_and_after_a_reload(seen, built_page):
    """A reader picks Windows once; every page with tabs then opens on Windows, in other browser tabs too.

    sphinx-tabs alone keeps the choice in sessionStorage, which a new tab
    does not share; the guide's script keeps it in localStorage. Every tab
    list of the site is a platform choice of one group: one named otherwise
    opens on its first tab, or does not follow the click, and fails here.
    """
    choice = seen["choice"]
    if isinstance(choice, Exception):
        raise choice
    first, before, after, problems = choice
    assert before and all(state == [[LINUX], [LINUX]] for state in before), f"{first} should open on {LINUX!r}: {before}"
    # Every tab list of the page follows the one clicked: they are one group.
    assert all(state == [[WINDOWS], [WINDOWS]] for state in after), f"{first}: clicking {WINDOWS!r} left {after}"
    assert not problems, "\n".join(problems)
    for viewport, platform in ("390x844", LINUX), ("1280x800", WINDOWS):
        wrong = [state for state in seen(viewport, built_page)["tabs"] if state != [[platform], [platform]]]
        assert not wrong, (
            f"{built_page} at {viewport} opened with other tabs (selected, visible) than {platform!r}: {wrong}. "
            f"A fresh profile opens on {LINUX!r}; once {WINDOWS!r} was chosen on {first}, a new tab and a "
            "reload open on it, unless the page's tab group is named differently or the choice was not kept."
        )


@pytest.mark.parametrize("platform", [LINUX, WINDOWS])
def test_the_copy_button_copies_the_commands_without_prompts_or_output(run, site, seen, platform):
    """The first block of `platform` commands with output below them: the clipboard holds the commands alone.

    The block is found in what the pages showed (conftest.py). A command
    continued on the next line (a trailing backslash) is left out: its
    second line has no prompt and would look like output.
    """
    prompt = PROMPTS[platform]
    found = [
        (path, block["index"], commands)
        for path in site.pages if isinstance(seen["390x844", path], dict)
        for block in seen("390x844", path)["blocks"]
        for commands in [[line[len(prompt):] for line in block["lines"] if line.startswith(prompt)]]
        if commands and any(line.strip() and not line.startswith(prompt) for line in block["lines"])
        and not any(line.rstrip().endswith("\\") for line in block["lines"])
    ]
    assert found, f"no page shows a {platform} command block ({prompt!r} prompts) with output below its commands"
    path, index, commands = found[0]

    async def check():
        async with site.profile(permissions=["clipboard-read", "clipboard-write"]) as context:
            async with site.tab(context) as (page, problems):
                await site.open(page, path)
                tabs = page.get_by_role("tab", name=platform)
                if await tabs.count():  # the block is of this platform: this shows it
                    await tabs.first.click()
                clipboard = await site.copy(page, index)
                assert clipboard.splitlines() == commands, (
                    f"{path}: copied {clipboard!r}; expected {commands}: the commands without {prompt!r} or output"
                )
                assert not problems, "\n".join(problems)

    run(check())


def test_the_search_page_finds_whitenoise_and_a_screenshot_of_a_step_is_kept(run, site):
    async def check():
        async with site.profile() as context, site.tab(context) as (page, problems):
            await site.open(page, "search.html?q=WhiteNoise")
            results = page.locator("ul.search li a")
            await results.first.wait_for()
            links = await results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
            assert any("steps/05-static-files.html" in link for link in links), links
            await site.open(page, "steps/05-static-files.html")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            SCREENSHOT.unlink(missing_ok=True)
            await page.screenshot(path=SCREENSHOT, full_page=False)
            assert SCREENSHOT.stat().st_size > 10_000, "the screenshot is too small to show a page"
            assert not problems, "\n".join(problems)

    run(check())
