// Draws the dues report's and the dashboard's charts from json_script data (no inline script: CSP).
// Every chart has a table beside it, so nothing is carried by the chart alone.
(function () {
  "use strict";
  const palette = ["#9b1c1c", "#0a4f9e", "#2e6b30", "#8a6d00", "#5b2c83", "#4a4a4a"];
  const font = { size: 15 };

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map((dataset, index) => ({
      ...dataset,
      backgroundColor: palette[index % palette.length],
      borderColor: palette[index % palette.length],
      borderWidth: 2,
      pointRadius: 4,
    }));
    const valueAxis = { beginAtZero: true, stacked: Boolean(spec.stacked), ticks: { font, precision: 0 } };
    if (spec.percent) valueAxis.max = 100;
    const labelAxis = { stacked: Boolean(spec.stacked), ticks: { font, autoSkip: true } };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: datasets.length > 1, labels: { font } } },
        scales: spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
  // Redraw at the printed width so the charts fit the A4 page.
  window.addEventListener("beforeprint", () => {
    if (!window.Chart) return;
    Object.values(window.Chart.instances).forEach((chart) => chart.resize());
  });
})();
