// Draws the dues report's and the dashboard's charts from json_script data (no inline script: CSP).
// Every chart has a table beside it, so nothing is carried by the chart alone.
(function () {
  "use strict";
  // The dashboard names Chart.js here instead of loading it: it comes when a chart nears the screen,
  // so a phone that never scrolls to the charts never loads it. The printed report loads it itself.
  const chartjs = document.currentScript && document.currentScript.dataset.chartjs;
  const palette = ["#9b1c1c", "#0a4f9e", "#2e6b30", "#8a6d00", "#5b2c83", "#4a4a4a"];
  const font = { size: 15 };

  // Long labels (English purposes) go on several lines instead of being cut off on a phone.
  function wrap(label) {
    const words = String(label).split(" ");
    if (words.length < 2 || String(label).length <= 16) return label;
    const lines = [""];
    words.forEach((word) => {
      const line = lines[lines.length - 1];
      if (line && (line + " " + word).length > 16) lines.push(word);
      else lines[lines.length - 1] = line ? line + " " + word : word;
    });
    return lines;
  }

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
    // Every category of a horizontal chart is named; time axes may skip labels when crowded.
    const labelAxis = { stacked: Boolean(spec.stacked), ticks: { font, autoSkip: !spec.horizontal } };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels.map(wrap), datasets },
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

  let loading = null;
  function loadChartjs() {
    loading = loading || new Promise((resolve) => {
      const script = document.createElement("script");
      script.src = chartjs;
      script.onload = resolve;
      document.head.append(script);
    });
    return loading;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const canvases = document.querySelectorAll("canvas[data-chart]");
    if (window.Chart) {
      canvases.forEach(draw);
    } else if (chartjs && canvases.length) {
      const observer = new IntersectionObserver((entries) => {
        entries.filter((entry) => entry.isIntersecting).forEach((entry) => {
          observer.unobserve(entry.target);
          loadChartjs().then(() => draw(entry.target));
        });
      }, { rootMargin: "200px" });
      canvases.forEach((canvas) => observer.observe(canvas));
    }
  });
  // Redraw at the printed width so the charts fit the A4 page.
  window.addEventListener("beforeprint", () => {
    if (!window.Chart) return;
    Object.values(window.Chart.instances).forEach((chart) => chart.resize());
  });
})();
