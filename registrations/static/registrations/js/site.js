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

  // Says how many sessions the chosen type hides (Django's JavaScript catalog: gettext, ngettext).
  const note = document.createElement("p");
  note.className = "small text-body-secondary sessions-hidden-note";
  note.setAttribute("aria-live", "polite");
  const sessionsField = form.querySelector("input[name='sessions']");
  const sessionsGroup = sessionsField ? sessionsField.closest("fieldset") : null;
  if (sessionsGroup) sessionsGroup.appendChild(note);

  function describeHidden(count) {
    if (!count || typeof window.ngettext !== "function") return "";
    return window.interpolate(
      window.ngettext(
        "%(count)s government-only session is hidden: it is not open to your stakeholder type.",
        "%(count)s government-only sessions are hidden: they are not open to your stakeholder type.",
        count
      ),
      { count: count },
      true
    );
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
    note.textContent = describeHidden(form.querySelectorAll("input[data-tier='government_only']:disabled").length);
  }

  typeInputs.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();

// A form's action may name an anchor (#add-session) so that, without JavaScript, the answer opens at
// the form. With JavaScript a refused form's page opens on its error summary instead, and the
// browser's move to the anchor, which can come after the page has loaded, would scroll the summary
// away: the form is sent without the anchor.
(function () {
  "use strict";
  document.querySelectorAll("form[action*='#']").forEach(function (form) {
    form.setAttribute("action", form.getAttribute("action").split("#")[0]);
  });
})();

// A page that refused a form opens on the summary of what to correct (each item links to its field).
// An address that names an anchor (a reload, a link) moves the browser there, which takes the focus
// away again, so the summary takes it back after.
(function () {
  "use strict";
  const summary = document.getElementById("error-summary");
  if (!summary) return;
  summary.focus();
  if (window.location.hash) {
    window.addEventListener("load", function () { summary.focus(); });
  }
})();
