// The complaint form: show the fields of the chosen target, and find institutions and schools by name.
// Without this script every field is shown and the server lists the matches to choose from.
(function () {
  "use strict";
  var form = document.querySelector("form.complaint-form");
  if (!form) { return; }

  function chosenKind() {
    var checked = form.querySelector("input[name=target_kind]:checked");
    return checked ? checked.value : "";
  }

  function showTargetFields() {
    var kind = chosenKind();
    form.querySelectorAll("[data-target]").forEach(function (el) {
      var kinds = el.getAttribute("data-target").split(" ");
      el.hidden = kind !== "" && kinds.indexOf(kind) === -1;
    });
  }
  form.querySelectorAll("input[name=target_kind]").forEach(function (el) {
    el.addEventListener("change", showTargetFields);
  });
  showTargetFields();

  var endpoints = {institutions: "/api/v1/complaints/targets/institutions/", schools: "/api/v1/complaints/targets/schools/"};

  form.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    var kind = input.getAttribute("data-autocomplete");
    var hidden = form.querySelector("input[type=hidden][name=" + (kind === "institutions" ? "institution" : "school") + "]");
    var list = form.querySelector("ul.autocomplete[data-for=" + input.name + "]");
    var timer = null;

    function clear() {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      list.hidden = true;
    }

    function render(items) {
      clear();
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = item.name + "（" + item.district + "）";
        button.addEventListener("click", function () {
          input.value = item.name;
          hidden.value = item.id;
          clear();
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
    }

    input.addEventListener("input", function () {
      hidden.value = "";
      if (timer) { clearTimeout(timer); }
      var q = input.value.trim();
      if (q.length < 2) { clear(); return; }
      timer = setTimeout(function () {
        fetch(endpoints[kind] + "?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(render)
          .catch(clear);
      }, 250);
    });
  });
}());
