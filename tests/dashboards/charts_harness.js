// Runs static/js/dashboards.js against a stub DOM and ECharts; prints which charts it drew (series, points).
const fs = require("fs");
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const drawn = [];
const els = {};
["homework-bands","homework-weeks","afterschool-weeks","findings-rules","districts"].forEach(n => els[n] = {name: n});
global.document = {
  getElementById: id => id === "dashboard-data" ? {textContent: JSON.stringify(data)} : null,
  querySelector: sel => els[sel.match(/"(.+)"/)[1]] || null,
  querySelectorAll: () => [{addEventListener(){}}],
};
global.window = {addEventListener(){}, print(){}};
global.echarts = {init: el => ({setOption: o => { drawn.push([el.name, o.series.length, o.series.map(s => s.data.length)]); }, resize(){}})};
require(process.argv[3]);
console.log(JSON.stringify(drawn));
