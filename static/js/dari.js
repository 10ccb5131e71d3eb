// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Copy buttons: shown only when the Clipboard API is there to back them.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        button.setAttribute("aria-live", "polite");
        button.dataset.label = button.dataset.label || button.textContent;
        button.textContent = button.dataset.copied || "✓";
        setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
      });
    });
  });
  // Scenario choices: show the feedback at once instead of reloading the page.
  document.querySelectorAll("form[data-scenario]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var picked = form.querySelector("input[type=radio]:checked");
      if (!picked) return;
      event.preventDefault();
      var area = form.parentElement.querySelector(".feedback-area");
      area.querySelectorAll("[data-feedback-for]").forEach(function (p) {
        p.hidden = p.getAttribute("data-feedback-for") !== picked.value;
      });
    });
  });
  // Print buttons (login cards, handouts, guides): without JavaScript the browser's Print command does it.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // Move focus to the error summary so keyboard and screen-reader users hear what went wrong.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // Esc closes the "Get help now" panel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.help-now[open]").forEach(function (d) {
      d.open = false;
      d.querySelector("summary").focus();
    });
  });
})();
