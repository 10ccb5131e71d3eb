// Slides (learn/slide.html): arrow keys, Page Up/Down and space follow the page's own links, so the
// slides work the same without this file.
(function () {
  "use strict";
  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) window.location.href = link.href;
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || tag === "summary") return;
    if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
      event.preventDefault();
      follow('.slide-nav a[rel="next"]');
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault();
      follow('.slide-nav a[rel="prev"]');
    } else if (event.key === "Escape" && !document.querySelector("details.help-now[open]")) {
      follow(".slide-nav a[data-exit]");
    }
  }, true);  // capture: see whether "Get help now" was open before dari.js closes it on Esc
})();
