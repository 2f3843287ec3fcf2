// Show the institution choice only when the provider is an outside institution.
(function () {
  "use strict";
  var form = document.getElementById("activity-form");
  if (!form) { return; }
  var kind = form.querySelector("select[name=provider_kind]");
  var box = form.querySelector("[data-field=institution]");
  if (!kind || !box) { return; }
  function sync() { box.hidden = kind.value !== "institution"; }
  kind.addEventListener("change", sync);
  sync();
})();
