// Small behaviours the portal needs; no inline scripts (Content-Security-Policy).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) window.print();
});

// A table wider than the screen scrolls sideways inside its .table-responsive wrapper: make the
// wrapper reachable by keyboard (WCAG 2.1.1) and name it after its section, on load and after htmx swaps.
function markScrollableTables() {
  document.querySelectorAll(".table-responsive").forEach((wrapper) => {
    if (wrapper.scrollWidth <= wrapper.clientWidth || wrapper.hasAttribute("tabindex")) return;
    wrapper.tabIndex = 0;
    const heading = wrapper.closest("section, main")?.querySelector("h1, h2, h3");
    const caption = wrapper.querySelector("caption");
    const name = (caption || heading)?.textContent.trim();
    if (name) {
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", name);
    }
  });
}
document.addEventListener("DOMContentLoaded", markScrollableTables);
document.addEventListener("htmx:afterSettle", markScrollableTables);
window.addEventListener("resize", markScrollableTables);
