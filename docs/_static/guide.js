/* The guide's own behaviour over sphinx-rtd-theme and sphinx-tabs.

   1. The reader's platform choice ("Linux and macOS" or "Windows") lasts.
      sphinx-tabs keeps it in sessionStorage, which belongs to one browser
      tab and is gone when it closes: a new tab, or tomorrow, showed Linux
      again. The choice is kept in localStorage too and handed to sphinx-tabs
      before it reads sessionStorage (this script runs before its
      DOMContentLoaded handler).
   2. A code block or table that scrolls sideways can be scrolled from the
      keyboard: it takes the focus (tabindex=0) and is a named region, as
      WCAG 2.1.1 asks and axe's scrollable-region-focusable checks. Whether
      it scrolls depends on the window's width and on a tab panel being open,
      so a ResizeObserver decides again whenever its size changes. */

(() => {
  const CHOICE = "sphinx-tabs-last-selected"; // sphinx-tabs' own sessionStorage key

  try {
    const kept = window.localStorage.getItem(CHOICE);
    if (kept !== null) window.sessionStorage.setItem(CHOICE, kept);
  } catch (error) {
    // Storage refused (a private window's setting): the choice lasts the page only.
  }

  document.addEventListener("click", (event) => {
    const tab = event.target.closest(".sphinx-tabs-tab.group-tab");
    if (!tab) return;
    try {
      window.localStorage.setItem(CHOICE, tab.getAttribute("name"));
    } catch (error) {
      // As above.
    }
  });

  // A name for each block or table that may scroll, unique on the page (axe
  // landmark-unique): its file's caption, or "Code" or "Table", numbered
  // when several share it.
  function names(scrollers) {
    const base = scrollers.map((scroller) => {
      const wrapper = scroller.closest(".literal-block-wrapper");
      const caption = (wrapper && wrapper.querySelector(".caption-text")) || scroller.querySelector("caption");
      if (caption) return caption.textContent.trim();
      return scroller.matches("pre") ? "Code" : "Table";
    });
    const seen = {};
    return base.map((name) => {
      const count = base.filter((other) => other === name).length;
      seen[name] = (seen[name] || 0) + 1;
      const which = count > 1 ? ` (${seen[name]} of ${count})` : "";
      return `${name}${which}, scrolls sideways`;
    });
  }

  function reachable(scroller, name) {
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("role", "region");
      scroller.setAttribute("aria-label", name);
    } else {
      scroller.removeAttribute("tabindex");
      scroller.removeAttribute("role");
      scroller.removeAttribute("aria-label");
    }
  }

  const SCROLLERS = ".rst-content div.highlight pre, .rst-content .wy-table-responsive";

  function update() {
    const scrollers = Array.from(document.querySelectorAll(SCROLLERS));
    const labels = names(scrollers);
    scrollers.forEach((scroller, index) => reachable(scroller, labels[index]));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const sizes = new ResizeObserver(update);
    const watch = () => document.querySelectorAll(SCROLLERS).forEach((scroller) => sizes.observe(scroller));
    watch();
    // The theme wraps each table in its scrolling div.wy-table-responsive
    // some time after the document is ready: watch those as they appear.
    new MutationObserver(watch).observe(document.body, { childList: true, subtree: true });
  });
})();
