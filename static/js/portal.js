// Small behaviours the portal needs; no inline scripts (Content-Security-Policy).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) window.print();
});

// The phone's menu button folds the main menu open and shut: Bootstrap's collapse markup, without the
// 80 KB of Bootstrap's script that only this used.
document.addEventListener("click", (event) => {
  const toggler = event.target.closest("[data-bs-toggle=collapse]");
  const target = toggler && document.querySelector(toggler.dataset.bsTarget);
  if (!target) return;
  const open = target.classList.toggle("show");
  toggler.setAttribute("aria-expanded", String(open));
  toggler.classList.toggle("collapsed", !open);
});

// A table wider than the screen scrolls sideways inside its .table-responsive wrapper: make the
// wrapper reachable by keyboard (WCAG 2.1.1) and name it after its section, on load and after htmx swaps.
function markScrollableTables() {
  const named = new Set([...document.querySelectorAll("[role=region][aria-label]")].map((el) => el.ariaLabel));
  document.querySelectorAll(".table-responsive").forEach((wrapper) => {
    if (wrapper.scrollWidth <= wrapper.clientWidth || wrapper.hasAttribute("tabindex")) return;
    wrapper.tabIndex = 0;
    // Named after its caption or the heading just before it; a name already taken is not repeated.
    const heading = document.evaluate("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1]",
      wrapper, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    const name = (wrapper.querySelector("caption") || heading)?.textContent.trim();
    if (name && !named.has(name)) {
      named.add(name);
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", name);
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollableTables);
document.addEventListener("htmx:afterSettle", markScrollableTables);
window.addEventListener("resize", markScrollableTables);
