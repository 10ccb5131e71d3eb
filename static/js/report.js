// Report pages: quick exit (button and Esc) that replaces this page in history, copy the receipt,
// and focus the error summary. Everything still works without this file.
(function () {
  "use strict";
  var exitUrl = document.body.getAttribute("data-quick-exit-url") || "https://www.google.com/";
  // On the follow-up page, quick exit also ends the follow-up on the server: the beacon carries the
  // close form (with its CSRF token) and is sent even as the page goes away.
  var closeForm = document.querySelector("form[data-followup-leave]");
  function leave() {
    if (closeForm && navigator.sendBeacon) navigator.sendBeacon(closeForm.action, new FormData(closeForm));
    document.title = "";
    document.body.hidden = true;
    window.location.replace(exitUrl);  // replace: the back button does not return here
  }
  document.querySelectorAll("[data-quick-exit]").forEach(function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); leave(); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") leave();
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.getAttribute("data-copied") || "✓";
      });
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
