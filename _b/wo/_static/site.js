// Small reading-experience fixes on top of furo.
(() => {
  "use strict";

  // A code block or table wider than the page scrolls sideways; make it reachable
  // by keyboard (Tab, then the arrow keys) whenever it does, and only then.
  // Left/right arrows inside it scroll it: they must not reach Sphinx's
  // navigation_with_keys listener, which would go to the previous/next page.
  const SCROLLERS = "article div.highlight pre, article .table-wrapper";
  document.addEventListener("keydown", (event) => {
    if ((event.key === "ArrowLeft" || event.key === "ArrowRight")
        && event.target instanceof Element && event.target.closest(SCROLLERS)) {
      event.stopImmediatePropagation();
    }
  }, true);
  const markScrollable = () => {
    for (const element of document.querySelectorAll(SCROLLERS)) {
      if (element.scrollWidth > element.clientWidth + 1) {
        element.setAttribute("tabindex", "0");
      } else if (element.getAttribute("tabindex") === "0") {
        element.removeAttribute("tabindex");
      }
    }
  };

  // The page has two complementary landmarks; name them so a screen reader tells them apart.
  const nameLandmarks = () => {
    document.querySelector(".sidebar-drawer")?.setAttribute("aria-label", "Site navigation");
    document.querySelector(".toc-drawer")?.setAttribute("aria-label", "On this page");
  };

  // On narrow screens the table of contents is a drawer over the page. Close it
  // once the reader picks a heading, so the heading is not left behind it.
  document.addEventListener("click", (event) => {
    const toggle = document.getElementById("__toc");
    if (toggle && toggle.checked && event.target.closest(".toc-drawer a[href^='#']")) {
      toggle.checked = false;
    }
  });

  const setup = () => {
    nameLandmarks();
    markScrollable();
    let pending = null;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(markScrollable);
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
