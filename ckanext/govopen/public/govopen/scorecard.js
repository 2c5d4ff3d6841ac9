/* The scorecard's charts, drawn with Chart.js from the figures the page's table shows.
   No inline script: the figures come in JSON blocks (#govopen-scorecard-data, -labels). */
(function () {
  "use strict";
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function number(value) {
    return value === "" || value === null || value === undefined ? null : Number(value);
  }
  function draw() {
    var rows = read("govopen-scorecard-data"), labels = read("govopen-scorecard-labels");
    if (!rows || !labels || typeof window.Chart === "undefined") { return; }
    var names = rows.map(function (r) { return r.name; });
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    new window.Chart(document.getElementById("govopen-score-chart"), {
      type: "bar",
      data: { labels: names, datasets: [{ label: labels.score, data: rows.map(function (r) { return r.score; }),
                                          backgroundColor: "#1f5fa8" }] },
      options: Object.assign({ indexAxis: "y", scales: { x: { min: 0, max: 100 } } }, common)
    });
    var figures = ["freshness", "completeness", "upkeep", "requests_on_time", "openness"];
    var colours = ["#1f5fa8", "#2e8b57", "#b8860b", "#b3261e", "#6a5acd"];
    new window.Chart(document.getElementById("govopen-ratio-chart"), {
      type: "bar",
      data: { labels: names, datasets: figures.map(function (f, i) {
        return { label: labels[f], data: rows.map(function (r) { return number(r[f]); }), backgroundColor: colours[i] };
      }) },
      options: Object.assign({ scales: { y: { min: 0, max: 100 } } }, common)
    });
    document.documentElement.setAttribute("data-govopen-charts", "drawn");
  }
  function bindPrint() {
    var buttons = document.querySelectorAll("[data-govopen-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(); bindPrint(); });
  } else { draw(); bindPrint(); }
})();
