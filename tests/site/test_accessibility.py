"""Every built page passes axe-core and fits a phone, in Chromium at a desktop's and a phone's size.

axe-core (npm, the version the noxfile pins) runs in each page with its
default rules, none turned off: a critical or serious violation fails the
page. On the phone, a code block may scroll sideways only if it shows a file
whose long lines cannot wrap, and then a keyboard must reach it (WCAG 2.1.1):
it takes the focus and has a name. Commands and their output wrap. The
pages are loaded once for these and test_site.py's checks (conftest.py).
"""

FAILING_IMPACTS = ("critical", "serious")


def test_axe_core_finds_no_critical_or_serious_violation(seen, built_page, viewport):
    violations = [v for v in seen(viewport, built_page)["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not violations, "\n".join(
        f"{built_page} at {viewport}: {v['impact']} {v['rule']} ({v['help']}) on {len(v['nodes'])} elements:\n"
        + "\n".join(f"    {target}: {summary.replace(chr(10), ' ')}" for target, summary in v["nodes"][:5])
        for v in violations
    )


def test_on_a_phone_only_file_blocks_scroll_sideways_and_a_keyboard_reaches_them(seen, built_page):
    problems = [
        f"commands or output scroll sideways instead of wrapping: {block['shows']!r}" if not block["file"]
        else f"a file block scrolls sideways and a keyboard cannot reach it: {block['shows']!r}"
        for block in seen("390x844", built_page)["blocks"]
        if block["scrolls"] and not (block["file"] and block["focusable"] and block["name"])
    ]
    assert not problems, f"{built_page} at 390x844:\n" + "\n".join(problems)
