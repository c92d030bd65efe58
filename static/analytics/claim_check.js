// The single-claim check without a page reload. Progressive enhancement: without this
// script the form posts and the class page comes back with the answer. The form's
// action carries the launch token (no cookies inside the Canvas iframe); focus stays
// in the form and the verdict is announced through its role=status line.
(function () {
  "use strict";
  document.querySelectorAll("form[data-claim-check]").forEach(function (form) {
    var result = document.getElementById(form.getAttribute("data-claim-check"));
    var status = form.querySelector("[data-claim-check-status]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      form.setAttribute("aria-busy", "true");
      status.textContent = "Checking the sentence against the course materials\u2026";
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "omit",
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          result.innerHTML = data.html;
          status.textContent = data.summary;
        })
        .catch(function () {
          status.textContent = "The check did not reach Smart Notes. Try again in a moment.";
        })
        .finally(function () {
          form.removeAttribute("aria-busy");
        });
    });
  });
})();
