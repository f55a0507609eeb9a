// What a page shows once the browser has drawn twice (the guide's script
// marks the blocks that scroll from a ResizeObserver, which runs before a
// frame is drawn): the theme's sidebar and main area, each tab list's
// selected tab and the tabs of its visible panels, and each code block as
// drawn (is it visible, its lines, does it scroll sideways, is it a file
// block: a caption, not a shell session, and can a keyboard reach it).
// CODE in conftest.py names the same blocks.
async () => {
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    const names = tabs => tabs.map(tab => tab.textContent.trim());
    const sidebars = document.querySelectorAll('.wy-nav-side');
    return {
        sidebars: sidebars.length,
        colour: sidebars.length === 1 ? getComputedStyle(sidebars[0]).backgroundColor : null,
        mains: document.querySelectorAll('[role="main"]').length,
        tabs: Array.from(document.querySelectorAll('[role="tablist"]')).map(list => {
            const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
            return [names(tabs.filter(tab => tab.getAttribute('aria-selected') === 'true')), names(tabs.filter(tab => {
                const panel = document.getElementById(tab.getAttribute('aria-controls'));
                return panel && !panel.hidden && panel.offsetParent !== null;
            }))];
        }),
        blocks: Array.from(document.querySelectorAll('.rst-content div.highlight pre')).map((pre, index) => {
            const shell = /highlight-(console|ps1con|bash)\b/.test(pre.closest('[class^="highlight-"]').className);
            const caption = pre.closest('.literal-block-wrapper')?.querySelector('.caption-text');
            return {
                index, visible: pre.offsetParent !== null, lines: pre.innerText.split('\n'),
                scrolls: pre.scrollWidth > pre.clientWidth + 1, file: Boolean(caption) && !shell,
                name: pre.getAttribute('aria-label'), focusable: pre.tabIndex === 0,
                shows: (caption ? caption.textContent + ': ' : '') + pre.textContent.trim().split('\n')[0].slice(0, 60),
            };
        }),
    };
}
