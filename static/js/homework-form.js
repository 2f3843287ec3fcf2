// The day form's running total of written minutes against the grade band's limit (a warning, never a block).
(function () {
  "use strict";
  var form = document.getElementById("homework-day-form");
  if (!form) return;
  var select = document.getElementById("id_school_class");
  var box = document.getElementById("homework-total");
  var text = document.getElementById("homework-total-text");
  var over = document.getElementById("homework-total-over");
  var g12 = document.getElementById("homework-total-g12");
  var rule = document.getElementById("homework-total-rule");

  function total(band) {
    var sum = 0;
    form.querySelectorAll("tr.item-row").forEach(function (row) {
      var subject = row.querySelector("select[name$='-subject']");
      var kind = row.querySelector("select[name$='-kind']");
      var minutes = row.querySelector("input[name$='-minutes']");
      var atHome = row.querySelector("input[name$='-at_home']");
      if (!subject || !subject.value || !kind || kind.value !== "written") return;
      if (band === "G12" && atHome && !atHome.checked) return; // grades 1-2: only written homework at home counts
      var n = parseInt(minutes && minutes.value, 10);
      if (!isNaN(n) && n > 0) sum += n;
    });
    return sum;
  }

  function update() {
    var option = select && select.options[select.selectedIndex];
    var band = option ? option.getAttribute("data-band") : "";
    var limitText = option ? option.getAttribute("data-limit") : "";
    var limit = limitText === "" || limitText === null ? null : parseInt(limitText, 10);
    var sum = total(band);
    var minutes = box.getAttribute("data-label-minutes");
    var line = box.getAttribute("data-label-total") + sum + " " + minutes;  // the label carries its colon
    if (limit !== null) line += " / " + box.getAttribute("data-label-limit") + " " + limit + " " + minutes;
    text.textContent = line;
    var isOver = limit !== null && sum > limit;
    if (rule) rule.textContent = option ? option.getAttribute("data-rule") || "" : "";
    over.hidden = !isOver;
    g12.hidden = band !== "G12";
    box.classList.toggle("status-open", isOver);
  }

  // switching class or date before typing anything loads that class-day's filing (to correct it)
  var dirty = false;
  var dateInput = document.getElementById("id_date");
  form.querySelector("tbody").addEventListener("input", function () { dirty = true; });
  function reload() {
    if (dirty || !select || !dateInput || !dateInput.value) return;
    var url = new URL(window.location.href);
    url.searchParams.set("school_class", select.value);
    url.searchParams.set("date", dateInput.value);
    window.location.assign(url.toString());
  }
  if (select) select.addEventListener("change", reload);
  if (dateInput) dateInput.addEventListener("change", reload);

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
