// Progressive enhancement only: every page works without this file.
// A few lines of our own rather than a vendored library (htmx): nothing to audit or keep up to date.
(function () {
  "use strict";
  // On a phone, filter panels start folded so the results come first (open without JavaScript).
  if (window.matchMedia("(max-width: 47.99rem)").matches) {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (details) {
      if (!details.querySelector("[aria-invalid=true]")) details.removeAttribute("open");
    });
  }
  // Ask before leaving a form that has unsaved typing.
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  });
  // After a failed submission, put the keyboard on the first field with an error.
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
})();
