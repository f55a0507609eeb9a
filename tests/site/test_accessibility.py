"""Every built page passes axe-core and fits a phone, in Chromium at a desktop's and a phone's size.

axe-core (npm, the version the noxfile pins) runs in each page with its
default rules, none turned off: a critical or serious violation fails the
page. On the phone, a code block may scroll sideways only if it shows a file
whose long lines cannot wrap, and then a keyboard must reach it (WCAG 2.1.1):
it takes the focus and has a name. Commands and their output wrap.
"""

import asyncio

import pytest

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
FAILING_IMPACTS = ("critical", "serious")
PARALLEL_TABS = 6

# Each visible code block of a page, as the phone draws it: does it scroll
# sideways, is it a file block (a caption, and not a shell session), and can
# a keyboard reach it.
CODE_BLOCKS = """() => Array.from(document.querySelectorAll('.rst-content div.highlight pre'))
    .filter(pre => pre.offsetParent !== null)
    .map(pre => {
        const language = pre.closest('[class^="highlight-"]');
        const shell = /highlight-(console|ps1con|bash)\\b/.test(language.className);
        const caption = pre.closest('.literal-block-wrapper')?.querySelector('.caption-text');
        return {
            scrolls: pre.scrollWidth > pre.clientWidth + 1,
            file: Boolean(caption) && !shell,
            name: pre.getAttribute('aria-label'),
            focusable: pre.tabIndex === 0,
            shows: (caption ? caption.textContent + ': ' : '') + pre.textContent.trim().split('\\n')[0].slice(0, 60),
        };
    })"""

# Resolves after the browser has drawn twice: the guide's script marks the
# blocks that scroll from a ResizeObserver, which runs before a frame is drawn.
TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


class Audits(dict):
    """{(viewport, page): what axe-core and the block measure found, or the error}, shown by its size only."""

    def __repr__(self):
        return f"<{len(self)} pages audited>"


@pytest.fixture(scope="module")
def audits(run, new_profile, site_url, site_pages, axe_script, figures):
    async def audit(tab, viewport, path, limit):
        async with limit, tab() as (page, _):
            try:
                response = await page.goto(f"{site_url}/{path}", wait_until="networkidle")
                assert response is not None and response.ok, f"{path}: {response and response.status}"
                await page.evaluate(TWO_FRAMES)
                await page.add_script_tag(content=axe_script)
                violations = await page.evaluate(
                    """async () => (await axe.run(document)).violations.map(v => ({
                        rule: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => [n.target.join(' '), n.failureSummary]),
                    }))"""
                )
                blocks = await page.evaluate(CODE_BLOCKS) if viewport == "phone" else None
                return {"violations": violations, "blocks": blocks}
            except Exception as error:  # reported by this page's test
                return error

    async def audit_every_page():
        limit = asyncio.Semaphore(PARALLEL_TABS)
        found = Audits()
        for viewport, (width, height) in VIEWPORTS.items():
            async with new_profile(width, height) as tab:
                results = await asyncio.gather(*(audit(tab, viewport, path, limit) for path in site_pages))
            found.update(((viewport, path), result) for path, result in zip(site_pages, results))
        return found

    found = run(audit_every_page())
    blocks = [block for result in found.values() if isinstance(result, dict) and result["blocks"] for block in result["blocks"]]
    scrolling = [block for block in blocks if block["scrolls"]]
    figures.append(
        f"axe-core: {len(site_pages)} pages at {' and '.join(f'{w}x{h}' for w, h in VIEWPORTS.values())}; "
        f"on the phone {len(scrolling)} of {len(blocks)} visible code blocks scroll sideways "
        f"({sum(block['file'] for block in scrolling)} of them file blocks)"
    )
    return found


def result_of(audits, viewport, page):
    result = audits[(viewport, page)]
    if isinstance(result, Exception):
        raise result
    return result


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_axe_core_finds_no_critical_or_serious_violation(audits, built_page, viewport):
    violations = [v for v in result_of(audits, viewport, built_page)["violations"] if v["impact"] in FAILING_IMPACTS]
    width, height = VIEWPORTS[viewport]
    report = [
        f"{built_page} at {width}x{height}: {v['impact']} {v['rule']} ({v['help']}) on {len(v['nodes'])} elements:\n"
        + "\n".join(f"    {target}: {summary.replace(chr(10), ' ')}" for target, summary in v["nodes"][:5])
        for v in violations
    ]
    assert not violations, "\n".join(report)


def test_on_a_phone_only_file_blocks_scroll_sideways_and_a_keyboard_reaches_them(audits, built_page):
    problems = []
    for block in result_of(audits, "phone", built_page)["blocks"]:
        if not block["scrolls"]:
            continue
        if not block["file"]:
            problems.append(f"commands or output scroll sideways instead of wrapping: {block['shows']!r}")
        elif not (block["focusable"] and block["name"]):
            problems.append(f"a file block scrolls sideways and a keyboard cannot reach it: {block['shows']!r}")
    assert not problems, f"{built_page} at 390x844:\n" + "\n".join(problems)
