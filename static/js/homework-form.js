// The homework day form: the running total of written minutes against the grade band's limit (a warning, never a
// block), switching class without loading a page, and copying the last school day's rows into the form.
(function () {
  "use strict";
  var form = document.getElementById("homework-day-form");
  if (!form) return;
  var select = document.getElementById("id_school_class");
  var dateInput = document.getElementById("id_date");
  var noHomework = document.getElementById("id_no_homework");
  var box = document.getElementById("homework-total");
  var text = document.getElementById("homework-total-text");
  var over = document.getElementById("homework-total-over");
  var g12 = document.getElementById("homework-total-g12");
  var rule = document.getElementById("homework-total-rule");
  var status = document.getElementById("day-status");
  var copyLink = document.getElementById("copy-previous");
  var tbody = form.querySelector("table.homework-rows tbody");
  var totalForms = form.querySelector("input[name='items-TOTAL_FORMS']");
  var dataNode = document.getElementById("homework-day-data");
  var data = dataNode ? JSON.parse(dataNode.textContent) : { filings: {}, previous: {} };
  var FLAGS = ["at_home", "for_parents", "parent_grading", "self_grading", "punitive", "beyond_standard"];
  var SPARE_ROWS = 3;

  function rows() { return Array.prototype.slice.call(tbody.querySelectorAll("tr.item-row")); }
  function field(row, name) { return row.querySelector("[name$='-" + name + "']"); }

  function total(band) {
    var sum = 0;
    rows().forEach(function (row) {
      var subject = field(row, "subject");
      var kind = field(row, "kind");
      var minutes = field(row, "minutes");
      var atHome = field(row, "at_home");
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

  // -- the rows: as many as the items plus spare ones, each set from an item or emptied --------------------
  function addRow() {
    var all = rows();
    var last = all[all.length - 1];
    var index = all.length;
    var copy = last.cloneNode(true);
    var from = new RegExp("items-" + (index - 1) + "-", "g");
    copy.querySelectorAll("[id],[name],[aria-labelledby]").forEach(function (el) {
      ["id", "name", "aria-labelledby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(from, "items-" + index + "-"));
      });
    });
    var head = copy.querySelector("th[scope='row']");
    head.id = "items-" + index + "-head";
    head.textContent = String(index + 1);
    tbody.appendChild(copy);
    totalForms.value = String(index + 1);
    return copy;
  }

  function setRow(row, item) {
    item = item || {};
    field(row, "subject").value = item.subject || "";
    field(row, "kind").value = item.kind || "written";
    field(row, "minutes").value = item.minutes === undefined || item.minutes === null ? "" : String(item.minutes);
    FLAGS.forEach(function (name) {
      var box = field(row, name);
      box.checked = name === "at_home" ? item.at_home !== false : item[name] === true;
    });
    field(row, "content").value = item.content || "";
  }

  function fill(filing) {
    var items = (filing && filing.items) || [];
    tbody.querySelectorAll("tr.row-errors").forEach(function (tr) { tr.remove(); });
    while (rows().length < Math.max(items.length + SPARE_ROWS, 5 + SPARE_ROWS)) addRow();
    rows().forEach(function (row, i) { setRow(row, items[i]); });
    if (noHomework) noHomework.checked = !!(filing && filing.no_homework);
    dirty = false;
    update();
  }

  function announce(message) { if (status) status.textContent = message; }

  function rememberClass() {
    var url = new URL(window.location.href);
    url.searchParams.set("school_class", select.value);
    url.searchParams.set("date", dateInput.value);
    url.searchParams.delete("copy");
    window.history.replaceState(null, "", url.toString());
    if (copyLink) {
      var href = new URL(copyLink.href);
      href.searchParams.set("school_class", select.value);
      copyLink.href = href.toString();
    }
  }

  // switching class shows that class's filing of the day at once (no page load); another date loads the page
  var dirty = false;
  var current = select ? select.value : "";
  tbody.addEventListener("input", function () { dirty = true; });
  tbody.addEventListener("change", function () { dirty = true; });
  if (select) {
    select.addEventListener("change", function () {
      if (dirty && !window.confirm(form.getAttribute("data-confirm-switch"))) {
        select.value = current;
        return;
      }
      current = select.value;
      var filing = data.filings[select.value];
      fill(filing);
      announce(form.getAttribute(filing ? "data-label-filed" : "data-label-unfiled"));
      rememberClass();
    });
  }
  if (dateInput) {
    dateInput.addEventListener("change", function () {
      if (!select || !dateInput.value || dateInput.value === data.day) return;
      if (dirty && !window.confirm(form.getAttribute("data-confirm-switch"))) return;
      var url = new URL(window.location.href);
      url.searchParams.set("school_class", select.value);
      url.searchParams.set("date", dateInput.value);
      url.searchParams.delete("copy");
      window.location.assign(url.toString());
    });
  }
  if (copyLink) {
    copyLink.addEventListener("click", function (event) {
      event.preventDefault();
      var filing = data.previous[select.value];
      if (!filing) {
        announce(form.getAttribute("data-label-nothing"));
        return;
      }
      fill(filing);
      dirty = true;  // copied rows are not saved until the form is submitted
      announce(form.getAttribute("data-label-copied"));
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
