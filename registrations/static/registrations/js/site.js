// Progressive enhancement for the signup form. Without JavaScript every field is shown and the
// server decides (and explains); with it, the stakeholder type shows only what applies.
(function () {
  "use strict";
  const form = document.querySelector(".registration-form");
  if (!form) return;
  const typeInputs = form.querySelectorAll("input[name='stakeholder_type']");

  function currentType() {
    const checked = form.querySelector("input[name='stakeholder_type']:checked");
    return checked ? checked.value : "";
  }

  function update() {
    const type = currentType();
    const government = type === "government";
    // A hidden field must not send a value the visitor can no longer see or clear.
    form.querySelectorAll("[data-show-for='government']").forEach(function (el) {
      el.hidden = type !== "" && !government;
      if (el.hidden) el.querySelectorAll("select").forEach(function (select) { select.value = ""; });
    });
    form.querySelectorAll("[data-show-for='non-government']").forEach(function (el) {
      el.hidden = type !== "" && government;
    });
    form.querySelectorAll("input[data-tier='government_only']").forEach(function (input) {
      const item = input.closest(".form-check") || input.parentElement;
      const barred = type !== "" && !government;
      if (barred) input.checked = false;
      input.disabled = barred;
      item.hidden = barred;
    });
  }

  typeInputs.forEach(function (input) { input.addEventListener("change", update); });
  update();

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
