"""What a reader of the built guide sees in a real browser (headless Chromium).

Each page is styled by the theme and loads without a console error; a
platform tab, once chosen, switches its panels and is still chosen on the
next page; the copy button copies commands without their prompts or
output; the search page finds WhiteNoise. One screenshot per run is kept.
"""

import re

import pytest

# sphinx-rtd-theme's sidebar colour: the theme's stylesheet loaded and applied.
THEME_SIDEBAR = "rgb(52, 49, 49)"
LINUX, WINDOWS = "Linux and macOS", "Windows"
PROMPTS = {LINUX: "$ ", WINDOWS: "PS> "}


def open_page(page, site_url, path):
    response = page.goto(f"{site_url}/{path}")
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")
    return page


def tab_state(page):
    """For each tab list of the page: (the selected tab's name, the names of the visible panels' tabs)."""
    return page.evaluate(
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


def test_the_site_has_the_pages_of_the_guide(site_pages):
    pages = site_pages
    assert "index.html" in pages and "search.html" in pages
    assert sum(page.startswith("steps/") for page in pages) == 11, pages


def test_page_is_styled_by_the_theme_and_loads_without_errors(page, problems, site_url, built_page):
    open_page(page, site_url, built_page)
    sidebar = page.locator(".wy-nav-side")
    assert sidebar.count() == 1, f"{built_page} has no theme sidebar"
    colour = sidebar.evaluate("element => getComputedStyle(element).backgroundColor")
    assert colour == THEME_SIDEBAR, f"{built_page}: sidebar is {colour}; the theme's CSS did not apply"
    assert page.locator('[role="main"]').count() == 1, f"{built_page} has no main content area"
    assert not problems, f"{built_page}:\n" + "\n".join(problems)


def test_a_tab_click_switches_the_panels_and_the_choice_holds_on_the_next_page(page, problems, site_url):
    open_page(page, site_url, "steps/02-prepare-the-repository.html")
    before = tab_state(page)
    assert len(before) >= 2, "step 2 should have several platform tab sets"
    assert all(state == [[LINUX], [LINUX]] for state in before), before

    first_list = page.locator('[role="tablist"]').first
    first_list.get_by_role("tab", name=WINDOWS).click()
    after = tab_state(page)
    # Every tab set of the page follows the one clicked: they are one group.
    assert all(state == [[WINDOWS], [WINDOWS]] for state in after), after
    assert page.get_by_text("PS> py -3.13 -m venv .venv").is_visible()
    assert not page.get_by_text("$ python3.13 -m venv .venv").is_visible()

    page.locator('a[rel="next"]').first.click()
    page.wait_for_url(re.compile(r"/steps/03-settings\.html$"))
    page.wait_for_load_state("load")
    on_next_page = tab_state(page)
    assert on_next_page, "step 3 should have platform tabs"
    assert all(state == [[WINDOWS], [WINDOWS]] for state in on_next_page), on_next_page
    assert not problems, "\n".join(problems)


def copied_text(page, block):
    """Click the copy button of a code block and return what it put in the clipboard."""
    block.hover()
    block.locator("xpath=..").locator("button.copybtn").click()
    return page.evaluate("navigator.clipboard.readText()")


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
    page, problems, site_url, platform, path, expected
):
    open_page(page, site_url, path)
    page.get_by_role("tab", name=platform).first.click()
    block = page.locator("div.highlight pre").filter(has_text=expected[0]).first
    shown = block.inner_text().splitlines()
    prompt = PROMPTS[platform]
    output = [line for line in shown if line.strip() and not line.startswith(prompt)]
    assert [prompt + command for command in expected] == [
        line for line in shown if line.startswith(prompt)
    ], f"the block shows {shown}"
    assert output, f"the block should show some output below its commands: {shown}"

    clipboard = copied_text(page, block)
    assert clipboard.splitlines() == expected, (
        f"copied {clipboard!r}; expected {expected}: the commands without {prompt!r} or output"
    )
    assert not problems, "\n".join(problems)


def test_the_search_page_finds_whitenoise(page, problems, site_url):
    open_page(page, site_url, "search.html?q=WhiteNoise")
    results = page.locator("ul.search li a")
    results.first.wait_for()
    links = results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert any("steps/05-static-files.html" in link for link in links), links
    assert not problems, "\n".join(problems)


def test_a_screenshot_of_a_step_is_kept(page, problems, site_url, screenshot_path):
    open_page(page, site_url, "steps/05-static-files.html")
    screenshot_path.parent.mkdir(parents=True, exist_ok=True)
    screenshot_path.unlink(missing_ok=True)
    page.screenshot(path=screenshot_path, full_page=False)
    assert screenshot_path.stat().st_size > 10_000, "the screenshot is too small to show a page"
    assert not problems, "\n".join(problems)
