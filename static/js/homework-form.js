// The day form's running total of written minutes against the grade band's limit.
(function () {
  "use strict";
  var form = document.getElementById("homework-day-form");
  if (!form) return;
  var select = document.getElementById("id_school_class");
  var box = document.getElementById("homework-total");
  var out = document.getElementById("homework-total-minutes");

  function total(band) {
    var sum = 0;
    form.querySelectorAll("tr.item-row").forEach(function (row) {
      var kind = row.querySelector("select[name$='-kind']");
      var minutes = row.querySelector("input[name$='-minutes']");
      var atHome = row.querySelector("input[name$='-at_home']");
      var subject = row.querySelector("select[name$='-subject']");
      if (!kind || kind.value !== "written" || !subject || !subject.value) return;
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
    var limit = limitText === "" ? null : parseInt(limitText, 10);
    var sum = total(band);
    out.textContent = String(sum);
    var text = box.getAttribute("data-label-total") + "：" + sum;
    if (limit !== null) {
      text += " / " + box.getAttribute("data-label-limit") + " " + limit;
    }
    var over = limit !== null && sum > limit;
    box.classList.toggle("status-open", over);
    box.setAttribute("title", band === "G12" ? box.getAttribute("data-label-g12") : "");
    box.dataset.over = over ? "1" : "0";
    box.textContent = "";
    box.appendChild(document.createTextNode(text + " "));
    box.appendChild(out);
    out.hidden = true;
    if (over) {
      var warn = document.createElement("strong");
      warn.textContent = " " + box.getAttribute("data-label-over");
      box.appendChild(warn);
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
