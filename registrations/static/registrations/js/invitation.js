// An invitation counts as opened when a person opens its page: this script says so once the page is
// shown. A mail scanner that fetches the link (GET only, no script) leaves it unopened; the form's
// first POST counts it too.
(function () {
  "use strict";
  const page = document.querySelector("[data-opened-url]");
  if (!page) return;
  const token = document.querySelector("input[name='csrfmiddlewaretoken']");
  fetch(page.dataset.openedUrl, {
    method: "POST",
    headers: { "X-CSRFToken": token ? token.value : "" },
    credentials: "same-origin",
  }).catch(function () { /* the funnel only: nothing to tell the visitor */ });
})();
