/* Dashboard charts (Apache ECharts, served from our static files).
 * Reads the figures from <script type="application/json" id="dashboard-data"> (the same
 * figures the tables and the API show) and draws each <div data-chart="..."> it finds. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var BANDS = ["G12", "G36", "G79"];
  // the page gives the charts' words in the reader's language; Chinese when it does not
  var words = document.getElementById("dashboard-labels");
  words = (words && words.dataset) || {};
  function t(key, chinese) { return words[key] || chinese; }
  var BAND_LABEL = { G12: t("bandG12", "1–2年级"), G36: t("bandG36", "3–6年级"), G79: t("bandG79", "7–9年级") };
  var charts = [];

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  function draw(name, option) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    option.animation = false;
    option.tooltip = option.tooltip || { trigger: "axis" };
    option.grid = option.grid || { left: 48, right: 48, top: 40, bottom: 40, containLabel: true };
    chart.setOption(option);
    charts.push(chart);
  }

  var hw = data.homework;
  if (hw) {
    var bands = hw.bands.map(function (b) { return BAND_LABEL[b.grade_band]; });
    draw("homework-bands", {
      title: { text: t("hwBands", "书面作业：未超时占比与时长"), textStyle: { fontSize: 14 } },
      legend: { top: 20, right: 0 },
      xAxis: { type: "category", data: bands },
      yAxis: [{ type: "value", name: "%", max: 100 }, { type: "value", name: t("minutes", "分钟") }],
      series: [
        { name: t("withinLimit", "未超时占比") + " %", type: "bar", data: hw.bands.map(function (b) { return pct(b.within_limit_share); }) },
        { name: t("avgMinutes", "平均分钟"), type: "bar", yAxisIndex: 1, data: hw.bands.map(function (b) { return b.avg_minutes; }) },
        { name: t("p90Minutes", "第90百分位分钟"), type: "bar", yAxisIndex: 1, data: hw.bands.map(function (b) { return b.p90_minutes; }) }
      ]
    });
    var weeks = hw.weeks.map(function (w) { return w.week; });
    draw("homework-weeks", {
      title: { text: t("hwWeeks", "按周趋势：未超时占比") + " %", textStyle: { fontSize: 14 } },
      legend: { top: 20, right: 0 },
      xAxis: { type: "category", data: weeks },
      yAxis: { type: "value", max: 100 },
      series: BANDS.filter(function (b) { return hw.weeks.some(function (w) { return w[b]; }); }).map(function (b) {
        return { name: BAND_LABEL[b], type: "line", connectNulls: true,
                 data: hw.weeks.map(function (w) { return w[b] ? pct(w[b].within_limit_share) : null; }) };
      })
    });
  }

  var as = data.afterschool;
  if (as && as.weeks) {
    draw("afterschool-weeks", {
      title: { text: t("asWeeks", "课后服务按周趋势") + " %", textStyle: { fontSize: 14 } },
      legend: { top: 20, right: 0 },
      xAxis: { type: "category", data: as.weeks.map(function (w) { return w.week; }) },
      yAxis: { type: "value", max: 100 },
      series: [
        { name: t("asCompleteness", "日报完整率"), type: "line", data: as.weeks.map(function (w) { return pct(w.completeness); }) },
        { name: t("asParticipation", "参与率"), type: "line", data: as.weeks.map(function (w) { return pct(w.participation_rate); }) },
        { name: t("asLate", "17:30及以后结束"), type: "line", data: as.weeks.map(function (w) { return pct(w.ended_after_1730_share); }) }
      ]
    });
  }

  var findings = data.findings;
  if (findings && findings.by_rule.length) {
    draw("findings-rules", {
      title: { text: t("findingsRules", "各规则问题线索"), textStyle: { fontSize: 14 } },
      legend: { top: 20, right: 0 },
      // the rules by their short titles (the ID stays in the tooltip and the table)
      xAxis: { type: "category", data: findings.by_rule.map(function (r) { return r.title || r.rule_id; }),
               axisLabel: { rotate: 40, width: 110, overflow: "truncate" } },
      grid: { left: 48, right: 48, top: 60, bottom: 40, containLabel: true },
      yAxis: { type: "value" },
      series: [
        { name: t("open", "待处理"), type: "bar", stack: "s", data: findings.by_rule.map(function (r) { return r.open; }) },
        { name: t("cleared", "已整改或消除"), type: "bar", stack: "s", data: findings.by_rule.map(function (r) { return r.cleared; }) },
        { name: t("dismissed", "已驳回"), type: "bar", stack: "s", data: findings.by_rule.map(function (r) { return r.dismissed; }) }
      ]
    });
  }

  if (data.districts) {
    var names = data.districts.map(function (d) { return d.name; });
    draw("districts", {
      title: { text: t("districts", "各区对比") + " %", textStyle: { fontSize: 14 } },
      legend: { top: 20, right: 0 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 40 } },
      yAxis: { type: "value", max: 100 },
      series: [
        { name: t("hwCompleteness", "作业公示完整率"), type: "bar", data: data.districts.map(function (d) { return pct(d.homework.filing.completeness); }) },
        { name: t("hwTimeliness", "作业公示及时率"), type: "bar", data: data.districts.map(function (d) { return pct(d.homework.filing.timeliness); }) },
        { name: t("asDistrictCompleteness", "课后服务日报完整率"), type: "bar", data: data.districts.map(function (d) { return pct(d.afterschool.completeness); }) },
        { name: t("asDistrictParticipation", "课后服务参与率"), type: "bar", data: data.districts.map(function (d) { return pct(d.afterschool.participation_rate); }) }
      ]
    });
  }

  var mapEl = document.querySelector('[data-chart="district-map"]');
  if (mapEl && data.districts && window.fetch) {
    // the district layout is a static file of this site (no CDN): static/geo/beijing-districts.json
    fetch(mapEl.dataset.geojson).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("beijing", geo);
      var byName = {};
      data.districts.forEach(function (d) { byName[d.name] = d; });
      var chart = echarts.init(mapEl, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        title: { text: t("mapTitle", "各区作业公示完整率") + " %", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + "：" + (p.value === undefined || isNaN(p.value) ? t("noData", "无数据") : p.value + "%");
        } },
        visualMap: { min: 0, max: 100, left: 0, bottom: 10, calculable: true, text: ["100%", "0%"],
                     inRange: { color: ["#c0392b", "#f1c40f", "#27ae60"] } },
        series: [{
          type: "map", map: "beijing", roam: false, label: { show: true, fontSize: 11 },
          data: data.districts.map(function (d) { return { name: d.name, value: pct(d.homework.filing.completeness) }; })
        }]
      });
      chart.on("click", function (p) {
        var d = byName[p.name];
        if (d && d.url) { window.location.href = d.url; }
      });
      charts.push(chart);
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
