// The findings list: a "select the whole page" box over the row boxes (shown only when scripts run).
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("input.row-select"));
  all.hidden = rows.length === 0;
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      all.checked = rows.every(function (b) { return b.checked; });
    });
  });
})();
