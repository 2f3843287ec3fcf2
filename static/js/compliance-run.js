// A run's page: poll the run's API every second and update the progress bar and counts until it finishes.
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var finished = ["done", "failed"];

  function set(field, text) {
    var el = box.querySelector("[data-field=" + field + "]");
    if (el) { el.textContent = text; }
  }

  function render(run) {
    var bar = box.querySelector("progress");
    if (bar) { bar.value = run.progress; bar.textContent = run.progress + "%"; }
    set("progress", run.progress + "%");
    ["parts_done", "new_count", "still_open_count", "cleared_count"].forEach(function (f) { set(f, String(run[f])); });
    var state = box.querySelector("[data-field=state]");
    if (state) {
      state.className = "status status-" + run.state;
      state.textContent = box.getAttribute("data-label-" + run.state) || run.state;
    }
    var errors = box.querySelector("[data-field=errors]");
    if (errors) {
      errors.textContent = "";
      (run.errors || []).forEach(function (e) {
        if (e.code === "calendar_gap") { return; }  // shown in their own block, with the year to enter
        var li = document.createElement("li");
        li.textContent = [e.rule, e.district].filter(Boolean).join(" ") + ": " + e.error;
        errors.appendChild(li);
      });
    }
    box.setAttribute("data-state", run.state);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (run) {
        if (run && finished.indexOf(run.state) !== -1 && (run.calendar_gaps || []).length &&
            !document.getElementById("calendar-gaps")) {
          window.location.reload();  // the page names the gaps' districts and says who enters the year
          return;
        }
        if (run) { render(run); }
        if (!run || finished.indexOf(run.state) === -1) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (finished.indexOf(box.getAttribute("data-state")) === -1) { window.setTimeout(poll, 1000); }
})();
